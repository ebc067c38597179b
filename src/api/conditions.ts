import { z } from "zod";
import type { ErrorReason } from "../errors.js";
import { oneLine } from "../redact.js";

/**
 * Status conditions of an IvrPromotion, following kstatus (Flux's convention):
 * `Ready` is always present once the controller has seen the object; `Reconciling` and `Stalled`
 * are "abnormal-true" and exist only while true, so `kubectl wait --for=condition=Ready` and
 * kstatus pollers can tell "still working" from "needs a human" without a timeout.
 */
export const ConditionType = {
  /** The last applied revision matches the spec and the org; False says why not. */
  Ready: "Ready",
  /** Work is in progress on the current generation (present only while True). */
  Reconciling: "Reconciling",
  /** Progress is impossible until the spec or the world changes (present only while True). */
  Stalled: "Stalled",
} as const;
/** One of {@link ConditionType}. */
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** `metav1.ConditionStatus`. */
export const ConditionStatusSchema = z
  .enum(["True", "False", "Unknown"])
  .describe("Status of the condition: True, False or Unknown.");
/** One of True, False, Unknown. */
export type ConditionStatus = z.infer<typeof ConditionStatusSchema>;

/** Condition reasons (PascalCase, stable: tools and alerts match on them). */
export const Reason = {
  /** The revision was applied and the org matches it. */
  Succeeded: "Succeeded",
  /** A reconcile is running (fetching, planning or applying). */
  Progressing: "Progressing",
  /** The last attempt failed with a transient error; the controller retries after `retryInterval`. */
  ProgressingWithRetry: "ProgressingWithRetry",
  /** A plan is ready and `spec.approval.required` is set; it waits for approval of `status.pendingPlan`. */
  AwaitingApproval: "AwaitingApproval",
  /**
   * The plan writes to the org, and `spec.changeWindows` allows no write now: it is held (Reconciling=True,
   * Ready=Unknown) until the next window opens, named in the message.
   */
  OutsideChangeWindow: "OutsideChangeWindow",
  /** An IvrPromotion listed in `spec.dependsOn` is not Ready for its latest generation. */
  DependencyNotReady: "DependencyNotReady",
  /** `spec.suspend` is true; no new revision is applied. */
  Suspended: "Suspended",
  /** The Git source could not be fetched or the ref does not resolve. */
  SourceFailed: "SourceFailed",
  /** A flow file of the set could not be parsed or rendered for the target environment. */
  RenderFailed: "RenderFailed",
  /** A check before writing failed (lint, dependency graph, missing referenced objects in the org). */
  PreflightFailed: "PreflightFailed",
  /** The flow set references itself in a cycle and `spec.cyclePolicy` is Reject. */
  CycleDetected: "CycleDetected",
  /** The target org rejected the client credentials, or a credentials Secret is unusable or unreadable. */
  AuthenticationFailed: "AuthenticationFailed",
  /**
   * A Secret the spec refers to does not exist (yet) in the object's namespace. Waiting, not Stalled:
   * it is often applied right after the object, so the controller keeps looking.
   */
  SecretNotFound: "SecretNotFound",
  /** Importing or publishing a flow failed. */
  ApplyFailed: "ApplyFailed",
  /** Deleting flows that left the set failed. */
  PruneFailed: "PruneFailed",
  /** A failed apply was undone: flows were put back to their previous published versions. */
  RolledBack: "RolledBack",
  /** The org throttled us (HTTP 429) beyond the client's retries; the controller waits, then retries. */
  RateLimited: "RateLimited",
  /** A flow is locked (checked out) by someone else and `spec.lockPolicy` is Fail. */
  Locked: "Locked",
  /** Flows were published in the org outside Git (by anyone, this operator's client included); put back. */
  DriftDetected: "DriftDetected",
  /** This replica lost the right to write for the object; the new leader carries on. */
  FencedOut: "FencedOut",
  /** Import jobs of an interrupted run are still running; recovery waits for them. */
  JobsInFlight: "JobsInFlight",
  /** The spec is invalid in a way the CRD schema cannot express (e.g. a dependsOn loop between objects). */
  InvalidSpec: "InvalidSpec",
  /**
   * The operator's tenancy policy refuses the spec: an endpoint not on `--allowed-endpoints`, a Git URL
   * of a kind it does not fetch, or a cross-namespace reference (Flux's AccessDenied).
   */
  AccessDenied: "AccessDenied",
  /** The new versions are being measured against the baseline (spec.verification); Ready is Unknown. */
  Verifying: "Verifying",
  /** A verification check failed; the whole group was rolled back to the previous revision. */
  VerificationFailed: "VerificationFailed",
  /** Too little traffic to judge by the end of the extended window, and onInsufficientTraffic is Hold. */
  VerificationInconclusive: "VerificationInconclusive",
  /** Analytics did not answer for longer than verification.dataTimeout; checks go on, nothing is rolled back. */
  AnalyticsUnavailable: "AnalyticsUnavailable",
} as const;
/** One of {@link Reason}. */
export type Reason = (typeof Reason)[keyof typeof Reason];

/** `metav1.Condition`, with the same validation the Kubernetes API types carry. */
export const ConditionSchema = z.object({
  type: z
    .string()
    .min(1)
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    )
    .describe("Type of condition in CamelCase: Ready, Reconciling or Stalled."),
  status: ConditionStatusSchema,
  observedGeneration: z
    .int()
    .min(0)
    .optional()
    .describe("The .metadata.generation the condition was set from; older means the condition is stale."),
  lastTransitionTime: z.iso
    .datetime()
    .describe("Last time the condition changed from one status to another (RFC 3339)."),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe("Programmatic identifier for the last transition, in CamelCase (e.g. Succeeded, Locked)."),
  message: z.string().max(32768).describe("Human-readable details about the last transition, one line."),
});
/** A status condition. */
export type Condition = z.infer<typeof ConditionSchema>;

