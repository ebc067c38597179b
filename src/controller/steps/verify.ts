import { Reason, toRfc3339, type Outcome } from "../../api/conditions.js";
import { Annotation, pushHistory, type IvrPromotion } from "../../api/ivr-promotion.js";
import type { VerificationStatus } from "../../api/verification.js";
import { flowKey } from "../../engine/model.js";
import type { GenesysPort } from "../../engine/port.js";
import type { AnalyticsPort } from "../../engine/verify/figures.js";
import { rollBackRelease } from "../../engine/verify/rollback.js";
import { checkVerification, nextCheckMs, startVerification } from "../../engine/verify/run.js";
import { checkWebhooks, type EgressCheck } from "../../engine/verify/webhooks.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import { oneLine } from "../../redact.js";
import type { JournalStore } from "../../engine/journal.js";
import { intervalMs, jitter } from "../outcome.js";
import { shortRevision } from "../revision.js";
import type { StatusDraft } from "../status.js";
import type { ApplyStepResult } from "./apply.js";

/**
 * Verification after promotion in the controller. The window is never waited out inside a reconcile:
 * each reconcile runs ONE check (a few analytics queries) and requeues for the next, so a 15-minute
 * window holds a worker for milliseconds per minute, and everything needed to resume (start, versions,
 * baseline window and figures, failure count) is in status.verification: after a restart or a change
 * of leader, the next reconcile simply runs the next check. The release's journal and backup are kept
 * in the journal ConfigMap and backup Secrets until the verdict, so a failure can roll the whole group
 * back with the apply's own rollback (re-import of the pre-run content, deletion of created flows).
 */

/** What one verification reconcile ended with. */
export interface VerifyStepResult {
  outcome: Outcome;
  requeueAfterMs: number | undefined;
  written: number;
  /** A Warning Event to record (the verdict of a failed verification). */
  warning?: string;
}

/** True when status holds a verification the controller must carry on (checks, or a rollback to finish). */
export function verificationActive(obj: IvrPromotion): boolean {
  const v = obj.status?.verification;
  return v !== undefined && (v.phase === "Verifying" || (v.phase === "Failed" && v.rolledBack === false));
}

/** The retry-verification annotation, when it asks for something not yet handled. */
export function retryRequested(obj: IvrPromotion): string | undefined {
  const value = obj.metadata.annotations?.[Annotation.retryVerification];
  return value !== undefined && value !== obj.status?.verification?.retryHandled ? value : undefined;
}

/**
 * A revision that failed verification (or was held for too little traffic) is not promoted again until
 * a new revision or the retry-verification annotation: Stalled, with the verdict's message.
 */
export function verdictGate(obj: IvrPromotion, revision: string): Outcome | undefined {
  const v = obj.status?.verification;
  if (!v || v.revision !== revision || retryRequested(obj) !== undefined) return undefined;
  const how = `push a new revision, or set annotation ${Annotation.retryVerification} to a new value to verify it again`;
  if (v.phase === "Failed")
    return {
      state: "Stalled",
      reason: Reason.VerificationFailed,
      message: `${v.message ?? "verification failed"}; ${how}`,
    };
  if (v.phase === "Inconclusive")
    return {
      state: "Stalled",
      reason: Reason.VerificationInconclusive,
      message: `${v.message ?? "too little traffic"}; ${how}`,
    };
  return undefined;
}

/** True when this promotion of `revision` must be verified (a new revision, or a retry). */
export function wantsVerification(obj: IvrPromotion, revision: string): boolean {
  if (!obj.spec.verification) return false;
  return revision !== obj.status?.lastAppliedRevision || retryRequested(obj) !== undefined;
}

/**
 * The retry annotation on a revision held for too little traffic: the release is still in the org and
 * its journal kept, so a new window starts on the same versions, against the baseline already read.
 */
export function restartHeldVerification(
  obj: IvrPromotion,
  draft: StatusDraft,
  revision: string,
  now: Date,
): { outcome: Outcome; requeueAfterMs: number } | undefined {
  const v = obj.status?.verification;
  const spec = obj.spec.verification;
  const retry = retryRequested(obj);
  if (!spec || !v || v.phase !== "Inconclusive" || v.revision !== revision || retry === undefined)
    return undefined;
  const message = `verifying ${shortRevision(revision)}: window restarted on request`;
  const state: VerificationStatus = {
    ...v,
    phase: "Verifying",
    startedAt: toRfc3339(now),
    checks: 0,
    consecutiveFailures: 0,
    retryHandled: retry,
    message,
  };
  delete state.finishedAt;
  delete state.extendedUntil;
  delete state.dataUnavailableSince;
  draft.next.verification = state;
  return {
    outcome: { state: "Progressing", reason: Reason.Verifying, message },
    requeueAfterMs: nextCheckMs(spec, state, now),
  };
}

