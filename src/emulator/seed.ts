import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PromoterError } from "../errors.js";

/** A request budget for one token. */
export const RateLimitSchema = z.strictObject({
  requests: z.number().int().min(1),
  windowSeconds: z.number().int().min(1),
});

const ErrorStatus = z.number().int().min(400).max(599);

/**
 * Fault switches of one org (CONTRACTS §3). Strict, so a typo in an admin call is an error rather
 * than a silently ignored switch.
 */
export const FaultsSchema = z.strictObject({
  /** Share of API calls (0..1) answered with one of `errorStatuses`. */
  errorRate: z.number().min(0).max(1).optional(),
  errorStatuses: z.array(ErrorStatus).min(1).optional(),
  /** Seed for the error-rate dice, making a rate-based run repeatable. */
  randomSeed: z.number().int().optional(),
  /** The next `count` API calls (optionally only those of one method/templated route) fail with `status`. */
  errorBurst: z
    .strictObject({
      count: z.number().int().min(0),
      status: ErrorStatus.default(503),
      method: z.string().optional(),
      route: z.string().optional(),
    })
    .optional(),
  /**
   * The next `count` analytics queries fail with `status` (429 carries `Retry-After`): an analytics
   * outage during a verification window, which must never read as a bad release.
   */
  analyticsOutage: z
    .strictObject({
      count: z.number().int().min(0),
      status: ErrorStatus.default(503),
      retryAfterSeconds: z.number().int().min(0).default(1),
    })
    .optional(),
  latencyMs: z.number().int().min(0).optional(),
  /** Fixed time an import job stays Started (overrides the seed's `jobDurationMs`). */
  jobDurationMs: z.number().int().min(0).optional(),
  /**
   * Import-job durations drawn from a log-normal distribution with this median and 95th percentile
   * (real jobs take seconds with a long tail). Seeded by `randomSeed` when set. Wins over `jobDurationMs`.
   */
  jobDuration: z
    .strictObject({ medianMs: z.number().min(0), p95Ms: z.number().min(0) })
    .refine((d) => d.p95Ms >= d.medianMs, "p95Ms must be at least medianMs")
    .optional(),
  /**
   * Import jobs of these flows (by name) stay Started once uploaded until released through
   * `POST /__admin/orgs/{org}/jobs/release`; they then run to completion whether or not anyone polls.
   */
  holdJobsForFlows: z.array(z.string()).optional(),
  /** Holds the `n`-th import job uploaded from now (1 = the next one); counts down in place. */
  holdNthJob: z.strictObject({ n: z.number().int().min(1) }).optional(),
  /**
   * Pessimistic publish: `POST actions/publish` answers 202 with an incomplete Operation and the flow's
   * published version changes only when the operation completes, after this many ms.
   */
  publishDelayMs: z.number().int().min(0).optional(),
  /**
   * The next `count` publish operations (only of `flows`, by name, when given) complete with
   * actionStatus FAILURE and `errorMessage`, leaving the published version unchanged.
   */
  failPublish: z
    .strictObject({
      count: z.number().int().min(0),
      flows: z.array(z.string()).optional(),
      /** Default `architect.external.publish.error`. */
      errorCode: z.string().min(1).optional(),
      errorMessage: z.string().min(1).optional(),
    })
    .optional(),
  /** Flow names whose import job fails with an Error message. */
  failJobsForFlows: z.array(z.string()).optional(),
  rateLimit: RateLimitSchema.optional(),
  /** The next `count` API calls get 429 with this Retry-After. */
  rateLimitStorm: z
    .strictObject({ count: z.number().int().min(0), retryAfterSeconds: z.number().int().min(1).default(1) })
    .optional(),
  /**
   * The next `count` token requests of this org's clients are refused the way the login service
   * throttles: HTTP 400 `{"error":"invalid_request","description":"rate limit exceeded; ..."}`.
   */
  loginThrottle: z.strictObject({ count: z.number().int().min(0) }).optional(),
  /** Lifetime of tokens issued from now on; a fault may go below the real 300 s minimum. */
  tokenTtlSeconds: z.number().int().min(1).optional(),
  /** One-shot action: invalidate every token issued so far. */
  expireTokens: z.boolean().optional(),
});
/** Fault switches of one org. */
export type Faults = z.infer<typeof FaultsSchema>;

const NamedObjectSchema = z.looseObject({ id: z.string().min(1).optional(), name: z.string().min(1) });
const DataActionSchema = z.looseObject({
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  category: z.string().min(1),
});
/** A by-name org object in a seed or admin body; extra fields are echoed back by the API. */
export type SeedObject = z.infer<typeof NamedObjectSchema> & { category?: string };

