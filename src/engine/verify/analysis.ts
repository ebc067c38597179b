import type { Figures, VerificationSpec, VerifiedFlow } from "../../api/verification.js";

/**
 * The verdict of verification as a pure function of the figures: no clock, no IO. Each verified flow
 * is judged on its own sample once it has `minCalls` calls; the group passes when every flow passed
 * at the end of the window, fails when any flow fails a check on `failureThreshold` consecutive checks,
 * and otherwise waits (extending the window up to `maxExtension` for flows with too few calls, then
 * applying `onInsufficientTraffic`). Relative checks need a baseline of at least `minCalls` calls;
 * without one (a new flow, a quiet baseline) only the absolute limits apply, and the message says so.
 */

/** One check of one flow. */
export interface CheckResult {
  check: "failedOutcomes" | "abnormalDisconnects" | "flowTime" | "milestone" | "webhook";
  /** TYPE/name (or the webhook's name). */
  flow: string;
  ok: boolean;
  /** "failed outcomes 39.8% (baseline 1.0%)". */
  figures: string;
  /** Why it failed: "above max 5%", "+38.8 points over baseline, max +2". */
  breach?: string;
}

/** What to do after a check. */
export type Decision =
  | { kind: "continue"; consecutiveFailures: number; summary: string; results: CheckResult[] }
  | { kind: "fail"; summary: string; failed: CheckResult[]; results: CheckResult[] }
  | { kind: "pass"; summary: string; results: CheckResult[] }
  | {
      kind: "insufficient";
      policy: VerificationSpec["onInsufficientTraffic"];
      summary: string;
      results: CheckResult[];
    };

/** The input of one judgement. */
export interface JudgeInput {
  spec: VerificationSpec;
  revision: string;
  flows: ReadonlyArray<{ flow: VerifiedFlow; current: Figures }>;
  elapsedMs: number;
  windowMs: number;
  extensionMs: number;
  consecutiveFailures: number;
  /** Webhook answers that were not 2xx. */
  webhookFailures?: ReadonlyArray<{ name: string; detail: string }>;
}

const pct = (r: number): string => `${(r * 100).toFixed(1)}%`;
const ratio = (n: number, d: number): number => (d > 0 ? n / d : 0);
const meanSeconds = (f: Figures): number => ratio(f.flowMsSum, f.flowMsCount) / 1000;

/** Judges one check (see the module comment). */
export function judge(input: JudgeInput): Decision {
  const { spec } = input;
  const results: CheckResult[] = [];
  let short = 0;
  for (const { flow, current } of input.flows) {
    if (current.calls < spec.minCalls) {
      short += 1;
      continue;
    }
    const base = flow.baseline && flow.baseline.calls >= spec.minCalls ? flow.baseline : undefined;
    results.push(...checkFlow(spec, `${flow.type}/${flow.name}`, current, base));
  }
  for (const w of input.webhookFailures ?? [])
    results.push({
      check: "webhook",
      flow: w.name,
      ok: false,
      figures: w.detail,
      breach: "did not answer 2xx",
    });
  const failed = results.filter((r) => !r.ok);
  const summary = progress(input);
  if (failed.length > 0) {
    const consecutive = input.consecutiveFailures + 1;
    if (consecutive >= spec.failureThreshold)
      return { kind: "fail", summary: failure(input, failed), failed, results };
    return {
      kind: "continue",
      consecutiveFailures: consecutive,
      summary: `${summary}; failing check ${consecutive}/${spec.failureThreshold}: ${describe(failed[0])}`,
      results,
    };
  }
  if (input.elapsedMs < input.windowMs) return { kind: "continue", consecutiveFailures: 0, summary, results };
  if (short === 0) return { kind: "pass", summary: passed(input, results), results };
  if (input.elapsedMs < input.windowMs + input.extensionMs) {
    const more = `${summary}; window extended: ${short} flow(s) below ${spec.minCalls} calls`;
    return { kind: "continue", consecutiveFailures: 0, summary: more, results };
  }
  const low = input.flows
    .filter((f) => f.current.calls < spec.minCalls)
    .map((f) => `${f.flow.type}/${f.flow.name} ${f.flow.version}: ${f.current.calls} calls`)
    .join(", ");
  return {
    kind: "insufficient",
    policy: spec.onInsufficientTraffic,
    summary: `too little traffic to verify ${input.revision} after ${minutes(input.elapsedMs)}: ${low} (minCalls ${spec.minCalls}); onInsufficientTraffic ${spec.onInsufficientTraffic}`,
    results,
  };
}

