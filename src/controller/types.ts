/**
 * The contract between the controller runtime (watch, queue, leader election) and the IvrPromotion reconciler.
 * Kept in its own file so both sides can be written and tested independently (CONTRACTS §6).
 */

/** Identifies one IvrPromotion object; the work-queue key is `namespace/name`. */
export interface ObjectRef {
  namespace: string;
  name: string;
}

/** What a reconcile asks of the runtime once it returns normally. */
export interface ReconcileResult {
  /** undefined → no timed requeue (e.g. Stalled, suspended). */
  requeueAfterMs?: number;
}

/** Reconciles one object. Throwing makes the runtime retry the key with per-item exponential backoff. */
export interface Reconciler {
  reconcile(ref: ObjectRef, signal: AbortSignal): Promise<ReconcileResult>;
}
