import {
  ConditionType,
  Reason,
  applyOutcome,
  findCondition,
  removeCondition,
  setCondition,
  type Condition,
  type Outcome,
} from "../api/conditions.js";
import type { IvrPromotion, IvrPromotionStatus } from "../api/ivr-promotion.js";
import type { KubeApis } from "./kube-clients.js";
import { patchPromotionStatus } from "./kube-clients.js";
import { shortRevision } from "./revision.js";
import type { ObjectRef } from "./types.js";

/**
 * The status a reconcile is building. Steps change fields of `next`; at the end the reconciler calls
 * {@link StatusDraft.finish} with the outcome and {@link patchStatus} once (Flux's deferred patch):
 * one write per reconcile, skipped entirely when nothing changed, so a no-op reconcile does not wake
 * every watcher of the object.
 */
export class StatusDraft {
  readonly before: IvrPromotionStatus;
  readonly next: IvrPromotionStatus;
  readonly generation: number;
  private patched = false;

  constructor(
    obj: Pick<IvrPromotion, "metadata" | "status">,
    private readonly now: Date,
  ) {
    this.before = obj.status ?? {};
    this.next = structuredClone(this.before);
    this.generation = obj.metadata.generation ?? 0;
    migrate(this.next);
  }

  /**
   * Writes the conditions for `outcome` (kstatus lifecycle, see `applyOutcome`). `observedGeneration`
   * moves only when the generation's outcome is final: Ready=True, or Stalled (Flux's finalizeStatus);
   * otherwise a lagging observedGeneration keeps telling kstatus the object is still in progress.
   */
  finish(outcome: Outcome): void {
    const ctx = { generation: this.generation, now: this.now };
    this.next.conditions = applyOutcome(this.next.conditions, outcome, ctx);
    if (outcome.state === "Ready" || outcome.state === "Stalled")
      this.next.observedGeneration = this.generation;
  }

  /**
   * Suspended: Ready keeps its status (the org still holds what was last applied, or still does not),
   * with reason Suspended; nothing is in progress. The spec was read, so the generation is observed.
   */
  suspend(message: string): void {
    const ready = findCondition(this.next.conditions, ConditionType.Ready);
    const rest = removeCondition(
      removeCondition(this.next.conditions, ConditionType.Reconciling),
      ConditionType.Stalled,
    );
    this.next.conditions = setCondition(
      rest,
      {
        type: ConditionType.Ready,
        status: ready?.status ?? "Unknown",
        reason: Reason.Suspended,
        message,
        observedGeneration: this.generation,
      },
      this.now,
    );
    this.next.observedGeneration = this.generation;
  }

  /**
   * A progress patch went out mid-reconcile, so the object's status is no longer `before`: the final
   * patch must be sent even when `next` equals `before`.
   */
  markPatched(): void {
    this.patched = true;
  }

  /** The Ready condition as it will be written. */
  get ready(): Condition | undefined {
    return findCondition(this.next.conditions, ConditionType.Ready);
  }

  /** True when the Ready condition changed status, reason or message in this reconcile. */
  readyChanged(): boolean {
    const a = findCondition(this.before.conditions, ConditionType.Ready);
    const b = this.ready;
    return a?.status !== b?.status || a?.reason !== b?.reason || a?.message !== b?.message;
  }

  /** The merge patch for `.status`: every field of `next`, and `null` for fields it dropped. */
  patchBody(): Record<string, unknown> | undefined {
    const before = this.before as Record<string, unknown>;
    const next = this.next as Record<string, unknown>;
    const body: Record<string, unknown> = {};
    let changed = false;
    for (const key of new Set([...Object.keys(before), ...Object.keys(next)])) {
      const value = next[key];
      body[key] = value === undefined ? null : value;
      if (canonical(before[key]) !== canonical(value)) changed = true;
    }
    return changed || this.patched ? body : undefined;
  }
}

/** Patches the status subresource with the draft's changes, if there are any. */
export async function patchStatus(apis: KubeApis, ref: ObjectRef, draft: StatusDraft): Promise<boolean> {
  const body = draft.patchBody();
  if (!body) return false;
  await patchPromotionStatus(apis, ref, body);
  return true;
}

/** JSON with object keys sorted: the API server returns keys in its own order, so compare by content. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Fields an older operator did not write, filled from what it did on any reconcile (suspended, waiting,
 * failing or held ones too), so `kubectl get` shows them without waiting for the next apply.
 */
function migrate(status: IvrPromotionStatus): void {
  const applied = status.lastAppliedRevision;
  if (applied !== undefined && status.lastAppliedRevisionShort !== shortRevision(applied))
    status.lastAppliedRevisionShort = shortRevision(applied);
}
