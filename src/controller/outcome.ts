import { Reason, type Outcome } from "../api/conditions.js";
import { parseDuration } from "../api/duration.js";
import type { IvrPromotionSpec } from "../api/ivr-promotion.js";
import { ApplyFailedError, PreflightFailedError } from "../engine/errors.js";
import { isPromoterError } from "../errors.js";
import { LOCK_ERROR_CODES } from "../genesys/index.js";
import { oneLine } from "../redact.js";
import { timerDelay } from "../timers.js";

/**
 * How a failed step becomes a condition and a requeue. The error's `reason` (Stalled, Waiting,
 * Transient) decides the kstatus state and whether we retry on a timer; its `code`, and the step it
 * came from, decide the condition reason that tools and alerts match on.
 */

/** The step of a reconcile an error came from (its default condition reason). */
export type Stage = "source" | "render" | "target" | "apply" | "prune";

const BY_CODE: Readonly<Record<string, Reason>> = {
  DependencyCycle: Reason.CycleDetected,
  DependencyLoop: Reason.InvalidSpec,
  PlanChanged: Reason.AwaitingApproval,
  RecoveryFailed: Reason.ApplyFailed,
  ImportJobFailed: Reason.ApplyFailed,
  FlowParse: Reason.RenderFailed,
  Render: Reason.RenderFailed,
  FlowSetInvalid: Reason.RenderFailed,
  FlowSetRead: Reason.RenderFailed,
  FlowSetLayout: Reason.RenderFailed,
  PathEscape: Reason.RenderFailed,
  GitUnreachable: Reason.SourceFailed,
  GitRefNotFound: Reason.SourceFailed,
  GitAuthFailed: Reason.SourceFailed,
  GitSpecInvalid: Reason.SourceFailed,
  GitOperationFailed: Reason.SourceFailed,
  GitLimitExceeded: Reason.SourceFailed,
  GitUrlNotAllowed: Reason.AccessDenied,
  EndpointNotAllowed: Reason.AccessDenied,
  WebhookNotAllowed: Reason.AccessDenied,
  VerificationRollbackImpossible: Reason.VerificationFailed,
  CrossNamespaceRefNotAllowed: Reason.AccessDenied,
  GenesysUnknownRegion: Reason.InvalidSpec,
  GenesysAuth: Reason.AuthenticationFailed,
  GenesysRateLimited: Reason.RateLimited,
  JournalCorrupt: Reason.ApplyFailed,
  FencedOut: Reason.FencedOut,
  JobsInFlight: Reason.JobsInFlight,
  BackupTooLarge: Reason.ApplyFailed,
};

const BY_STAGE: Readonly<Partial<Record<Stage, Reason>>> = {
  source: Reason.SourceFailed,
  render: Reason.RenderFailed,
  target: Reason.AuthenticationFailed,
  apply: Reason.ApplyFailed,
  prune: Reason.PruneFailed,
};

/** The condition reason for an error thrown in `stage`. */
export function reasonForError(err: unknown, stage: Stage): Reason | undefined {
  if (err instanceof PreflightFailedError) {
    return err.findings.every((f) => f.code === "FlowLocked") ? Reason.Locked : Reason.PreflightFailed;
  }
  if (err instanceof ApplyFailedError) {
    if (stage === "prune") return Reason.PruneFailed;
    return err.rollbackErrors.length === 0 ? Reason.RolledBack : Reason.ApplyFailed;
  }
  // Not one of ours (a bug, a Kubernetes API failure): plain ProgressingWithRetry, except while pruning.
  if (!isPromoterError(err)) return stage === "prune" ? Reason.PruneFailed : undefined;
  if (LOCK_ERROR_CODES.has(err.code) || (err.code === "ImportJobFailed" && err.reason === "Waiting")) {
    return Reason.Locked;
  }
  const byCode = BY_CODE[err.code];
  if (byCode) return byCode;
  // A missing object is not an authentication failure: the user has to create it, not fix credentials.
  if (err.code === "SecretNotFound") return Reason.SecretNotFound;
  if (err.code.startsWith("Secret"))
    return stage === "source" ? Reason.SourceFailed : Reason.AuthenticationFailed;
  return BY_STAGE[stage];
}

/** The outcome to report for an error; the message is one line without any of `knownSecrets`. */
export function outcomeForError(err: unknown, stage: Stage, knownSecrets: readonly string[]): Outcome {
  const text = err instanceof Error ? err.message : String(err);
  const message = isPromoterError(err) ? text : `internal error: ${text}`;
  return {
    state: isPromoterError(err) ? err.reason : "Transient",
    reason: reasonForError(err, stage),
    message: oneLine(message, 1024, knownSecrets),
  };
}

/** Flux's interval jitter: ±`fraction` of `ms`, so objects created together do not stay in lockstep. */
export function jitter(ms: number, fraction = 0.1, random: () => number = Math.random): number {
  return Math.max(1, Math.round(ms * (1 + (random() * 2 - 1) * fraction)));
}

/**
 * Admission bounds the durations (api/ivr-promotion.ts), but an object stored before those bounds may
 * hold anything: `0s` would requeue or abort at once, `700h` overflow Node's timers. The runtime keeps
 * to at least a second and to what a timer can hold, whatever the object says.
 */
const MIN_RUNTIME_MS = 1_000;

/** `spec.interval` in ms. */
export function intervalMs(spec: Pick<IvrPromotionSpec, "interval">): number {
  return timerDelay(parseDuration(spec.interval), MIN_RUNTIME_MS);
}

/** `spec.retryInterval` in ms, defaulting to the interval. */
export function retryIntervalMs(spec: Pick<IvrPromotionSpec, "interval" | "retryInterval">): number {
  return timerDelay(parseDuration(spec.retryInterval ?? spec.interval), MIN_RUNTIME_MS);
}

/** `spec.timeout` in ms, defaulting to the interval. */
export function timeoutMs(spec: Pick<IvrPromotionSpec, "interval" | "timeout">): number {
  return timerDelay(parseDuration(spec.timeout ?? spec.interval), MIN_RUNTIME_MS);
}

/**
 * When to look again after an outcome: success (or a plan awaiting approval) → the interval, jittered; Waiting/Transient → the
 * retry interval, or sooner when the error knows when its cause clears (a 429's Retry-After, a
 * missing Secret); Stalled → never on a timer (a spec change or a reconcile request brings it back).
 */
export function requeueAfter(outcome: Outcome, spec: IvrPromotionSpec, err?: unknown): number | undefined {
  // A plan held for approval is not a failure: the approval annotation itself triggers the next reconcile.
  if (outcome.state === "Ready" || outcome.reason === Reason.AwaitingApproval)
    return jitter(intervalMs(spec));
  switch (outcome.state) {
    case "Stalled":
      return undefined;
    default: {
      const retry = retryIntervalMs(spec);
      const hint = isPromoterError(err) ? err.retryAfterMs : undefined;
      return timerDelay(hint === undefined ? retry : Math.min(retry, Math.max(1_000, hint)));
    }
  }
}
