import { z } from "zod";
import { ok, type ApiHandler } from "../context.js";
import { badRequest } from "../errors.js";
import type { Router } from "../router.js";
import type { Call } from "../traffic.js";

/**
 * `POST /api/v2/analytics/flows/aggregates/query` over the org's generated traffic (traffic.ts), in
 * the SDK's shapes: FlowAggregationQuery in, FlowAggregateQueryResponse out
 * (`{results: [{group: {dim: value}, data: [{interval, metrics: [{metric, stats}]}]}]}`). Count metrics
 * carry `stats.count`; time metrics (`t*`) carry count, sum, min and max (ms). A group holds only the
 * dimensions an observation has (a call that exits has no disconnectType), as the real service does.
 */

const DIMENSIONS = [
  "flowId",
  "flowVersion",
  "flowName",
  "flowType",
  "disconnectType",
  "exitReason",
  "flowOutcomeId",
  "flowOutcomeValue",
  "flowMilestoneId",
] as const;
const METRICS = [
  "nFlow",
  "nFlowOutcome",
  "nFlowOutcomeFailed",
  "nFlowMilestone",
  "tFlow",
  "tFlowDisconnect",
  "tFlowExit",
  "tFlowOutcome",
] as const;
type Metric = (typeof METRICS)[number];

const PredicateSchema = z.object({
  type: z.enum(["dimension", "property", "metric"]).optional(),
  dimension: z.string().optional(),
  operator: z.enum(["matches", "exists", "notExists"]).optional(),
  value: z.string().optional(),
});
type Predicate = z.infer<typeof PredicateSchema>;

const QuerySchema = z.object({
  interval: z.string().regex(/^[^/]+\/[^/]+$/, "must be <start>/<end> (ISO-8601)"),
  granularity: z.string().optional(),
  timeZone: z.string().optional(),
  groupBy: z.array(z.enum(DIMENSIONS)).max(10).optional(),
  filter: z
    .object({
      type: z.enum(["and", "or"]),
      predicates: z.array(PredicateSchema).optional(),
      clauses: z
        .array(z.object({ type: z.enum(["and", "or"]), predicates: z.array(PredicateSchema) }))
        .optional(),
    })
    .optional(),
  metrics: z.array(z.enum(METRICS)).min(1),
  flattenMultivaluedDimensions: z.boolean().optional(),
});
type Query = z.infer<typeof QuerySchema>;

/** Longest interval one query may cover (the real limit is 31 days; calls are generated on demand). */
const MAX_CALLS = 2_000_000;

/** One metric observation of a call, with the dimensions it carries. */
interface Observation {
  metric: Metric;
  value: number;
  dims: Partial<Record<(typeof DIMENSIONS)[number], string>>;
  start: number;
}

