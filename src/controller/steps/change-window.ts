import { Reason, toRfc3339, type Outcome } from "../../api/conditions.js";
import { Annotation, type IvrPromotion, type IvrPromotionSpec } from "../../api/ivr-promotion.js";
import {
  ChangeWindowSchedule,
  formatInZone,
  relativeTime,
  type WindowVerdict,
} from "../../engine/change-window.js";
import { flowKey, isWrite, type Plan } from "../../engine/model.js";
import type { RollbackOutcome } from "../../engine/rollback.js";
import { PromoterError } from "../../errors.js";
import type { Metrics } from "../../metrics.js";
import { oneLine } from "../../redact.js";
import type { EventRecorder, EventSubject } from "../events.js";
import { intervalMs, jitter } from "../outcome.js";
import { shortRevision } from "../revision.js";
import type { StatusDraft } from "../status.js";
import { summaryText } from "./apply.js";

/**
 * The change-window gate (`spec.changeWindows`). It sits at the one point every write to the org passes:
 * the engine's `onPlan`, called with the checked plan after recovery, observation and preflight and
 * before the first write. So reading, planning, preflight and the rollback of an interrupted run (which
 * runs before planning) are never held, nor is a failed apply's rollback (it happens inside the run),
 * while every import, publish, prune and drift correction is, whether approved or not. A plan that
 * writes nothing passes. A held plan throws {@link OutsideChangeWindowError}; the reconcile reports it
 * with {@link heldOutcome} and comes back when the next window opens.
 */

/** Thrown from `onPlan` when the plan writes and no window allows it; nothing was written. */
export class OutsideChangeWindowError extends PromoterError {
  constructor(
    readonly plan: Plan,
    readonly verdict: WindowVerdict,
    /** The interrupted run rolled back while planning, if any (its versions go into the inventory). */
    readonly recovered: RollbackOutcome | undefined,
    /** Why an override annotation present on the object did not apply. */
    readonly overrideProblem: string | undefined,
  ) {
    super("OutsideChangeWindow", "Waiting", `plan ${plan.hash} held: ${verdict.why}`);
  }
}

/** An override annotation, parsed. */
interface Override {
  planHash: string;
  reason: string;
}

const OVERRIDE_RE = /^\s*(sha256:[0-9a-f]{32})\s+(\S[\s\S]*)$/;

/** What the gate needs from the reconcile. */
export interface GateDeps {
  now: () => Date;
  events: EventRecorder;
  subject: EventSubject;
  metrics: Metrics;
  /** Where a used override is recorded (absent for a deletion: its status goes with the object). */
  draft?: StatusDraft;
}

/** The gate of one reconcile of `obj`. */
export class ChangeWindowGate {
  private readonly schedule: ChangeWindowSchedule | undefined;
  private used: { planHash: string; reason: string } | undefined;

  constructor(
    private readonly obj: IvrPromotion,
    private readonly deps: GateDeps,
  ) {
    const windows = obj.spec.changeWindows;
    const schedule = windows ? new ChangeWindowSchedule(windows) : undefined;
    this.schedule = schedule?.unrestricted === false ? schedule : undefined;
    // Set again by this reconcile's gate if it still holds a plan.
    if (deps.draft) deps.draft.next.changeWindowHold = undefined;
  }

  /** `next`, run only once the windows allow the plan; see the module comment. */
  guard(
    next?: (plan: Plan) => void | Promise<void>,
  ): (plan: Plan, recovered?: RollbackOutcome) => Promise<void> {
    return async (plan, recovered) => {
      await this.check(plan, recovered);
      await next?.(plan);
    };
  }

  private async check(plan: Plan, recovered: RollbackOutcome | undefined): Promise<void> {
    if (!this.schedule || !plan.actions.some(isWrite)) return;
    const now = this.deps.now();
    const verdict = this.schedule.evaluate(now);
    if (verdict.open) return;
    const raw = this.obj.metadata.annotations?.[Annotation.changeWindowOverride];
    const parsed = raw === undefined ? undefined : parseOverride(raw);
    let problem: string | undefined;
    if (raw !== undefined && parsed === undefined) {
      problem = `annotation ${Annotation.changeWindowOverride} must be "<planHash> <reason>"`;
    } else if (parsed && parsed.planHash !== plan.hash) {
      problem = `annotation ${Annotation.changeWindowOverride} names plan ${parsed.planHash}, not this one`;
    }
    if (!parsed || problem) throw new OutsideChangeWindowError(plan, verdict, recovered, problem);
    await this.overridden(plan, verdict, parsed, now);
  }

  /**
   * Marks the history entry of a run the override let through (succeeded or rolled back), so the audit
   * trail in `status.history` says the windows were bypassed, and why. Call once the run is recorded.
   */
  noteInHistory(): void {
    const draft = this.deps.draft;
    const entry = draft?.next.history?.[0];
    if (!this.used || !draft || entry?.planHash !== this.used.planHash) return;
    const note = ` (change windows overridden: ${this.used.reason})`;
    draft.next.history = [
      { ...entry, message: oneLine(`${entry.message}${note}`, 1024) },
      ...(draft.next.history ?? []).slice(1),
    ];
    this.used = undefined;
  }

