import type { Figures } from "../../api/verification.js";
import type {
  FlowAggregatePredicate,
  FlowAggregateQueryResponse,
  FlowAggregationQuery,
} from "../../genesys/index.js";

/** The slice of the Genesys client verification uses (GenesysClient satisfies it). */
export interface AnalyticsPort {
  queryFlowAggregates(
    query: FlowAggregationQuery,
    opts?: { signal?: AbortSignal },
  ): Promise<FlowAggregateQueryResponse>;
}

/** A flow version to read figures of. */
export interface FlowVersionRef {
  id: string;
  version: string;
}

/** Disconnect types that mean the platform or the flow failed the caller, not that the caller left. */
export const ABNORMAL_DISCONNECTS = ["system", "error"] as const;

/** `flowId@version`, the key of {@link readFigures}' answer. */
export const figuresKey = (id: string, version: string): string => `${id}@${version}`;

/** All zero: a version that took no calls in the window. */
export function emptyFigures(): Figures {
  return { calls: 0, outcomes: 0, failedOutcomes: 0, abnormalDisconnects: 0, flowMsSum: 0, flowMsCount: 0 };
}

/**
 * Figures of each flow version over [from, to): two or three aggregates queries (totals by flowId and
 * flowVersion; system/error disconnects by disconnectType; milestones by flowMilestoneId when asked),
 * each filtered to the flows. Versions without calls are all zero. Errors propagate (typed, from the
 * client): the caller decides that an unavailable figure is "no data", never "a bad release".
 */
export async function readFigures(
  client: AnalyticsPort,
  refs: readonly FlowVersionRef[],
  from: Date,
  to: Date,
  milestoneIds: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, Figures>> {
  const out = new Map<string, Figures>();
  for (const r of refs) out.set(figuresKey(r.id, r.version), emptyFigures());
  if (refs.length === 0 || to.getTime() <= from.getTime()) return out;
  const interval = `${from.toISOString()}/${to.toISOString()}`;
  const flows = {
    type: "or" as const,
    predicates: [...new Set(refs.map((r) => r.id))].map(dimension("flowId")),
  };
  const opts = signal ? { signal } : {};
  const totals = await client.queryFlowAggregates(
    {
      interval,
      groupBy: ["flowId", "flowVersion"],
      filter: { type: "and", clauses: [flows] },
      metrics: ["nFlow", "nFlowOutcome", "nFlowOutcomeFailed", "tFlow"],
    },
    opts,
  );
  each(totals, out, (f, metric, stats) => {
    if (metric === "nFlow") f.calls += stats.count ?? 0;
    else if (metric === "nFlowOutcome") f.outcomes += stats.count ?? 0;
    else if (metric === "nFlowOutcomeFailed") f.failedOutcomes += stats.count ?? 0;
    else if (metric === "tFlow") {
      f.flowMsSum += stats.sum ?? 0;
      f.flowMsCount += stats.count ?? 0;
    }
  });
  const disconnects = await client.queryFlowAggregates(
    {
      interval,
      groupBy: ["flowId", "flowVersion", "disconnectType"],
      filter: {
        type: "and",
        clauses: [flows, { type: "or", predicates: ABNORMAL_DISCONNECTS.map(dimension("disconnectType")) }],
      },
      metrics: ["tFlowDisconnect"],
    },
    opts,
  );
  each(disconnects, out, (f, metric, stats, group) => {
    const type = group.disconnectType ?? "";
    if (metric === "tFlowDisconnect" && (ABNORMAL_DISCONNECTS as readonly string[]).includes(type))
      f.abnormalDisconnects += stats.count ?? 0;
  });
  if (milestoneIds.length > 0) {
    const reached = await client.queryFlowAggregates(
      {
        interval,
        groupBy: ["flowId", "flowVersion", "flowMilestoneId"],
        filter: {
          type: "and",
          clauses: [flows, { type: "or", predicates: milestoneIds.map(dimension("flowMilestoneId")) }],
        },
        metrics: ["nFlowMilestone"],
      },
      opts,
    );
    each(reached, out, (f, metric, stats, group) => {
      const id = group.flowMilestoneId;
      if (metric !== "nFlowMilestone" || id === undefined || !milestoneIds.includes(id)) return;
      f.milestones = { ...f.milestones, [id]: (f.milestones?.[id] ?? 0) + (stats.count ?? 0) };
    });
  }
  return out;
}

function dimension(name: string): (value: string) => FlowAggregatePredicate {
  return (value) => ({ type: "dimension", dimension: name, operator: "matches", value });
}

/** Calls `add` for every metric of every bucket of a group that is one of the wanted versions. */
function each(
  res: FlowAggregateQueryResponse,
  out: Map<string, Figures>,
  add: (
    f: Figures,
    metric: string,
    stats: { count?: number; sum?: number },
    group: Record<string, string>,
  ) => void,
): void {
  for (const result of res.results ?? []) {
    const group = result.group ?? {};
    const figures = out.get(figuresKey(group.flowId ?? "", group.flowVersion ?? ""));
    if (!figures) continue;
    for (const bucket of result.data ?? [])
      for (const m of bucket.metrics ?? []) add(figures, m.metric, m.stats ?? {}, group);
  }
}