/** The checks of one flow with enough calls. */
export function checkFlow(
  spec: VerificationSpec,
  flow: string,
  current: Figures,
  baseline: Figures | undefined,
): CheckResult[] {
  const out: CheckResult[] = [];
  const { checks } = spec;
  const ratioCheck = (
    check: "failedOutcomes" | "abnormalDisconnects",
    label: string,
    limits: { maxPercent?: number | undefined; maxIncreasePoints?: number | undefined },
    now: number,
    before: number | undefined,
  ): void => {
    const breaches: string[] = [];
    if (limits.maxPercent !== undefined && now * 100 > limits.maxPercent)
      breaches.push(`above max ${limits.maxPercent}%`);
    if (limits.maxIncreasePoints !== undefined && before !== undefined) {
      const points = (now - before) * 100;
      if (points > limits.maxIncreasePoints)
        breaches.push(`+${points.toFixed(1)} points over baseline, max +${limits.maxIncreasePoints}`);
    }
    const figures = `${label} ${pct(now)} (${before === undefined ? "no baseline" : `baseline ${pct(before)}`}, ${current.calls} calls)`;
    out.push({
      check,
      flow,
      ok: breaches.length === 0,
      figures,
      ...(breaches.length ? { breach: breaches.join(", ") } : {}),
    });
  };
  if (checks.failedOutcomes) {
    ratioCheck(
      "failedOutcomes",
      "failed outcomes",
      checks.failedOutcomes,
      ratio(current.failedOutcomes, current.outcomes),
      baseline && ratio(baseline.failedOutcomes, baseline.outcomes),
    );
  }
  if (checks.abnormalDisconnects) {
    ratioCheck(
      "abnormalDisconnects",
      "system/error disconnects",
      checks.abnormalDisconnects,
      ratio(current.abnormalDisconnects, current.calls),
      baseline && ratio(baseline.abnormalDisconnects, baseline.calls),
    );
  }
  if (checks.flowTime) {
    const now = meanSeconds(current);
    const before = baseline && meanSeconds(baseline);
    const breaches: string[] = [];
    const { maxSeconds, maxIncreasePercent } = checks.flowTime;
    if (maxSeconds !== undefined && now > maxSeconds) breaches.push(`above max ${maxSeconds}s`);
    if (maxIncreasePercent !== undefined && before !== undefined && before > 0) {
      const up = (now / before - 1) * 100;
      if (up > maxIncreasePercent)
        breaches.push(`+${up.toFixed(0)}% over baseline, max +${maxIncreasePercent}%`);
    }
    const figures = `mean flow time ${now.toFixed(1)}s (${before === undefined ? "no baseline" : `baseline ${before.toFixed(1)}s`}, ${current.calls} calls)`;
    out.push({
      check: "flowTime",
      flow,
      ok: breaches.length === 0,
      figures,
      ...(breaches.length ? { breach: breaches.join(", ") } : {}),
    });
  }
  for (const m of checks.milestones ?? []) {
    const now = ratio(current.milestones?.[m.id] ?? 0, current.calls);
    const before = baseline && ratio(baseline.milestones?.[m.id] ?? 0, baseline.calls);
    const breaches: string[] = [];
    if (m.minPercent !== undefined && now * 100 < m.minPercent) breaches.push(`below min ${m.minPercent}%`);
    if (m.maxDecreasePoints !== undefined && before !== undefined) {
      const points = (before - now) * 100;
      if (points > m.maxDecreasePoints)
        breaches.push(`-${points.toFixed(1)} points below baseline, max -${m.maxDecreasePoints}`);
    }
    const label = `milestone ${m.name ?? m.id} reached`;
    const figures = `${label} ${pct(now)} (${before === undefined ? "no baseline" : `baseline ${pct(before)}`}, ${current.calls} calls)`;
    out.push({
      check: "milestone",
      flow,
      ok: breaches.length === 0,
      figures,
      ...(breaches.length ? { breach: breaches.join(", ") } : {}),
    });
  }
  return out;
}

