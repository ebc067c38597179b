/**
 * `main@sha1:<40 hex>` as `main@sha1:<8 hex>`, for places a person scans (the REVISION column, the
 * Ready message); anything not of that form is returned as is. The full revision stays in
 * `status.lastAppliedRevision` and the history.
 */
export function shortRevision(revision: string): string {
  // Eight hex digits tell the commits of one branch apart in practice, and keep the column narrow.
  return revision.replace(/(sha1:[0-9a-f]{8})[0-9a-f]{32}$/, "$1");
}

/**
 * A plan hash (`sha256:<32 hex>`) as its first 8 hex digits, for the STATUS column; the full hash, the
 * one to approve, is in `status.pendingPlan.planHash`.
 */
export function shortPlanHash(hash: string): string {
  return hash.replace(/^(sha256:[0-9a-f]{8})[0-9a-f]+$/, "$1");
}
