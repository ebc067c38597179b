/** The Genesys Cloud client (CONTRACTS §4): import from here, not from the individual files. */
export { GenesysClient, type GenesysClientOptions, type GenesysTarget } from "./client.js";
export type {
  FlowAggregatePredicate,
  FlowAggregateQueryResponse,
  FlowAggregationQuery,
} from "./analytics.js";
export {
  AuthError,
  GenesysApiError,
  ImportJobFailedError,
  JobFailedError,
  JobTimeoutError,
  LOCK_ERROR_CODES,
  LoginThrottledError,
  NetworkError,
  PublishFailedError,
  RateLimitedError,
  UnexpectedResponseError,
} from "./errors.js";
export type { GenesysObserver, GenesysRequestEvent } from "./observer.js";
export {
  DEFAULT_RATE_LIMIT,
  RateLimiterRegistry,
  TokenBucket,
  bucketParameters,
  type RateLimitConfig,
} from "./rate-limiter.js";
export { REGION_DOMAINS, UnknownRegionError, resolveHosts, type GenesysHosts } from "./regions.js";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
export { dependencyTypeOfFlowType } from "./dependencies.js";
export { AmbiguousObjectError, OBJECT_ROUTES, SEARCH_ROUTES } from "./objects.js";
export { DEFAULT_POLL, type PollIntervals } from "./jobs.js";
export type {
  Dependency,
  EntityRef,
  ErrorBody,
  ExportedFlow,
  Flow,
  FlowVersion,
  ImportResult,
  JobMessage,
  JobResult,
  JobState,
  Operation,
  Organization,
  OrgObject,
} from "./schemas.js";
