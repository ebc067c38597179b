import { z } from "zod";
import type { GenesysHttp } from "./http.js";

/*
Flow analytics (genesys-api.md, addendum "Analytics for verification"): POST
/api/v2/analytics/flows/aggregates/query with a FlowAggregationQuery, answered with a
FlowAggregateQueryResponse. The query is a read, so it is idempotent: 5xx and network errors are
retried like a GET, 429s like every call, all through the client's one rate-limiter bucket. What
survives the retries is thrown as a typed error (Transient or Waiting), never returned as figures.
*/

/** A dimension predicate of a FlowAggregateQueryFilter. */
export interface FlowAggregatePredicate {
  type?: "dimension";
  dimension: string;
  operator?: "matches" | "exists" | "notExists";
  value?: string;
}

/** The SDK's FlowAggregationQuery (the fields this client sends). */
export interface FlowAggregationQuery {
  /** ISO-8601 `<start>/<end>`. */
  interval: string;
  granularity?: string;
  groupBy?: string[];
  filter?: {
    type: "and" | "or";
    predicates?: FlowAggregatePredicate[];
    clauses?: Array<{ type: "and" | "or"; predicates: FlowAggregatePredicate[] }>;
  };
  metrics: string[];
}

/** StatisticalSummary: count metrics carry `count`; time metrics count, sum, min and max (ms). */
export const StatisticalSummarySchema = z.looseObject({
  count: z.number().optional(),
  sum: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});

/** FlowAggregateQueryResponse. */
export const FlowAggregateQueryResponseSchema = z.looseObject({
  results: z
    .array(
      z.looseObject({
        group: z.record(z.string(), z.string()).optional(),
        data: z
          .array(
            z.looseObject({
              interval: z.string().optional(),
              metrics: z
                .array(
                  z.looseObject({
                    metric: z.string(),
                    qualifier: z.string().optional(),
                    stats: StatisticalSummarySchema.optional(),
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
/** A parsed aggregates answer. */
export type FlowAggregateQueryResponse = z.infer<typeof FlowAggregateQueryResponseSchema>;

/** Runs one aggregates query (retried as an idempotent read). */
export function queryFlowAggregates(
  http: GenesysHttp,
  query: FlowAggregationQuery,
  signal?: AbortSignal,
): Promise<FlowAggregateQueryResponse> {
  return http.json(
    {
      method: "POST",
      route: "/api/v2/analytics/flows/aggregates/query",
      json: query,
      idempotent: true,
      signal,
    },
    FlowAggregateQueryResponseSchema,
  );
}
