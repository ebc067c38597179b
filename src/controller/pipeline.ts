import { Reason, type Outcome } from "../api/conditions.js";
import type { IvrPromotion } from "../api/ivr-promotion.js";
import type { Logger } from "../logger.js";
import type { ReconcilerContext } from "./context.js";
import { SecretReader, readTargetCredentials } from "./credentials.js";
import { isWrite } from "../engine/model.js";
import { ProgressReporter } from "./progress.js";
import { journalIgnored, journalStore, subject } from "./object-journal.js";
import type { ObjectRef } from "./types.js";
import type { DesiredFlow } from "../engine/model.js";
import { intervalMs, jitter, outcomeForError, requeueAfter, timeoutMs, type Stage } from "./outcome.js";
import type { StatusDraft } from "./status.js";
import { planAndApply } from "./steps/apply.js";
import { ChangeWindowGate, OutsideChangeWindowError, heldOutcome } from "./steps/change-window.js";
import { DEPENDENCY_REQUEUE_MS, unreadyDependency } from "./steps/dependencies.js";
import { renderFlowSet } from "./steps/render.js";
import { stalledBefore } from "./stall-gate.js";
import { fetchSource } from "./steps/source.js";
import { holdWithPreview } from "./steps/preview.js";
import type { GitCheckout } from "../source/index.js";
import { targetLockKey } from "./target-lock.js";
import {
  beginVerification,
  checkVerificationEgress,
  restartHeldVerification,
  verdictGate,
  verificationActive,
  verifyStep,
  wantsVerification,
} from "./steps/verify.js";

/**
 * The steps of one reconcile of a live (not deleting) IvrPromotion, in Flux's order:
 * suspend → dependsOn → fetch source → render → credentials → (per-target lock) plan → approval → promote,
 * whose writes wait for spec.changeWindows (steps/change-window.ts; recovery and rollbacks never do).
 * Steps write status fields into the draft; this function returns how the reconcile ended, and the
 * caller writes conditions, patches status once, and records events and metrics.
 */

/** How a reconcile ended. */
export type Finish =
  | {
      kind: "done";
      outcome: Outcome;
      requeueAfterMs: number | undefined;
      /** Flows written to the org. */
      written: number;
      revision?: string;
      /** The error behind a failed outcome. */
      error?: unknown;
    }
  | { kind: "suspended" }
  /** Stalled on this generation and revision already, and nobody asked again: nothing to do. */
  | { kind: "stalled-unchanged"; revision: string; requeueAfterMs?: number };

