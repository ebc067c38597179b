import { ConditionType, Reason, findCondition, type Condition } from "../api/conditions.js";
import type { Metrics } from "../metrics.js";
import type { ObjectRef } from "./types.js";

/**
 * Per-object reconcile metrics (Flux's gotk_reconcile_* family): duration, results, error reasons,
 * one series per condition status, and the suspend gauge. Series of a deleted object are removed,
 * so a churn of short-lived objects does not grow the registry for ever.
 */

/** How a reconcile ended, for `ivr_promoter_reconcile_total{result}`. */
export type ReconcileResultLabel = "success" | "failure" | "skipped";

const TYPES = [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled] as const;
const STATUSES = ["True", "False", "Unknown"] as const;
const RESULTS: readonly ReconcileResultLabel[] = ["success", "failure", "skipped"];

/** What one reconcile reports. */
export interface ReconcileRecord {
  result: ReconcileResultLabel;
  seconds: number;
  /** The Ready reason of a failure. */
  reason?: string;
  conditions: readonly Condition[] | undefined;
  suspended: boolean;
}

/** Records one reconcile of `ref`. */
export function recordReconcile(metrics: Metrics, ref: ObjectRef, record: ReconcileRecord): void {
  const id = { namespace: ref.namespace, name: ref.name };
  metrics.reconcileDuration.observe(id, record.seconds);
  metrics.reconcileTotal.inc({ ...id, result: record.result });
  if (record.result === "failure") metrics.reconcileErrors.inc({ ...id, reason: record.reason ?? "Unknown" });
  for (const type of TYPES) {
    const current = findCondition(record.conditions, type)?.status;
    for (const status of STATUSES) metrics.condition.set({ ...id, type, status }, current === status ? 1 : 0);
  }
  metrics.suspended.set(id, record.suspended ? 1 : 0);
  const ready = findCondition(record.conditions, ConditionType.Ready);
  metrics.awaitingApproval.set(
    id,
    ready?.status === "False" && ready.reason === Reason.AwaitingApproval ? 1 : 0,
  );
  metrics.changeWindowHeldNow.set(id, ready?.reason === Reason.OutsideChangeWindow ? 1 : 0);
  metrics.verifying.set(id, ready?.status === "Unknown" && ready.reason === Reason.Verifying ? 1 : 0);
  if (ready?.reason === Reason.VerificationFailed) metrics.verificationFailed.set(id, 1);
  else if (ready?.status === "True") metrics.verificationFailed.set(id, 0);
}

/** Removes every series of `ref` (the object is gone). */
export async function forgetObject(metrics: Metrics, ref: ObjectRef): Promise<void> {
  const id = { namespace: ref.namespace, name: ref.name };
  metrics.reconcileDuration.remove(id);
  metrics.suspended.remove(id);
  metrics.awaitingApproval.remove(id);
  metrics.changeWindowHeldNow.remove(id);
  metrics.changeWindowHeld.remove(id);
  metrics.changeWindowOverrides.remove(id);
  metrics.verifying.remove(id);
  metrics.verificationFailed.remove(id);
  for (const result of ["passed", "failed", "inconclusive", "abandoned"])
    metrics.verifications.remove({ ...id, result });
  for (const result of RESULTS) metrics.reconcileTotal.remove({ ...id, result });
  for (const type of TYPES) {
    for (const status of STATUSES) metrics.condition.remove({ ...id, type, status });
  }
  // Error reasons are open-ended: drop whichever series this object has.
  for (const { labels } of (await metrics.reconcileErrors.get()).values) {
    if (labels.namespace === ref.namespace && labels.name === ref.name) {
      metrics.reconcileErrors.remove({ ...id, reason: String(labels.reason) });
    }
  }
}
