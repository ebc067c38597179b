import { Reason } from "../api/conditions.js";
import type { IvrPromotion } from "../api/ivr-promotion.js";
import type { Logger } from "../logger.js";
import type { ReconcilerContext } from "./context.js";
import { SecretReader, readTargetCredentials } from "./credentials.js";
import { patchFinalizers } from "./kube-clients.js";
import { journalIgnored, journalStore, subject } from "./object-journal.js";
import { outcomeForError, retryIntervalMs, type Stage } from "./outcome.js";
import { forgetObject } from "./reconcile-metrics.js";
import { StatusDraft, patchStatus } from "./status.js";
import { ChangeWindowGate, OutsideChangeWindowError, heldOutcome } from "./steps/change-window.js";
import { FINALIZER, pruneInventory, type HeldDeletion } from "./steps/finalize.js";
import { targetLockKey } from "./target-lock.js";
import type { ObjectRef, ReconcileResult } from "./types.js";

/**
 * An IvrPromotion being deleted. With `spec.prune` the flows in `status.inventory` are deleted from
 * the org first; otherwise they are orphaned (left as they are, no longer managed). Then the journal
 * ConfigMap goes and the finalizer is removed, which lets the API server delete the object. If pruning
 * fails the finalizer stays and the attempt is retried: the object's condition says why (set
 * `spec.prune: false` to give up and orphan the flows).
 */
export async function finalizeObject(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  ref: ObjectRef,
  signal: AbortSignal,
  logger: Logger,
): Promise<ReconcileResult> {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return {};
  const tenant = ctx.tenantApis.of(obj);
  const secrets = new SecretReader(tenant, ref.namespace, ctx.tenantApis.describe(obj));
  const journal = journalStore(ctx, obj);
  const inventory = obj.status?.inventory ?? [];
  let stage: Stage = "target";
  try {
    if (obj.spec.prune && inventory.length > 0) {
      const credentials = await readTargetCredentials(secrets, obj.spec.target.credentialsSecretRef.name);
      const client = ctx.clients.client(obj.spec, credentials);
      const pruned = await ctx.locks.run(
        targetLockKey(obj.spec.target, credentials.clientId),
        async () => {
          stage = "prune";
          const org = await client.organization();
          await journal.acquire();
          const target = `${org.name} (${org.id})`;
          return pruneInventory(
            obj,
            client,
            {
              target,
              selfClientId: credentials.clientId,
              journal,
              signal,
              onJournalIgnored: journalIgnored(ctx, obj),
              // Deleting flows is a write like any other: a deny window holds it (rollbacks still run).
              onPlan: new ChangeWindowGate(obj, {
                now: ctx.now,
                events: ctx.events,
                subject: subject(obj, ref),
                metrics: ctx.metrics,
              }).guard(),
            },
            logger,
          );
        },
        signal,
      );
      if (typeof pruned !== "number") return await holdDeletion(ctx, obj, ref, pruned);
      logger.info({ pruned, inventory: inventory.length }, "pruned the flows of a deleted IvrPromotion");
      await ctx.events.record(subject(obj, ref), {
        type: "Normal",
        reason: "Pruned",
        message: `Deleted ${pruned} flow(s) of ${inventory.length} in the inventory from the org`,
        knownSecrets: secrets.known,
      });
    } else if (inventory.length > 0) {
      logger.info(
        { inventory: inventory.length },
        "orphaning the flows of a deleted IvrPromotion (prune is off)",
      );
    }
    await journal.remove();
    await patchFinalizers(
      ctx.apis,
      ref,
      obj.metadata.resourceVersion,
      finalizers.filter((f) => f !== FINALIZER),
    );
    await forgetObject(ctx.metrics, ref);
    return {};
  } catch (err) {
    if (err instanceof OutsideChangeWindowError) return holdDeletionForWindow(ctx, obj, ref, err);
    const outcome = outcomeForError(err, stage, secrets.known);
    logger.warn({ reason: outcome.reason, err: outcome.message }, "finalizing failed");
    const draft = new StatusDraft(obj, ctx.now());
    draft.finish(outcome.state === "Stalled" ? { ...outcome, state: "Transient" } : outcome);
    await patchStatus(ctx.apis, ref, draft);
    await ctx.events.record(subject(obj, ref), {
      type: "Warning",
      reason: outcome.reason ?? "PruneFailed",
      message: outcome.message,
      knownSecrets: secrets.known,
    });
    // A deleting object must not wait for a spec change that may never come: always retry.
    return { requeueAfterMs: retryIntervalMs(obj.spec) };
  }
}

/**
 * A deletion that requires approval waits, finalizer kept, with its plan in `status.pendingPlan`; the
 * approved-plan annotation enqueues it again (predicates.ts), so no timer is needed.
 */
async function holdDeletion(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  ref: ObjectRef,
  held: HeldDeletion,
): Promise<ReconcileResult> {
  const draft = new StatusDraft(obj, ctx.now());
  draft.next.pendingPlan = held.pendingPlan;
  draft.finish({ state: "Waiting", reason: Reason.AwaitingApproval, message: held.message });
  await patchStatus(ctx.apis, ref, draft);
  if (obj.status?.pendingPlan?.planHash !== held.pendingPlan.planHash)
    await ctx.events.record(subject(obj, ref), {
      type: "Normal",
      reason: Reason.AwaitingApproval,
      message: held.message,
    });
  return {};
}

/** A deletion whose prune waits for a change window: finalizer kept, requeued when the window opens. */
async function holdDeletionForWindow(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  ref: ObjectRef,
  err: OutsideChangeWindowError,
): Promise<ReconcileResult> {
  const draft = new StatusDraft(obj, ctx.now());
  const held = heldOutcome(err, obj.spec, draft, ctx.now(), ctx.metrics, ref);
  draft.finish(held.outcome);
  await patchStatus(ctx.apis, ref, draft);
  if (draft.readyChanged())
    await ctx.events.record(subject(obj, ref), {
      type: "Normal",
      reason: Reason.OutsideChangeWindow,
      message: `Deletion: ${held.outcome.message}`,
    });
  return { requeueAfterMs: held.requeueAfterMs };
}