/** "verifying main@sha1:ab12cd34: 6/15 min, 412 calls, failed outcomes 0.7% (baseline 0.6%)". */
export function progress(
  input: Pick<JudgeInput, "spec" | "revision" | "flows" | "elapsedMs" | "windowMs">,
): string {
  const calls = input.flows.reduce((s, f) => s + f.current.calls, 0);
  const head = `verifying ${input.revision}: ${minutes(input.elapsedMs, input.windowMs)}, ${calls} calls`;
  const headline = headlineFigure(input);
  return headline ? `${head}, ${headline}` : head;
}

/** The first configured check over all verified flows together: the one number a person watches. */
function headlineFigure(input: Pick<JudgeInput, "spec" | "flows">): string | undefined {
  // Only baselines large enough to judge by (as the checks do) are shown as "the baseline".
  const judged = (f: { flow: VerifiedFlow }): Figures | undefined =>
    f.flow.baseline && f.flow.baseline.calls >= input.spec.minCalls ? f.flow.baseline : undefined;
  const sum = (pick: (f: Figures) => number, of: "current" | "baseline"): number =>
    input.flows.reduce((s, f) => {
      const figures = of === "current" ? f.current : judged(f);
      return s + (figures ? pick(figures) : 0);
    }, 0);
  const hasBaseline = input.flows.some((f) => judged(f) !== undefined);
  const both = (label: string, num: (f: Figures) => number, den: (f: Figures) => number): string => {
    const now = pct(ratio(sum(num, "current"), sum(den, "current")));
    const base = hasBaseline ? ` (baseline ${pct(ratio(sum(num, "baseline"), sum(den, "baseline")))})` : "";
    return `${label} ${now}${base}`;
  };
  const { checks } = input.spec;
  if (checks.failedOutcomes)
    return both(
      "failed outcomes",
      (f) => f.failedOutcomes,
      (f) => f.outcomes,
    );
  if (checks.abnormalDisconnects)
    return both(
      "system/error disconnects",
      (f) => f.abnormalDisconnects,
      (f) => f.calls,
    );
  if (checks.flowTime) {
    const now =
      ratio(
        sum((f) => f.flowMsSum, "current"),
        sum((f) => f.flowMsCount, "current"),
      ) / 1000;
    const before =
      ratio(
        sum((f) => f.flowMsSum, "baseline"),
        sum((f) => f.flowMsCount, "baseline"),
      ) / 1000;
    return `mean flow time ${now.toFixed(1)}s${hasBaseline ? ` (baseline ${before.toFixed(1)}s)` : ""}`;
  }
  const m = checks.milestones?.[0];
  if (m)
    return both(
      `milestone ${m.name ?? m.id} reached`,
      (f) => f.milestones?.[m.id] ?? 0,
      (f) => f.calls,
    );
  return undefined;
}

function describe(r: CheckResult | undefined): string {
  return r ? `${r.flow}: ${r.figures}${r.breach ? ` ${r.breach}` : ""}` : "";
}

function failure(input: JudgeInput, failed: readonly CheckResult[]): string {
  const list = failed.slice(0, 3).map(describe).join("; ");
  const more = failed.length > 3 ? `; and ${failed.length - 3} more` : "";
  return `verification of ${input.revision} failed after ${minutes(input.elapsedMs)}: ${list}${more}`;
}

function passed(input: JudgeInput, results: readonly CheckResult[]): string {
  const calls = input.flows.reduce((s, f) => s + f.current.calls, 0);
  const noBaseline = results.some((r) => r.figures.includes("no baseline"))
    ? "; some checks had no baseline"
    : "";
  const headline = headlineFigure(input);
  return `verified ${input.revision} over ${minutes(input.elapsedMs)}: ${calls} calls${headline ? `, ${headline}` : ""}, ${results.length} check(s) passed${noBaseline}`;
}

/** "6/15 min" (or seconds for short windows), or "6 min" without a window. */
export function minutes(elapsedMs: number, windowMs?: number): string {
  const unit = (windowMs ?? elapsedMs) >= 120_000 ? "min" : "s";
  const f = (ms: number): string => String(Math.floor(unit === "min" ? ms / 60_000 : ms / 1000));
  return windowMs === undefined
    ? `${f(elapsedMs)} ${unit}`
    : `${f(Math.min(elapsedMs, windowMs))}/${f(windowMs)} ${unit}`;
}
