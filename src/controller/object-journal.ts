import { API_VERSION, NAMES, type IvrPromotion } from "../api/ivr-promotion.js";
import type { ReconcilerContext } from "./context.js";
import { ConfigMapJournalStore } from "./journal-store.js";
import type { ObjectRef } from "./types.js";

/**
 * The journal of one IvrPromotion, built the same way wherever the operator writes to its org (a
 * promotion, the prune of a deleted object), so a planted or foreign journal is always reported.
 */

/** The object's journal and write fence; a planted journal is reported as a Warning Event, never used. */
export function journalStore(ctx: ReconcilerContext, obj: IvrPromotion): ConfigMapJournalStore {
  const ref = refOf(obj);
  return new ConfigMapJournalStore(
    ctx.tenantApis.of(obj),
    {
      apiVersion: API_VERSION,
      kind: NAMES.kind,
      name: ref.name,
      namespace: ref.namespace,
      uid: obj.metadata.uid ?? "",
    },
    ctx.writeRight,
    journalIgnored(ctx, obj),
  );
}

/** A journal, or an entry of it, that is not ours: a Warning Event, never acted on. */
export function journalIgnored(ctx: ReconcilerContext, obj: IvrPromotion): (detail: string) => void {
  const ref = refOf(obj);
  return (detail) =>
    void ctx.events.record(subject(obj, ref), {
      type: "Warning",
      reason: "JournalIgnored",
      message: detail,
    });
}

/** The event subject for an IvrPromotion. */
export function subject(obj: IvrPromotion, ref: ObjectRef) {
  return {
    apiVersion: API_VERSION,
    kind: NAMES.kind,
    name: ref.name,
    namespace: ref.namespace,
    uid: obj.metadata.uid,
  };
}

function refOf(obj: IvrPromotion): ObjectRef {
  return { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name };
}