  private async overridden(plan: Plan, verdict: WindowVerdict, o: Override, now: Date): Promise<void> {
    this.used = { planHash: plan.hash, reason: o.reason };
    const setBy = annotationManager(this.obj, Annotation.changeWindowOverride);
    const { namespace, name } = this.deps.subject;
    this.deps.metrics.changeWindowOverrides.inc({ namespace, name });
    if (this.deps.draft) {
      this.deps.draft.next.changeWindowOverride = {
        planHash: plan.hash,
        revision: plan.revision,
        reason: o.reason,
        ...(setBy ? { setBy } : {}),
        usedAt: toRfc3339(now),
        why: verdict.why,
      };
    }
    await this.deps.events.record(this.deps.subject, {
      type: "Warning",
      reason: "ChangeWindowOverridden",
      message:
        `Plan ${plan.hash} for ${plan.revision} written ${verdict.why} by emergency override` +
        `${setBy ? ` (set by ${setBy})` : ""}: ${o.reason}`,
      revision: plan.revision,
    });
  }
}

/** `"<planHash> <reason>"`, or undefined when the value does not have that shape. */
export function parseOverride(value: string): Override | undefined {
  const m = OVERRIDE_RE.exec(value);
  if (!m?.[1] || !m[2]) return undefined;
  return { planHash: m[1], reason: oneLine(m[2], 512) };
}

/**
 * The field manager that last set `annotation` (managedFields names the client, e.g. kubectl-annotate;
 * the person is in the API server's audit log), when the object says.
 */
export function annotationManager(obj: IvrPromotion, annotation: string): string | undefined {
  const fields: unknown = Reflect.get(obj.metadata, "managedFields");
  if (!Array.isArray(fields)) return undefined;
  let found: { manager: string; time: string } | undefined;
  for (const entry of fields as unknown[]) {
    const e = entry as { manager?: unknown; time?: unknown; fieldsV1?: Record<string, unknown> };
    const annotations = (e.fieldsV1?.["f:metadata"] as Record<string, unknown> | undefined)?.[
      "f:annotations"
    ];
    if (typeof annotations !== "object" || annotations === null || !(`f:${annotation}` in annotations))
      continue;
    const time = typeof e.time === "string" ? e.time : "";
    if (typeof e.manager === "string" && (!found || time > found.time)) found = { manager: e.manager, time };
  }
  return found?.manager;
}

/** What a held reconcile reports, and when it comes back. */
export interface Held {
  outcome: Outcome;
  requeueAfterMs: number;
}

/** Margin past a window's start, so the reconcile lands inside it whatever the timer's rounding. */
const OPEN_MARGIN_MS = 1_000;

/**
 * The hold, in status and conditions: Reconciling=True and Ready=Unknown with reason OutsideChangeWindow
 * (kstatus InProgress: `kubectl wait --for=condition=Ready` keeps waiting for the change to land), the plan
 * in `status.changeWindowHold`, and a requeue at the next opening (or the interval, if sooner, so new
 * commits still show up in the held plan).
 */
export function heldOutcome(
  err: OutsideChangeWindowError,
  spec: IvrPromotionSpec,
  draft: StatusDraft,
  now: Date,
  metrics: Metrics,
  ref: { namespace: string; name: string },
): Held {
  const { plan, verdict } = err;
  const restored = err.recovered?.versions ?? {};
  if (Object.keys(restored).length > 0) {
    // The interrupted run was rolled back by re-import while planning: those versions are ours, not drift.
    draft.next.inventory = (draft.next.inventory ?? []).map((e) => {
      const version = restored[flowKey(e.type, e.name)];
      return version ? { ...e, publishedVersion: version } : e;
    });
  }
  const before = draft.before.changeWindowHold;
  const { create, update, drifted, unchanged, prune } = plan.summary;
  draft.next.changeWindowHold = {
    revision: plan.revision,
    planHash: plan.hash,
    summary: { create, update, drifted, unchanged, prune },
    heldSince: before?.planHash === plan.hash ? before.heldSince : toRfc3339(now),
    ...(verdict.nextOpen ? { nextOpenAt: toRfc3339(verdict.nextOpen) } : {}),
    why: verdict.why,
  };
  metrics.changeWindowHeld.inc(ref);
  const at = verdict.nextOpen ? formatInZone(verdict.nextOpen, verdict.timeZone) : undefined;
  const message = at
    ? `Outside change windows: ${shortRevision(plan.revision)} waits for ${at}`
    : `Outside change windows: ${shortRevision(plan.revision)} waits; no window opens within 400 days`;
  const next = verdict.nextOpen
    ? `the next window opens ${at} ${verdict.timeZone} (${relativeTime(verdict.nextOpen, now)})`
    : "no window opens within 400 days";
  const detail =
    `Plan ${plan.hash} for ${plan.revision} (${summaryText(plan.summary)}) held, ${verdict.why}; ${next}; ` +
    `to write it now, set annotation ${Annotation.changeWindowOverride}="${plan.hash} <reason>"` +
    (err.overrideProblem ? ` (${err.overrideProblem})` : "");
  const interval = jitter(intervalMs(spec));
  const untilOpen = verdict.nextOpen ? verdict.nextOpen.getTime() - now.getTime() + OPEN_MARGIN_MS : interval;
  return {
    outcome: {
      state: "Progressing",
      reason: Reason.OutsideChangeWindow,
      message,
      reconcilingMessage: detail,
    },
    requeueAfterMs: Math.max(OPEN_MARGIN_MS, Math.min(interval, untilOpen)),
  };
}