/** Runs the steps; never throws for failures of the steps themselves (they become outcomes). */
export async function runPipeline(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  draft: StatusDraft,
  signal: AbortSignal,
  logger: Logger,
): Promise<Finish> {
  const { spec } = obj;
  // Built first: it clears a hold of an earlier reconcile (a suspended object holds nothing).
  const windows = new ChangeWindowGate(obj, {
    now: ctx.now,
    events: ctx.events,
    subject: subject(obj, refOf(obj)),
    metrics: ctx.metrics,
    draft,
  });
  if (spec.suspend) return { kind: "suspended" };
  const progress = new ProgressReporter(ctx.apis, refOf(obj), draft, logger, ctx.now, () =>
    ctx.writeRight.valid(),
  );
  const secrets = new SecretReader(
    ctx.tenantApis.of(obj),
    obj.metadata.namespace ?? "",
    ctx.tenantApis.describe(obj),
  );
  let stage: Stage = "source";
  let revision: string | undefined;
  try {
    const why = await unreadyDependency(ctx.apis, obj, ctx.tenancy.allowCrossNamespaceRefs);
    if (why) {
      const message = `Dependencies do not meet ready condition (${why}), retrying in ${DEPENDENCY_REQUEUE_MS / 1000}s`;
      const outcome: Outcome = { state: "Waiting", reason: Reason.DependencyNotReady, message };
      return { kind: "done", outcome, requeueAfterMs: DEPENDENCY_REQUEUE_MS, written: 0 };
    }
    if (verificationActive(obj)) {
      if (spec.verification) {
        // A check that throws (a rollback that could not finish, say) reports as the apply it completes.
        stage = "apply";
        const finish = await verifyInProgress(ctx, obj, draft, signal, logger, secrets);
        return { kind: "done", ...finish, revision: obj.status?.verification?.revision };
      }
      abandonVerification(ctx, obj, draft);
    }
    const checkout = await fetchSource(ctx.source, spec, secrets);
    revision = checkout.revision;
    // A verdict holds the revision, but a new revision must still be noticed: look again every interval.
    const held = verdictGate(obj, revision);
    const again = jitter(intervalMs(spec));
    if (held && stalledBefore(obj, revision))
      return { kind: "stalled-unchanged", revision, requeueAfterMs: again };
    if (held) return { kind: "done", outcome: held, requeueAfterMs: again, written: 0, revision };
    if (stalledBefore(obj, revision)) return { kind: "stalled-unchanged", revision };
    const restarted = restartHeldVerification(obj, draft, revision, ctx.now());
    if (restarted) return { kind: "done", ...restarted, written: 0, revision };
    draft.next.lastAttemptedRevision = revision;
    // A revision seen for the first time: say so at once (kubectl wait after a push waits for the result).
    // Only the first time: an object held for approval or retrying is not reported as progressing anew.
    if (revision !== obj.status?.lastAttemptedRevision && revision !== obj.status?.lastAppliedRevision) {
      progress.report(`new revision ${revision}: planning`);
    }

    stage = "render";
    const loaded = await renderFlowSet(checkout.dir, spec, secrets);
    for (const w of loaded.warnings.slice(0, 20)) logger.debug({ finding: w }, "flow set warning");

    stage = "target";
    const credentials = await readTargetCredentials(secrets, spec.target.credentialsSecretRef.name);
    const client = ctx.clients.client(spec, credentials);
    const journal = journalStore(ctx, obj);
    checkVerificationEgress(obj, (url) => ctx.clients.endpoints.check(url));
    const verify = wantsVerification(obj, revision);
    const deadline = AbortSignal.timeout(timeoutMs(spec));
    const rev = revision;
    let writes = 0;
    const onEvent = progress.listener(rev, () => writes);
    const result = await ctx.locks.run(
      targetLockKey(spec.target, credentials.clientId),
      async () => {
        stage = "apply";
        const org = await client.organization();
        // Take the object's write fence before reading its journal: from here on, a newer writer's
        // acquire makes every write of ours fail before it reaches the org.
        await journal.acquire();
        return planAndApply({
          obj,
          client,
          draft,
          metrics: ctx.metrics,
          now: ctx.now,
          knownSecrets: secrets.known,
          request: {
            revision: rev,
            target: `${org.name} (${org.id})`,
            desired: loaded.desired,
            inventory: obj.status?.inventory ?? [],
            prune: spec.prune,
            lockPolicy: spec.lockPolicy,
            selfClientId: credentials.clientId,
            concurrency: spec.concurrency,
            journal,
            logger,
            signal: deadline,
            ownership: signal,
            rollbackStrategy: spec.rollbackStrategy,
            ...(verify ? { retainJournal: true } : {}),
            previousFlows: () => renderRevision(ctx, obj, secrets),
            onJournalIgnored: journalIgnored(ctx, obj),
            onPlan: windows.guard((plan) => {
              writes = plan.actions.filter(isWrite).length;
              if (writes > 0) progress.report(`applying ${rev}: 0/${writes}`);
            }),
            onEvent: (e) => {
              logger.debug({ apply: e }, "apply progress");
              onEvent(e);
            },
          },
        });
      },
      AbortSignal.any([signal, deadline]),
    );
    if (result.drifted && result.drifted.length > 0) await reportDrift(ctx, obj, result.drifted);
    const { heldPlan, ...finished } = result;
    const pending = draft.next.pendingPlan;
    if (heldPlan && pending) {
      const shown = obj.status?.pendingPlan;
      // Previewed already for this very plan: keep it (a held plan is re-planned on every requeue).
      if (shown?.planHash === heldPlan.hash && shown.preview !== undefined) {
        Object.assign(pending, { flows: shown.flows, preview: shown.preview });
      } else {
        await holdWithPreview({
          apis: ctx.tenantApis.of(obj),
          obj,
          plan: heldPlan,
          pending,
          checkout,
          previous: () => appliedCheckout(ctx, obj, secrets),
          knownSecrets: secrets.known,
          logger,
        });
      }
    }
    const begun =
      verify && finished.outcome.state === "Ready"
        ? beginVerification(obj, draft, finished, rev, ctx.now(), ctx.metrics)
        : undefined;
    if (begun) return { kind: "done", ...finished, ...begun, revision };
    return { kind: "done", ...finished, requeueAfterMs: requeueAfter(finished.outcome, spec), revision };
  } catch (err) {
    if (err instanceof OutsideChangeWindowError) {
      const held = heldOutcome(err, spec, draft, ctx.now(), ctx.metrics, refOf(obj));
      logger.info({ planHash: err.plan.hash, why: err.verdict.why }, "plan held outside change windows");
      return { kind: "done", ...held, written: 0, revision };
    }
    const outcome = outcomeForError(err, stage, secrets.known);
    logger.warn(
      { stage, reason: outcome.reason, code: codeOf(err), err: outcome.message },
      "reconcile failed",
    );
    return {
      kind: "done",
      outcome,
      requeueAfterMs: requeueAfter(outcome, spec, err),
      written: 0,
      revision,
      error: err,
    };
  } finally {
    windows.noteInHistory();
    await progress.close();
  }
}

