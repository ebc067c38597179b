import { z } from "zod";
import {
  startEmulator,
  type EmulatorSeed,
  type Faults,
  type RunningEmulator,
  type SeedObjects,
} from "../../src/emulator/index.js";

/** A flow as `/__admin/state` shows it. */
export const AdminFlowSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  versions: z.array(z.string()),
  publishedVersion: z.string().nullable(),
  publishedYaml: z.string().nullable(),
  checkedInVersion: z.string().nullable(),
  savedVersion: z.string().nullable(),
  lock: z.object({ clientId: z.string(), clientName: z.string() }).nullable(),
  deleted: z.boolean(),
});
/** A flow in `/__admin/state`. */
export type AdminFlow = z.infer<typeof AdminFlowSchema>;

const ObjectRowSchema = z.object({ id: z.string(), name: z.string(), category: z.string().optional() });

/** One org in `/__admin/state`. */
export const AdminOrgSchema = z.object({
  name: z.string(),
  id: z.string(),
  region: z.string(),
  clients: z.array(z.object({ id: z.string(), name: z.string(), tokenTtlSeconds: z.number() })),
  rateLimit: z.object({ requests: z.number(), windowSeconds: z.number() }),
  jobDurationMs: z.number(),
  flows: z.array(AdminFlowSchema),
  objects: z.record(z.string(), z.array(ObjectRowSchema)),
  faults: z.record(z.string(), z.unknown()),
  jobs: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      command: z.string().nullable(),
      flowId: z.string().nullable(),
    }),
  ),
});
/** An org in `/__admin/state`. */
export type AdminOrg = z.infer<typeof AdminOrgSchema>;

/** One request-log line. */
export const RequestLogEntrySchema = z.object({
  seq: z.number(),
  time: z.string(),
  org: z.string().nullable(),
  clientId: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  route: z.string(),
  status: z.number(),
  correlationId: z.string(),
});
/** A request-log line. */
export type LoggedRequest = z.infer<typeof RequestLogEntrySchema>;

const HeldJobSchema = z.object({ id: z.string(), flowName: z.string().nullable(), heldSince: z.string() });
/** A held import job in `GET /__admin/orgs/{org}/jobs/held`. */
export type HeldJob = z.infer<typeof HeldJobSchema>;
const ReleasedJobSchema = z.object({
  id: z.string(),
  flowName: z.string().nullable(),
  status: z.string(),
  flowId: z.string().nullable(),
});
/** A job as `POST /__admin/orgs/{org}/jobs/release` reports it after running it. */
export type ReleasedJob = z.infer<typeof ReleasedJobSchema>;

