import { Annotation } from "../api/ivr-promotion.js";
import type { KubeObject } from "./watch-types.js";

/**
 * Which watch deliveries are worth a reconcile. Status writes (our own, every reconcile) and other
 * metadata churn must not enqueue, or the operator would reconcile in a loop; this is controller-runtime's
 * `GenerationChangedPredicate` OR Flux's `ReconcileRequestedPredicate`, plus deletion and relists.
 */

/** Annotations whose change asks for a reconcile: "reconcile now", plan approval, window override, verification retry. */
export const TRIGGER_ANNOTATIONS: readonly string[] = [
  Annotation.requestedAt,
  Annotation.approvedPlan,
  Annotation.changeWindowOverride,
  Annotation.retryVerification,
];

/** True when an update from `old` to `obj` should enqueue the object. */
export function updateMatters(old: KubeObject, obj: KubeObject): boolean {
  const before = old.metadata;
  const after = obj.metadata;
  if (before.generation !== after.generation) return true;
  if (before.deletionTimestamp !== after.deletionTimestamp) return true;
  return TRIGGER_ANNOTATIONS.some((name) => before.annotations?.[name] !== after.annotations?.[name]);
}

/** The work-queue key of an object: `namespace/name`. */
export function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

/** Splits a work-queue key back into a reference. */
export function parseKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0
    ? { namespace: "", name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
