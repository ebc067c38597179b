import { z } from "zod";
import { ApiError } from "../errors.js";
import { flowAdminJson } from "../flow-view.js";
import { kindInfo } from "../kinds.js";
import type { RequestLog } from "../request-log.js";
import type { HttpResult, Router } from "../router.js";
import { FaultsSchema, ObjectsSchema, formatPath } from "../seed.js";
import type { EmulatorState, ImportJob, OrgState } from "../state.js";
import { publishSeedFlow } from "../seed-flows.js";
import { TrafficConfigSchema, TrafficRuleSchema } from "../traffic.js";

/** What an admin handler gets. */
export interface AdminContext {
  state: EmulatorState;
  log: RequestLog;
  params: Record<string, string>;
  query: URLSearchParams;
  baseUrl: string;
  json(): unknown;
}

/** An `/__admin` route handler. */
export type AdminHandler = (ctx: AdminContext) => HttpResult;

const fail = (status: number, error: string): ApiError => new ApiError(status, "admin.error", error);

function orgOf(ctx: AdminContext): OrgState {
  const name = ctx.params.org ?? "";
  const org = ctx.state.orgs.get(name);
  if (!org) throw fail(404, `unknown org '${name}'`);
  return org;
}

function parse<T>(ctx: AdminContext, schema: z.ZodType<T>, what: string): T {
  const parsed = schema.safeParse(ctx.json() ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw fail(400, `${what}: ${issue ? formatPath(issue.path) : ""}: ${issue?.message ?? "invalid"}`);
}

function orgState(org: OrgState): Record<string, unknown> {
  return {
    name: org.name,
    id: org.id,
    region: org.region,
    clients: [...org.clients.values()].map((c) => ({
      id: c.id,
      name: c.name,
      tokenTtlSeconds: c.tokenTtlSeconds,
    })),
    rateLimit: org.rateLimit,
    jobDurationMs: org.jobDurationMs,
    flows: org.flows.all().map(flowAdminJson),
    objects: org.objects.snapshot(),
    faults: org.faults.current,
    jobs: [...org.importJobs.values()].map((j) => ({
      id: j.id,
      status: j.status,
      command: j.command ?? null,
      flowId: j.flowId ?? null,
      flowName: j.flowName ?? null,
      held: j.held !== undefined,
    })),
  };
}

function setFaults(mode: "replace" | "merge"): AdminHandler {
  return (ctx) => {
    const org = orgOf(ctx);
    const faults = parse(ctx, FaultsSchema, "faults");
    if (mode === "replace") org.faults.replace(faults);
    else org.faults.merge(faults);
    if (faults.expireTokens) org.tokenGeneration += 1;
    return { status: 200, body: org.faults.current };
  };
}

const addObjects: AdminHandler = (ctx) => {
  const org = orgOf(ctx);
  const added = org.objects.addAll(parse(ctx, ObjectsSchema, "objects"));
  return {
    status: 200,
    body: added.map((o) => ({
      kind: o.kind,
      id: o.id,
      name: o.name,
      ...(o.category ? { category: o.category } : {}),
    })),
  };
};

const removeObject: AdminHandler = (ctx) => {
  const org = orgOf(ctx);
  const info = kindInfo(ctx.params.kind ?? "");
  if (!info) throw fail(400, `unknown object kind '${ctx.params.kind}'`);
  const removed = org.objects.remove(
    info.kind,
    ctx.params.name ?? "",
    ctx.query.get("category") ?? undefined,
  );
  if (removed === 0) throw fail(404, `no ${info.kind} named '${ctx.params.name}' in org '${org.name}'`);
  return { status: 200, body: { removed } };
};

const lockFlow: AdminHandler = (ctx) => {
  const org = orgOf(ctx);
  const body = parse(
    ctx,
    z.strictObject({ clientName: z.string().min(1).default("Another OAuth client") }),
    "lock",
  );
  const flow = org.flows.get(ctx.params.flowId ?? "");
  if (!flow || flow.deleted) throw fail(404, `unknown flow '${ctx.params.flowId}' in org '${org.name}'`);
  flow.lock = org.principalNamed(body.clientName);
  return { status: 200, body: flowAdminJson(flow) };
};

const addFlow: AdminHandler = (ctx) => {
  const org = orgOf(ctx);
  const body = parse(ctx, z.strictObject({ yaml: z.string().min(1) }), "flow");
  const flow = publishSeedFlow(org, body.yaml, ctx.baseUrl, "admin flow");
  return { status: 200, body: flowAdminJson(flow) };
};

/** PUT /__admin/orgs/{org}/traffic: sets the call traffic (traffic.ts); "next"/"published" resolve now. */
const setTraffic: AdminHandler = (ctx) => {
  const org = orgOf(ctx);
  const config = parse(ctx, TrafficConfigSchema, "traffic");
  try {
    org.traffic.set(config, org.flows.all(), ctx.state.now());
  } catch (err) {
    throw fail(400, `traffic: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { status: 200, body: { ...org.traffic.config, epoch: new Date(org.traffic.epoch).toISOString() } };
};

/** POST /__admin/orgs/{org}/traffic/rules: adds one behaviour rule (e.g. 40% failed outcomes for "next"). */
const addTrafficRule: AdminHandler = (ctx) => {
  const org = orgOf(ctx);
  const rule = parse(ctx, TrafficRuleSchema, "rule");
  try {
    return { status: 200, body: org.traffic.addRule(rule, org.flows.all()) };
  } catch (err) {
    throw fail(400, `rule: ${err instanceof Error ? err.message : String(err)}`);
  }
};

const heldJson = (j: ImportJob) => ({ id: j.id, flowName: j.flowName ?? null, heldSince: j.held?.since });

/** GET /__admin/orgs/{org}/jobs/held: import jobs a hold fault keeps Started, oldest first. */
const listHeld: AdminHandler = (ctx) => ({
  status: 200,
  body: [...orgOf(ctx).importJobs.values()].filter((j) => j.held).map(heldJson),
});

/**
 * POST /__admin/orgs/{org}/jobs/release `{jobId?, flowName?}`: runs the held jobs (all, or the one
 * with that id, or those of that flow) to completion now, and answers with their outcome.
 */
const releaseHeld: AdminHandler = (ctx) => {
  const org = orgOf(ctx);
  const body = parse(
    ctx,
    z.strictObject({ jobId: z.string().min(1).optional(), flowName: z.string().min(1).optional() }),
    "release",
  );
  const held = [...org.importJobs.values()].filter(
    (j) =>
      j.held &&
      (body.jobId === undefined || j.id === body.jobId) &&
      (body.flowName === undefined || j.flowName?.toLowerCase() === body.flowName.toLowerCase()),
  );
  if (body.jobId !== undefined && held.length === 0)
    throw fail(404, `no held import job '${body.jobId}' in org '${org.name}'`);
  for (const job of held) job.held?.run();
  return {
    status: 200,
    body: {
      released: held.map((j) => ({
        id: j.id,
        flowName: j.flowName ?? null,
        status: j.status,
        flowId: j.flowId ?? null,
      })),
    },
  };
};

/** Registers the admin API (CONTRACTS §3): no bearer, not rate limited, not in the request log. */
export function adminRoutes(router: Router<AdminHandler>): void {
  router
    .on("GET", "/__admin/health", () => ({ status: 200, body: { ok: true } }))
    .on("GET", "/__admin/state", (ctx) => ({
      status: 200,
      body: { orgs: [...ctx.state.orgs.values()].map(orgState) },
    }))
    .on("PUT", "/__admin/orgs/{org}/faults", setFaults("replace"))
    .on("PATCH", "/__admin/orgs/{org}/faults", setFaults("merge"))
    .on("POST", "/__admin/orgs/{org}/objects", addObjects)
    .on("DELETE", "/__admin/orgs/{org}/objects/{kind}/{name}", removeObject)
    .on("POST", "/__admin/orgs/{org}/flows", addFlow)
    .on("POST", "/__admin/orgs/{org}/flows/{flowId}/lock", lockFlow)
    .on("GET", "/__admin/orgs/{org}/jobs/held", listHeld)
    .on("PUT", "/__admin/orgs/{org}/traffic", setTraffic)
    .on("GET", "/__admin/orgs/{org}/traffic", (ctx) => ({
      status: 200,
      body: orgOf(ctx).traffic.config ?? null,
    }))
    .on("POST", "/__admin/orgs/{org}/traffic/rules", addTrafficRule)
    .on("POST", "/__admin/orgs/{org}/jobs/release", releaseHeld)
    .on("GET", "/__admin/requests", (ctx) => ({
      status: 200,
      body: ctx.log.list(ctx.query.get("org") ?? undefined),
    }))
    .on("DELETE", "/__admin/requests", (ctx) => {
      ctx.log.clear();
      return { status: 204 };
    });
}
