import { parseDuration } from "../../api/duration.js";
import type { Figures, VerificationSpec, VerificationStatus, VerifiedFlow } from "../../api/verification.js";
import { FencedOutError } from "../errors.js";
import { judge, progress, type Decision } from "./analysis.js";
import { emptyFigures, figuresKey, readFigures, type AnalyticsPort } from "./figures.js";
import { callWebhooks, type EgressCheck } from "./webhooks.js";

/**
 * The IO side of verification, one check at a time: the controller runs one check per reconcile and
 * requeues for the next (a 15-minute window never holds a worker), the CLI loops over
 * {@link verifyUntilVerdict}. Everything a check needs to resume is in the {@link VerificationStatus}
 * it returns (the controller keeps it in status.verification), so any replica can take the next one.
 */

/** What a check needs besides the state. */
export interface CheckDeps {
  client: AnalyticsPort;
  spec: VerificationSpec;
  /** The egress allow-list for webhooks. */
  egress: EgressCheck;
  /** Identifies the promotion to webhooks ("namespace/name" or the CLI's target). */
  subject: { name: string; namespace?: string };
  signal?: AbortSignal;
}

/** A check whose figures could not be read: never a verdict. */
export interface Unavailable {
  kind: "unavailable";
  /** True once data has been missing for longer than `dataTimeout`. */
  overdue: boolean;
  summary: string;
}

/** The state after a check and what to do. */
export interface CheckOutcome {
  state: VerificationStatus;
  decision: Decision | Unavailable;
}

/** The verification state right after publishing: baseline = the `window` just before `now`. */
export function startVerification(input: {
  spec: VerificationSpec;
  revision: string;
  previousRevision?: string | undefined;
  flows: ReadonlyArray<Omit<VerifiedFlow, "baseline">>;
  now: Date;
}): VerificationStatus {
  const windowMs = parseDuration(input.spec.window);
  const types = new Set(input.spec.flowTypes.map((t) => t.toUpperCase()));
  return {
    revision: input.revision,
    phase: "Verifying",
    startedAt: iso(input.now),
    baselineFrom: iso(new Date(input.now.getTime() - windowMs)),
    baselineTo: iso(input.now),
    ...(input.previousRevision ? { previousRevision: input.previousRevision } : {}),
    flows: input.flows.filter((f) => types.has(f.type.toUpperCase())).map((f) => ({ ...f })),
    checks: 0,
    consecutiveFailures: 0,
  };
}

/** Runs one check: baseline (once), current figures, webhooks, then the pure verdict. */
export async function checkVerification(
  deps: CheckDeps,
  state: VerificationStatus,
  now: Date,
): Promise<CheckOutcome> {
  const { spec } = deps;
  const next: VerificationStatus = structuredClone(state);
  next.checks += 1;
  const started = Date.parse(state.startedAt);
  const windowMs = parseDuration(spec.window);
  const elapsedMs = Math.max(0, now.getTime() - started);
  const milestones = (spec.checks.milestones ?? []).map((m) => m.id);
  let current: Map<string, Figures>;
  let webhookFailures: Array<{ name: string; detail: string }> = [];
  try {
    await readBaselines(deps, next, milestones);
    const refs = next.flows.map((f) => ({ id: f.id, version: f.version }));
    current = await readFigures(deps.client, refs, new Date(started), now, milestones, deps.signal);
    if (spec.webhooks?.length) {
      const round = await callWebhooks(
        spec.webhooks.map((w) => ({ name: w.name, url: w.url, timeoutMs: parseDuration(w.timeout) })),
        {
          phase: "check",
          revision: state.revision,
          elapsedSeconds: Math.floor(elapsedMs / 1000),
          promotion: deps.subject,
        },
        deps.egress,
        deps.signal,
      );
      if (round.unreachable.length > 0) {
        const w = round.unreachable[0];
        throw new Error(`webhook ${w?.name} did not answer: ${w?.detail}`);
      }
      webhookFailures = round.failures;
    }
  } catch (err) {
    if (err instanceof FencedOutError || deps.signal?.aborted) throw err;
    if ((err as { code?: string } | null)?.code === "WebhookNotAllowed") throw err;
    return unavailable(deps, next, now, err);
  }
  next.dataUnavailableSince = undefined;
  const flows = next.flows.map((flow) => ({
    flow,
    current: current.get(figuresKey(flow.id, flow.version)) ?? emptyFigures(),
  }));
  const decision = judge({
    spec,
    revision: short(state.revision),
    flows,
    elapsedMs,
    windowMs,
    extensionMs: parseDuration(spec.maxExtension),
    consecutiveFailures: state.consecutiveFailures,
    webhookFailures,
  });
  next.message = decision.summary;
  if (decision.kind === "continue") {
    next.consecutiveFailures = decision.consecutiveFailures;
    if (elapsedMs >= windowMs)
      next.extendedUntil ??= iso(new Date(started + windowMs + parseDuration(spec.maxExtension)));
  } else {
    next.finishedAt = iso(now);
    if (decision.kind === "pass") next.phase = "Passed";
    else if (decision.kind === "fail") next.phase = "Failed";
    else
      next.phase =
        decision.policy === "Pass" ? "Passed" : decision.policy === "Fail" ? "Failed" : "Inconclusive";
  }
  return { state: next, decision };
}