/**
 * One check of the verification in status (steps/verify.ts), under the target's lock: a failed verdict
 * writes to the org (the rollback), so it must not interleave with another object's apply there.
 */
async function verifyInProgress(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  draft: StatusDraft,
  signal: AbortSignal,
  logger: Logger,
  secrets: SecretReader,
): Promise<{ outcome: Outcome; requeueAfterMs: number | undefined; written: number }> {
  const { spec } = obj;
  const credentials = await readTargetCredentials(secrets, spec.target.credentialsSecretRef.name);
  const client = ctx.clients.client(spec, credentials);
  const journal = journalStore(ctx, obj);
  const deadline = AbortSignal.timeout(timeoutMs(spec));
  return ctx.locks.run(
    targetLockKey(spec.target, credentials.clientId),
    () =>
      verifyStep({
        obj,
        draft,
        client,
        journal: async () => {
          await journal.acquire();
          return journal;
        },
        egress: (url) => ctx.clients.endpoints.check(url),
        metrics: ctx.metrics,
        now: ctx.now,
        logger,
        signal: AbortSignal.any([signal, deadline]),
        ownership: signal,
        knownSecrets: secrets.known,
      }),
    AbortSignal.any([signal, deadline]),
  );
}

/** spec.verification was removed mid-window: the release stands; the kept journal is dropped by the next plan. */
function abandonVerification(ctx: ReconcilerContext, obj: IvrPromotion, draft: StatusDraft): void {
  const v = obj.status?.verification;
  if (!v) return;
  draft.next.verification = {
    ...v,
    phase: "Abandoned",
    finishedAt: `${ctx.now().toISOString().slice(0, 19)}Z`,
    message: `verification of ${v.revision} abandoned: spec.verification was removed`,
  };
  ctx.metrics.verifications.inc({ ...refOf(obj), result: "abandoned" });
}

/**
 * The flow set as last applied: `status.lastAppliedRevision`'s commit rendered with today's spec. The
 * engine keeps only flows whose hash equals the inventory's, so a change of values or environment in
 * between simply falls back to an export of what the org publishes.
 */
async function renderRevision(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  secrets: SecretReader,
): Promise<readonly DesiredFlow[]> {
  const sha = /sha1:([0-9a-f]{40})$/.exec(obj.status?.lastAppliedRevision ?? "")?.[1];
  if (!sha) return [];
  const spec = { ...obj.spec, source: { ...obj.spec.source, ref: { commit: sha } } };
  const checkout = await fetchSource(ctx.source, spec, secrets);
  return (await renderFlowSet(checkout.dir, spec, secrets)).desired;
}

/** The checkout of `status.lastAppliedRevision`'s commit, for the approval preview; undefined before any apply. */
async function appliedCheckout(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  secrets: SecretReader,
): Promise<GitCheckout | undefined> {
  const sha = /sha1:([0-9a-f]{40})$/.exec(obj.status?.lastAppliedRevision ?? "")?.[1];
  if (!sha) return undefined;
  return fetchSource(
    ctx.source,
    { ...obj.spec, source: { ...obj.spec.source, ref: { commit: sha } } },
    secrets,
  );
}

/** Drift is reported as drift (a Warning Event and a metric), even though it was put back. */
async function reportDrift(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  drifted: ReadonlyArray<{ flow: string; detail: string }>,
): Promise<void> {
  const ref = refOf(obj);
  ctx.metrics.driftDetected.inc(ref, drifted.length);
  const names = drifted.slice(0, 10).map((d) => `${d.flow} (${d.detail})`);
  const more = drifted.length > 10 ? ` and ${drifted.length - 10} more` : "";
  await ctx.events.record(subject(obj, ref), {
    type: "Warning",
    reason: Reason.DriftDetected,
    message: `${drifted.length} flow(s) were published outside Git and have been put back: ${names.join("; ")}${more}`,
  });
}

function refOf(obj: IvrPromotion): ObjectRef {
  return { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name };
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" || typeof code === "number" ? String(code) : undefined;
}
