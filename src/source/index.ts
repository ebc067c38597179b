/** The Git source: resolve refs, check out read-only snapshots, read flow sets safely. */
export { GitSource, describeRef, type GitCheckout, type GitSourceOptions } from "./git-source.js";
export {
  GitAuthSchema,
  GitRefSchema,
  GitRepoSpecSchema,
  formatRevision,
  parseRepoSpec,
  type GitAuth,
  type GitRef,
  type GitRepoSpec,
  type ParsedRepoSpec,
} from "./spec.js";
export {
  DEFAULT_READ_LIMITS,
  checkFlowPath,
  readFlowSet,
  type FlowSetFile,
  type FlowSetTree,
  type ReadLimits,
} from "./read-flow-set.js";
export { openLocalRepo, type LocalRepo } from "./local-revisions.js";
export {
  DEFAULT_FETCH_LIMITS,
  GitLimitError,
  GitUrlNotAllowedError,
  type FetchLimits,
  type SourcePolicy,
} from "./policy.js";
export {
  FlowSetReadError,
  GitAuthError,
  GitOperationError,
  GitRefNotFoundError,
  GitSpecError,
  GitUnreachableError,
  PathEscapeError,
} from "./errors.js";