/** How long until the next check: the interval, but never past the end of the window. */
export function nextCheckMs(spec: VerificationSpec, state: VerificationStatus, now: Date): number {
  const interval = parseDuration(spec.interval);
  const end = Date.parse(state.startedAt) + parseDuration(spec.window);
  const untilEnd = end - now.getTime();
  return Math.max(1_000, untilEnd > 0 ? Math.min(interval, untilEnd + 250) : interval);
}

/** Loops checks until a verdict (the CLI): sleeps between checks, reports each one. */
export async function verifyUntilVerdict(
  deps: CheckDeps,
  initial: VerificationStatus,
  hooks: { now: () => Date; sleep: (ms: number) => Promise<void>; onCheck?: (o: CheckOutcome) => void },
): Promise<CheckOutcome> {
  let state = initial;
  for (;;) {
    await hooks.sleep(nextCheckMs(deps.spec, state, hooks.now()));
    const outcome = await checkVerification(deps, state, hooks.now());
    hooks.onCheck?.(outcome);
    if (outcome.decision.kind !== "continue" && outcome.decision.kind !== "unavailable") return outcome;
    state = outcome.state;
  }
}

/** Baselines of the previous versions, read once and kept in the state (the past does not change). */
async function readBaselines(
  deps: CheckDeps,
  state: VerificationStatus,
  milestones: string[],
): Promise<void> {
  const missing = state.flows.filter((f) => f.previousVersion !== undefined && f.baseline === undefined);
  if (missing.length === 0) return;
  const refs = missing.map((f) => ({ id: f.id, version: f.previousVersion ?? "" }));
  const from = new Date(state.baselineFrom);
  const to = new Date(state.baselineTo);
  const figures = await readFigures(deps.client, refs, from, to, milestones, deps.signal);
  for (const f of missing)
    f.baseline = figures.get(figuresKey(f.id, f.previousVersion ?? "")) ?? emptyFigures();
}

function unavailable(deps: CheckDeps, next: VerificationStatus, now: Date, err: unknown): CheckOutcome {
  next.dataUnavailableSince ??= iso(now);
  const since = Date.parse(next.dataUnavailableSince);
  const overdue = now.getTime() - since > parseDuration(deps.spec.dataTimeout);
  const why = err instanceof Error ? err.message : String(err);
  const elapsedMs = now.getTime() - Date.parse(next.startedAt);
  const head = progress({
    spec: deps.spec,
    revision: short(next.revision),
    flows: [],
    elapsedMs,
    windowMs: parseDuration(deps.spec.window),
  }).replace(/, 0 calls$/, "");
  const summary = `${head}; analytics unavailable since ${next.dataUnavailableSince} (${why}); no verdict without data, retrying`;
  next.message = summary;
  return { state: next, decision: { kind: "unavailable", overdue, summary } };
}

/** `main@sha1:<8 hex>` for messages people read (as the controller's shortRevision). */
function short(revision: string): string {
  // The CLI's bare commit ids are cut to 12 digits, as its plan output does.
  return revision
    .replace(/(sha1:[0-9a-f]{8})[0-9a-f]{32}$/, "$1")
    .replace(/^([0-9a-f]{12})[0-9a-f]{28}$/, "$1");
}

function iso(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