/** Lists of org objects, keyed like the seed (`queues`, `dataActions`, ...). */
export const ObjectsSchema = z.strictObject({
  queues: z.array(NamedObjectSchema).optional(),
  dataActions: z.array(DataActionSchema).optional(),
  schedules: z.array(NamedObjectSchema).optional(),
  scheduleGroups: z.array(NamedObjectSchema).optional(),
  userPrompts: z.array(NamedObjectSchema).optional(),
  emergencyGroups: z.array(NamedObjectSchema).optional(),
  dataTables: z.array(NamedObjectSchema).optional(),
  contactLists: z.array(NamedObjectSchema).optional(),
  wrapupCodes: z.array(NamedObjectSchema).optional(),
  knowledgeBases: z.array(NamedObjectSchema).optional(),
  skills: z.array(NamedObjectSchema).optional(),
  languages: z.array(NamedObjectSchema).optional(),
  users: z.array(NamedObjectSchema).optional(),
  groups: z.array(NamedObjectSchema).optional(),
  /** Divisions besides the Home division every org has. */
  divisions: z.array(NamedObjectSchema).optional(),
});
/** Org objects to add. */
export type SeedObjects = z.infer<typeof ObjectsSchema>;

const ClientSchema = z.strictObject({
  id: z.string().min(1),
  secret: z.string().min(1),
  name: z.string().min(1).optional(),
  /** `expires_in` of this client's tokens; the real range is 5 minutes .. 48 hours, default 24 hours. */
  tokenTtlSeconds: z.number().int().min(300).max(172800).optional(),
});

const OrgSeedSchema = ObjectsSchema.extend({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be letters, digits, '.', '_' or '-'"),
  id: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  clients: z.array(ClientSchema).optional(),
  rateLimit: RateLimitSchema.optional(),
  jobDurationMs: z.number().int().min(0).optional(),
  /** Flows published at start, in order (Archy YAML, placeholders already substituted). */
  flows: z.array(z.strictObject({ yaml: z.string().min(1) })).optional(),
  faults: FaultsSchema.optional(),
});
/** One org of a seed. */
export type OrgSeed = z.infer<typeof OrgSeedSchema>;

/** The emulator's starting state (CONTRACTS §3). */
export const EmulatorSeedSchema = z
  .strictObject({ orgs: z.array(OrgSeedSchema).optional() })
  .superRefine((seed, ctx) => {
    const orgNames = new Set<string>();
    const clientIds = new Set<string>();
    for (const [i, org] of (seed.orgs ?? []).entries()) {
      if (orgNames.has(org.name))
        ctx.addIssue({
          code: "custom",
          path: ["orgs", i, "name"],
          message: `duplicate org name '${org.name}'`,
        });
      orgNames.add(org.name);
      // A token belongs to the org of its client, so a client id may exist only once.
      for (const [j, client] of (org.clients ?? []).entries()) {
        if (clientIds.has(client.id)) {
          ctx.addIssue({
            code: "custom",
            path: ["orgs", i, "clients", j, "id"],
            message: `duplicate client id '${client.id}'`,
          });
        }
        clientIds.add(client.id);
      }
    }
  });
/** The emulator's starting state. */
export type EmulatorSeed = z.infer<typeof EmulatorSeedSchema>;

/** A seed file that cannot be read or does not match {@link EmulatorSeedSchema}. */
export class SeedError extends PromoterError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("EmulatorSeedInvalid", "Stalled", message, options);
  }
}

/** `orgs[0].clients[1].secret` from a zod issue path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out || "(root)";
}

/** Validates a seed document; `source` names it in the one-line error. */
export function parseSeed(data: unknown, source = "seed"): EmulatorSeed {
  const parsed = EmulatorSeedSchema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue ? formatPath(issue.path) : "(root)";
  throw new SeedError(`${source}: ${where}: ${(issue?.message ?? "invalid").replace(/\s+/g, " ")}`);
}

/** Reads a seed from a YAML or JSON file; every failure is one line naming the file (and the field). */
export async function loadSeedFile(path: string): Promise<EmulatorSeed> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = err instanceof Error && "code" in err ? String(err.code) : String(err);
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory, not a file" : code;
    throw new SeedError(`${path}: cannot read seed file: ${why}`, { cause: err });
  }
  let data: unknown;
  try {
    data = path.toLowerCase().endsWith(".json") ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new SeedError(
      `${path}: not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${message.split("\n")[0]}`,
      { cause: err },
    );
  }
  return parseSeed(data, path);
}