/** Refuses webhooks outside the egress allow-list before anything is promoted. */
export function checkVerificationEgress(obj: IvrPromotion, egress: EgressCheck): void {
  const hooks = obj.spec.verification?.webhooks ?? [];
  checkWebhooks(
    hooks.map((w) => ({ name: w.name, url: w.url, timeoutMs: 0 })),
    egress,
  );
}

/**
 * After a successful apply of a revision to verify: records the verification start in the draft and
 * turns the outcome into Verifying (Ready=Unknown). Nothing to measure (no promoted flow of a
 * verified type) passes at once.
 */
export function beginVerification(
  obj: IvrPromotion,
  draft: StatusDraft,
  result: ApplyStepResult,
  revision: string,
  now: Date,
  metrics: Metrics,
): { outcome: Outcome; requeueAfterMs: number | undefined } | undefined {
  const spec = obj.spec.verification;
  if (!spec || !result.promoted || result.written === 0) return undefined;
  const state = startVerification({
    spec,
    revision,
    previousRevision: obj.status?.lastAppliedRevision,
    flows: result.promoted,
    now,
  });
  const written = new Set(result.promoted.map((f) => flowKey(f.type, f.name)));
  const before = (obj.status?.inventory ?? []).filter((e) => written.has(flowKey(e.type, e.name)));
  if (before.length > 0) state.previousInventory = before;
  const retry = obj.metadata.annotations?.[Annotation.retryVerification];
  if (retry !== undefined) state.retryHandled = retry;
  if (state.flows.length === 0) {
    // The journal is kept until the next run drops it: harmless, and simpler than a second write here.
    draft.next.verification = {
      ...state,
      phase: "Passed",
      finishedAt: toRfc3339(now),
      message: "no promoted flow takes calls; nothing to verify",
    };
    metrics.verifications.inc({ ...ref(obj), result: "passed" });
    return undefined;
  }
  state.message = `verifying ${shortRevision(revision)}: window started, ${state.flows.length} flow(s)`;
  draft.next.verification = state;
  return {
    outcome: { state: "Progressing", reason: Reason.Verifying, message: state.message },
    requeueAfterMs: nextCheckMs(spec, state, now),
  };
}

/** Everything one verification check needs. */
export interface VerifyStepInput {
  obj: IvrPromotion;
  draft: StatusDraft;
  client: GenesysPort & AnalyticsPort;
  journal: () => Promise<JournalStore>;
  egress: EgressCheck;
  metrics: Metrics;
  now: () => Date;
  logger: Logger;
  signal: AbortSignal;
  ownership: AbortSignal;
  knownSecrets: readonly string[];
}

/** One check of the verification in status, and what its verdict does (see the module comment). */
export async function verifyStep(input: VerifyStepInput): Promise<VerifyStepResult> {
  const { obj, draft } = input;
  const spec = obj.spec.verification;
  const v = obj.status?.verification;
  if (!spec || !v) throw new Error("verifyStep without a verification");
  if (v.phase === "Failed") return rollBackFailed(input, v);
  const { state, decision } = await checkVerification(
    { client: input.client, spec, egress: input.egress, subject: ref(obj), signal: input.signal },
    v,
    input.now(),
  );
  draft.next.verification = state;
  switch (decision.kind) {
    case "unavailable": {
      const outcome: Outcome = decision.overdue
        ? { state: "Waiting", reason: Reason.AnalyticsUnavailable, message: decision.summary }
        : { state: "Progressing", reason: Reason.Verifying, message: decision.summary };
      return { outcome, requeueAfterMs: nextCheckMs(spec, state, input.now()), written: 0 };
    }
    case "continue":
      return {
        outcome: { state: "Progressing", reason: Reason.Verifying, message: decision.summary },
        requeueAfterMs: nextCheckMs(spec, state, input.now()),
        written: 0,
      };
    case "pass":
    case "insufficient":
      if (state.phase === "Passed") {
        input.metrics.verifications.inc({ ...ref(obj), result: "passed" });
        await (await input.journal()).clear();
        const message = decision.summary;
        return {
          outcome: { state: "Ready", reason: Reason.Succeeded, message },
          requeueAfterMs: undefined,
          written: 0,
        };
      }
      if (state.phase === "Inconclusive") {
        input.metrics.verifications.inc({ ...ref(obj), result: "inconclusive" });
        const message = `${decision.summary}; the release stays; set annotation ${Annotation.retryVerification} to verify again`;
        state.message = oneLine(message, 2048);
        return {
          outcome: { state: "Stalled", reason: Reason.VerificationInconclusive, message },
          requeueAfterMs: lookAgain(obj),
          written: 0,
          warning: message,
        };
      }
      state.message = decision.summary;
      return rollBackFailed(input, state);
    case "fail":
      return rollBackFailed(input, state);
  }
}