const query: ApiHandler = (ctx) => {
  const outage = ctx.org.faults.takeAnalyticsOutage();
  if (outage) throw outage;
  const parsed = QuerySchema.safeParse(ctx.json());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(`${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  const q = parsed.data;
  const [from, to] = q.interval.split("/").map((s) => Date.parse(s));
  if (from === undefined || to === undefined || !Number.isFinite(from) || !Number.isFinite(to) || to <= from)
    throw badRequest(`interval: '${q.interval}' is not a valid ISO-8601 interval`);
  const bucketMs = q.granularity === undefined ? to - from : parseDuration(q.granularity);
  if (bucketMs === undefined || bucketMs <= 0)
    throw badRequest(`granularity: '${q.granularity}' is not a supported ISO-8601 duration`);
  const wanted = new Set(q.metrics);
  const groups = new Map<
    string,
    { group: Record<string, string>; buckets: Map<number, Map<Metric, Stats>> }
  >();
  let calls = 0;
  for (const call of ctx.org.traffic.calls(ctx.org.flows.all(), from, to, ctx.now)) {
    if (++calls > MAX_CALLS) throw badRequest("The query covers too many calls; narrow the interval.");
    for (const obs of observations(call)) {
      if (!wanted.has(obs.metric) || !matchesFilter(q, obs)) continue;
      const group: Record<string, string> = {};
      for (const dim of q.groupBy ?? []) {
        const value = obs.dims[dim];
        if (value !== undefined) group[dim] = value;
      }
      const key = JSON.stringify(group);
      const entry = groups.get(key) ?? { group, buckets: new Map() };
      groups.set(key, entry);
      const bucket = Math.floor((obs.start - from) / bucketMs);
      const metrics = entry.buckets.get(bucket) ?? new Map<Metric, Stats>();
      entry.buckets.set(bucket, metrics);
      const stats = metrics.get(obs.metric) ?? { count: 0, sum: 0, min: Infinity, max: -Infinity };
      metrics.set(obs.metric, stats);
      stats.count += 1;
      stats.sum += obs.value;
      stats.min = Math.min(stats.min, obs.value);
      stats.max = Math.max(stats.max, obs.value);
    }
  }
  const results = [...groups.values()].map(({ group, buckets }) => ({
    group,
    data: [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([bucket, metrics]) => ({
        interval: `${iso(from + bucket * bucketMs)}/${iso(Math.min(to, from + (bucket + 1) * bucketMs))}`,
        metrics: [...metrics.entries()].map(([metric, s]) => ({
          metric,
          stats: metric.startsWith("t")
            ? { max: s.max, min: s.min, count: s.count, sum: s.sum }
            : { count: s.count },
        })),
      })),
  }));
  // An empty answer is `{}` in the real service (no `results` key).
  return ok(results.length > 0 ? { results } : {});
};

interface Stats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

function observations(call: Call): Observation[] {
  const base = {
    flowId: call.flow.id,
    flowVersion: call.version,
    flowName: call.flow.name,
    flowType: call.flow.type,
  };
  const ending =
    call.ending.kind === "exit" ? { exitReason: call.ending.reason } : { disconnectType: call.ending.type };
  const at = call.start;
  const out: Observation[] = [
    { metric: "nFlow", value: 1, dims: { ...base, ...ending }, start: at },
    { metric: "tFlow", value: call.flowMs, dims: { ...base, ...ending }, start: at },
    {
      metric: call.ending.kind === "exit" ? "tFlowExit" : "tFlowDisconnect",
      value: call.flowMs,
      dims: { ...base, ...ending },
      start: at,
    },
  ];
  if (call.outcome) {
    const dims = {
      ...base,
      flowOutcomeId: call.outcome.id,
      flowOutcomeValue: call.outcome.failed ? "FAILURE" : "SUCCESS",
    };
    out.push({ metric: "nFlowOutcome", value: 1, dims, start: at });
    out.push({ metric: "tFlowOutcome", value: Math.round(call.flowMs * 0.8), dims, start: at });
    if (call.outcome.failed) out.push({ metric: "nFlowOutcomeFailed", value: 1, dims, start: at });
  }
  for (const id of call.milestones)
    out.push({ metric: "nFlowMilestone", value: 1, dims: { ...base, flowMilestoneId: id }, start: at });
  return out;
}

function matchesFilter(q: Query, obs: Observation): boolean {
  const f = q.filter;
  if (!f) return true;
  const preds = (f.predicates ?? []).map((p) => matches(p, obs));
  const clauses = (f.clauses ?? []).map((c) => {
    const r = c.predicates.map((p) => matches(p, obs));
    return c.type === "and" ? r.every(Boolean) : r.some(Boolean);
  });
  const all = [...preds, ...clauses];
  return f.type === "and" ? all.every(Boolean) : all.length === 0 || all.some(Boolean);
}

function matches(p: Predicate, obs: Observation): boolean {
  if ((p.type ?? "dimension") !== "dimension")
    throw badRequest(`filter: predicates of type ${p.type} are not supported`);
  const value = obs.dims[p.dimension as (typeof DIMENSIONS)[number]];
  switch (p.operator ?? "matches") {
    case "exists":
      return value !== undefined;
    case "notExists":
      return value === undefined;
    default:
      return value !== undefined && value === p.value;
  }
}

/** PT1M, PT30S, PT1H, P1D (the granularities the service accepts are whole minutes and up). */
function parseDuration(text: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === "P" || text === "PT") return undefined;
  const [, d = "0", h = "0", min = "0", s = "0"] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Registers the analytics routes. */
export function analyticsRoutes(router: Router<ApiHandler>): void {
  router.on("POST", "/api/v2/analytics/flows/aggregates/query", query);
}