/** Typed client of the emulator's admin API (CONTRACTS §3); talks HTTP like any other test would. */
export class EmulatorAdmin {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path} -> ${res.status}: ${text}`);
    return schema.parse(text ? JSON.parse(text) : undefined);
  }

  /** Every org with flows, objects, faults and jobs. */
  async state(): Promise<AdminOrg[]> {
    return (await this.call("GET", "/__admin/state", z.object({ orgs: z.array(AdminOrgSchema) }))).orgs;
  }

  /** One org's state. */
  async org(name: string): Promise<AdminOrg> {
    const org = (await this.state()).find((o) => o.name === name);
    if (!org) throw new Error(`no org ${name}`);
    return org;
  }

  /** Replaces the org's faults (PUT). */
  setFaults(org: string, faults: Faults): Promise<unknown> {
    return this.call("PUT", `/__admin/orgs/${org}/faults`, z.unknown(), faults);
  }

  /** Merges into the org's faults (PATCH). */
  patchFaults(org: string, faults: Faults): Promise<unknown> {
    return this.call("PATCH", `/__admin/orgs/${org}/faults`, z.unknown(), faults);
  }

  /** Sets the org's call traffic (PUT /traffic; see src/emulator/traffic.ts for the fields). */
  setTraffic(org: string, traffic: Record<string, unknown>): Promise<unknown> {
    return this.call("PUT", `/__admin/orgs/${org}/traffic`, z.unknown(), traffic);
  }

  /** Adds one traffic rule; answers with the rule as resolved (a concrete version for "next"). */
  addTrafficRule(org: string, rule: Record<string, unknown>): Promise<{ version?: string }> {
    return this.call(
      "POST",
      `/__admin/orgs/${org}/traffic/rules`,
      z.looseObject({ version: z.string().optional() }),
      rule,
    );
  }

  /** Adds org objects (queues, dataActions, ...). */
  addObjects(org: string, objects: SeedObjects): Promise<Array<{ kind: string; id: string; name: string }>> {
    return this.call(
      "POST",
      `/__admin/orgs/${org}/objects`,
      z.array(z.object({ kind: z.string(), id: z.string(), name: z.string() })),
      objects,
    );
  }

  /** Removes an org object by kind (ReferenceKind, e.g. `queue`) and name. */
  async removeObject(org: string, kind: string, name: string): Promise<void> {
    await this.call(
      "DELETE",
      `/__admin/orgs/${org}/objects/${kind}/${encodeURIComponent(name)}`,
      z.unknown(),
    );
  }

  /** Makes `flowId` locked by the OAuth client named `clientName` (another client unless it names one of the org's). */
  lockFlow(org: string, flowId: string, clientName = "Architect user session"): Promise<AdminFlow> {
    return this.call("POST", `/__admin/orgs/${org}/flows/${flowId}/lock`, AdminFlowSchema, { clientName });
  }

  /** Publishes a flow right away, as a finished import job would. */
  addFlow(org: string, yaml: string): Promise<AdminFlow> {
    return this.call("POST", `/__admin/orgs/${org}/flows`, AdminFlowSchema, { yaml });
  }

  /** Import jobs a hold fault keeps Started (`holdJobsForFlows`, `holdNthJob`). */
  heldJobs(org: string): Promise<HeldJob[]> {
    return this.call("GET", `/__admin/orgs/${org}/jobs/held`, z.array(HeldJobSchema));
  }

  /** Runs held import jobs to completion: all, or one by id, or those of one flow. */
  async releaseJobs(org: string, filter: { jobId?: string; flowName?: string } = {}): Promise<ReleasedJob[]> {
    const body = await this.call(
      "POST",
      `/__admin/orgs/${org}/jobs/release`,
      z.object({ released: z.array(ReleasedJobSchema) }),
      filter,
    );
    return body.released;
  }

  /** The request log (optionally one org's). */
  requests(org?: string): Promise<LoggedRequest[]> {
    return this.call(
      "GET",
      `/__admin/requests${org ? `?org=${encodeURIComponent(org)}` : ""}`,
      z.array(RequestLogEntrySchema),
    );
  }

  /** Empties the request log. */
  async clearRequests(): Promise<void> {
    await this.call("DELETE", "/__admin/requests", z.unknown());
  }
}

/** A started emulator with its admin client. Call `close()` in afterAll/afterEach. */
export interface TestEmulator extends RunningEmulator {
  admin: EmulatorAdmin;
}

/** Starts an emulator on a free loopback port with `seed`. */
export async function startTestEmulator(seed?: EmulatorSeed): Promise<TestEmulator> {
  const emulator = await startEmulator({ port: 0, seed });
  return { ...emulator, admin: new EmulatorAdmin(emulator.url) };
}

/** Gets a bearer token with the client-credentials grant. */
export async function getToken(url: string, client: { id: string; secret: string }): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  const body = z.object({ access_token: z.string() }).parse(await res.json());
  return body.access_token;
}

/** A response as tests look at it: status, headers and the parsed JSON body (undefined when empty). */
export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Minimal bearer-authenticated JSON client for API tests. */
export function apiCaller(url: string, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<ApiResponse> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}

/** Polls `probe` until it returns a defined value (generous timeout; no timing assertions). */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const JobStateSchema = z.object({
  id: z.string(),
  status: z.string(),
  command: z.string().optional(),
  flow: z.object({ id: z.string(), selfUri: z.string() }).optional(),
  messages: z
    .array(
      z.object({
        dateTime: z.string(),
        type: z.string(),
        text: z.string(),
        details: z.array(z.record(z.string(), z.unknown())).optional(),
      }),
    )
    .optional(),
  selfUri: z.string(),
});
/** GET /api/v2/flows/jobs/{id} as parsed by tests. */
export type JobState = z.infer<typeof JobStateSchema>;

/** Registers an import job, uploads `yaml` with the returned headers and polls until it finishes. */
export async function importYaml(url: string, token: string, yaml: string): Promise<JobState> {
  const call = apiCaller(url, token);
  const registered = z
    .object({ id: z.string(), presignedUrl: z.string(), headers: z.record(z.string(), z.string()) })
    .parse((await call("POST", "/api/v2/flows/jobs")).body);
  const upload = await fetch(registered.presignedUrl, {
    method: "PUT",
    headers: registered.headers,
    body: yaml,
  });
  if (upload.status !== 200) throw new Error(`upload failed: ${upload.status}`);
  return eventually(async () => {
    const state = JobStateSchema.parse(
      (await call("GET", `/api/v2/flows/jobs/${registered.id}?expand=messages`)).body,
    );
    return state.status === "Success" || state.status === "Failure" ? state : undefined;
  });
}

/** Parses a job state (for tests that drive the job steps themselves). */
export function parseJobState(body: unknown): JobState {
  return JobStateSchema.parse(body);
}