/** Rolls the whole group back after a failed verdict (or retries an incomplete rollback). */
async function rollBackFailed(input: VerifyStepInput, state: VerificationStatus): Promise<VerifyStepResult> {
  const { obj, draft } = input;
  const verdict = state.message ?? `verification of ${state.revision} failed`;
  const first = state.rolledBack === undefined;
  const next: VerificationStatus = { ...state, phase: "Failed", rolledBack: false };
  draft.next.verification = next;
  if (first) input.metrics.verifications.inc({ ...ref(obj), result: "failed" });
  const started = input.now();
  const store = await input.journal();
  const outcome = await rollBackRelease(input.client, store, state.revision, {
    strategy: obj.spec.rollbackStrategy,
    ownership: input.ownership,
    emit: (e) => {
      if (e.type === "rolled-back") input.metrics.flowsRolledBack.inc();
    },
  });
  if (outcome.errors.length > 0) {
    const message = oneLine(
      `${verdict}; rollback incomplete, retrying: ${outcome.errors.slice(0, 3).join("; ")}`,
      2048,
      input.knownSecrets,
    );
    next.message = verdict;
    return {
      outcome: { state: "Transient", reason: Reason.VerificationFailed, message },
      requeueAfterMs: 5_000,
      written: outcome.restored.length,
      warning: message,
    };
  }
  // The org holds the previous revision again: the inventory says so, with the restored version ids.
  const restoredKeys = new Set(outcome.restored);
  const previous = new Map((state.previousInventory ?? []).map((e) => [flowKey(e.type, e.name), e]));
  draft.next.inventory = (draft.next.inventory ?? []).flatMap((e) => {
    const key = flowKey(e.type, e.name);
    if (!restoredKeys.has(key)) return [e];
    const version = outcome.versions[key];
    const was = previous.get(key);
    // Created by the release (deleted again), or not ours before it: no longer in the inventory.
    if (version === undefined || !was) return [];
    return [{ ...was, id: e.id, publishedVersion: version }];
  });
  if (state.previousRevision) {
    draft.next.lastAppliedRevision = state.previousRevision;
    draft.next.lastAppliedRevisionShort = shortRevision(state.previousRevision);
  }
  next.rolledBack = true;
  next.message = verdict;
  const back = state.previousRevision
    ? `; rolled back to ${shortRevision(state.previousRevision)}`
    : "; rolled back";
  const message = oneLine(
    `${verdict}${back} (${outcome.restored.length} flow(s) restored)`,
    2048,
    input.knownSecrets,
  );
  draft.next.history = pushHistory(draft.next.history, {
    revision: state.revision,
    planHash: "verification",
    startedAt: toRfc3339(started),
    finishedAt: toRfc3339(input.now()),
    result: "RolledBack",
    message: oneLine(message, 1024),
    flows: outcome.restored.length,
  });
  input.logger.warn(
    { revision: state.revision, restored: outcome.restored.length },
    "verification failed; release rolled back",
  );
  return {
    outcome: { state: "Stalled", reason: Reason.VerificationFailed, message },
    requeueAfterMs: lookAgain(obj),
    written: outcome.restored.length,
    warning: message,
  };
}

/** A held revision still looks for a new one every interval (verdictGate). */
function lookAgain(obj: IvrPromotion): number {
  return jitter(intervalMs(obj.spec));
}

function ref(obj: IvrPromotion): { namespace: string; name: string } {
  return { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name };
}