/** The object-level state a reconcile ended in; {@link applyOutcome} turns it into conditions. */
export type OutcomeState = "Progressing" | "Ready" | ErrorReason;

/** What happened, in words for people; `reason` defaults per state. */
export interface Outcome {
  state: OutcomeState;
  reason?: Reason;
  message: string;
  /**
   * The Reconciling condition's message when it differs from Ready's (Progressing only): details that
   * change every reconcile ("opens in 3h12m") stay out of Ready, whose message keys Events.
   */
  reconcilingMessage?: string;
}

/** Where and when conditions are being written. */
export interface ConditionContext {
  generation: number;
  now: Date;
}

/** The condition of `type`, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` exists with status True. */
export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/**
 * Returns a copy of `conditions` with `next` set (like apimachinery's `meta.SetStatusCondition`):
 * `lastTransitionTime` moves only when the status changes, so it keeps meaning "since when".
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, "lastTransitionTime">,
  now: Date,
): Condition[] {
  const current = findCondition(conditions, next.type);
  const lastTransitionTime =
    current && current.status === next.status ? current.lastTransitionTime : toRfc3339(now);
  const updated: Condition = { ...next, message: oneLine(next.message), lastTransitionTime };
  const list = conditions ?? [];
  return current ? list.map((c) => (c.type === next.type ? updated : c)) : [...list, updated];
}

/** Returns a copy of `conditions` without `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

const DEFAULT_REASON: Record<OutcomeState, Reason> = {
  Progressing: Reason.Progressing,
  Ready: Reason.Succeeded,
  Waiting: Reason.ProgressingWithRetry,
  Transient: Reason.ProgressingWithRetry,
  Stalled: Reason.InvalidSpec,
};

/**
 * The kstatus lifecycle as a pure function (Flux's `finalizeStatus`):
 * - Progressing: Ready=Unknown and Reconciling=True (reason Progressing); Stalled removed.
 * - Ready: Ready=True; Reconciling and Stalled removed.
 * - Waiting / Transient: Ready=False with the reason; Reconciling=True with ProgressingWithRetry,
 *   because the controller retries by itself.
 * - Stalled: Ready=False and Stalled=True with the reason; Reconciling removed (no retry until the spec changes).
 * Every condition written carries `observedGeneration`, so stale conditions are recognisable.
 */
export function applyOutcome(
  conditions: readonly Condition[] | undefined,
  outcome: Outcome,
  ctx: ConditionContext,
): Condition[] {
  const reason = outcome.reason ?? DEFAULT_REASON[outcome.state];
  const set = (list: readonly Condition[], type: ConditionType, status: ConditionStatus, why = reason) =>
    setCondition(
      list,
      { type, status, reason: why, message: outcome.message, observedGeneration: ctx.generation },
      ctx.now,
    );
  const list = conditions ?? [];
  switch (outcome.state) {
    case "Progressing": {
      const ready = removeCondition(set(list, "Ready", "Unknown"), "Stalled");
      if (outcome.reconcilingMessage === undefined) return set(ready, "Reconciling", "True");
      const message = outcome.reconcilingMessage;
      const reconciling = { type: "Reconciling", status: "True" as const, reason, message };
      return setCondition(ready, { ...reconciling, observedGeneration: ctx.generation }, ctx.now);
    }
    case "Ready":
      return removeCondition(removeCondition(set(list, "Ready", "True"), "Reconciling"), "Stalled");
    case "Waiting":
    case "Transient": {
      const ready = removeCondition(set(list, "Ready", "False"), "Stalled");
      return set(ready, "Reconciling", "True", Reason.ProgressingWithRetry);
    }
    case "Stalled":
      return set(removeCondition(set(list, "Ready", "False"), "Reconciling"), "Stalled", "True");
  }
}

/** kstatus' computed status of an object (cli-utils `pkg/kstatus/status`). */
export type KStatus = "InProgress" | "Current" | "Failed" | "Terminating";

/** The parts of an object kstatus looks at. */
export interface KStatusInput {
  metadata: { generation?: number; deletionTimestamp?: string | Date | undefined };
  status?: { observedGeneration?: number; conditions?: readonly Condition[] } | undefined;
}

/**
 * kstatus' order of evaluation: deleting → Terminating; a generation the controller has not
 * observed → InProgress; Reconciling → InProgress; Stalled → Failed; Ready=True → Current.
 */
export function computeKStatus(obj: KStatusInput): KStatus {
  if (obj.metadata.deletionTimestamp) return "Terminating";
  const conditions = obj.status?.conditions;
  if (obj.metadata.generation !== undefined && obj.status?.observedGeneration !== obj.metadata.generation) {
    return "InProgress";
  }
  if (isConditionTrue(conditions, ConditionType.Reconciling)) return "InProgress";
  if (isConditionTrue(conditions, ConditionType.Stalled)) return "Failed";
  return isConditionTrue(conditions, ConditionType.Ready) ? "Current" : "InProgress";
}

/** Kubernetes' timestamp form: RFC 3339 in UTC with whole seconds (metav1.Time drops fractions). */
export function toRfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
