import { ConditionType, findCondition } from "../api/conditions.js";
import { Annotation, type IvrPromotion } from "../api/ivr-promotion.js";

/**
 * "No retry until the spec or the revision changes": the object is already Stalled for this
 * generation and revision, and no new reconcile request (requested-at annotation) came in.
 */
export function stalledBefore(obj: IvrPromotion, revision: string): boolean {
  const status = obj.status;
  const stalled = findCondition(status?.conditions, ConditionType.Stalled);
  if (stalled?.status !== "True" || stalled.observedGeneration !== obj.metadata.generation) return false;
  if (status?.lastAttemptedRevision !== revision) return false;
  const retry = obj.metadata.annotations?.[Annotation.retryVerification];
  if (retry !== undefined && retry !== status.verification?.retryHandled) return false;
  const requested = obj.metadata.annotations?.[Annotation.requestedAt];
  return requested === undefined || requested === status.lastHandledReconcileAt;
}
