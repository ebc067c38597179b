import { PromoterError, type ErrorReason } from "../errors.js";

/** One problem found before anything was written. */
export interface PreflightFinding {
  flow: string;
  file?: string;
  code: string;
  message: string;
}

/** Preflight found problems; nothing was written. Carries every finding of every flow. */
export class PreflightFailedError extends PromoterError {
  constructor(
    readonly findings: PreflightFinding[],
    reason: ErrorReason = "Stalled",
  ) {
    const first = findings
      .slice(0, 5)
      .map((f) => `${f.flow}${f.file ? ` (${f.file})` : ""}: ${f.message}`)
      .join("; ");
    const more = findings.length > 5 ? `; and ${findings.length - 5} more` : "";
    super("PreflightFailed", reason, `preflight failed with ${findings.length} finding(s): ${first}${more}`);
  }
}

/** A flow failed to import; the run was rolled back. `cause` is the flow's own error. */
export class ApplyFailedError extends PromoterError {
  constructor(
    readonly flow: string,
    readonly rolledBack: string[],
    readonly rollbackErrors: string[],
    cause: unknown,
    reason: ErrorReason,
    /** Published version of each flow restored by re-import (pre-run content, new version id). */
    readonly restoredVersions: Readonly<Record<string, string>> = {},
  ) {
    // A sentence's own full stop would otherwise sit right before the ";" (".; rolled back").
    const why = (cause instanceof Error ? cause.message : String(cause)).replace(/[.\s]+$/, "");
    const restored =
      rollbackErrors.length === 0
        ? `rolled back ${rolledBack.length} flow(s)`
        : `rollback incomplete: ${rollbackErrors.join("; ")}`;
    super(
      "ApplyFailed",
      rollbackErrors.length ? "Stalled" : reason,
      `flow ${flow} failed: ${why}; ${restored}`,
      {
        cause,
      },
    );
  }
}

/** A flow set contains a dependency cycle (and nothing else wrong); the message names the cycle. */
export class CycleRejectedError extends PromoterError {
  constructor(message: string) {
    super("DependencyCycle", "Stalled", message);
  }
}

/** The plan computed now is not the one that was approved: approval must be given again. */
export class PlanChangedError extends PromoterError {
  constructor(approved: string, current: string) {
    super("PlanChanged", "Waiting", `plan changed since approval: approved ${approved}, now ${current}`);
  }
}

/** An interrupted apply could not be rolled back; a human must look at the listed flows. */
export class RecoveryFailedError extends PromoterError {
  constructor(errors: string[]) {
    super("RecoveryFailed", "Stalled", `could not roll back an interrupted apply: ${errors.join("; ")}`);
  }
}

/**
 * This process lost the right to write for the object (another writer took the fence, or leadership was
 * lost): nothing more is written, no rollback is attempted, and the journal is left for the new writer.
 */
export class FencedOutError extends PromoterError {
  constructor(detail: string) {
    super("FencedOut", "Transient", `stopped writing: ${detail}; the new writer recovers the run`);
  }
}

/** Import jobs of an interrupted run are still running; recovery waits for them before it decides anything. */
export class JobsInFlightError extends PromoterError {
  constructor(readonly jobs: string[]) {
    super(
      "JobsInFlight",
      "Waiting",
      `waiting for ${jobs.length} import job(s) of an interrupted run to finish: ${jobs.join(", ")}`,
      { retryAfterMs: 15_000 },
    );
  }
}

/**
 * The journal of an interrupted run names another target org than the object has now: the target was
 * changed mid-run (or the journal is not ours). Rolling it back into this org would touch flows the run
 * never wrote, so nothing is done until a person looks (restore the old org, then delete the journal).
 */
export class JournalTargetMismatchError extends PromoterError {
  constructor(journalTarget: string, target: string) {
    super(
      "JournalTargetMismatch",
      "Stalled",
      `the journal of an interrupted apply was written for target ${journalTarget}, but the object now ` +
        `targets ${target}: the target changed mid-run; check the old org, then delete the journal ConfigMap`,
    );
  }
}
