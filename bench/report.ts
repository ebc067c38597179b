import type { PreviewBenchResult } from "./preview.js";
import type { BenchParams, Scaled } from "./harness.js";
import type { NoopResult } from "./noop.js";
import { RSS_TARGET_MIB, type OperatorRun, type OperatorScaleResult } from "./operator-scale.js";
import type { RollbackCase, RollbackResult } from "./rollback.js";
import { THROUGHPUT_TARGET, type PollWhatIf, type ThroughputResult } from "./throughput.js";

/**
 * Printing the figures (console) and the README-ready markdown (docs/benchmarks.md) from one results
 * object, so the text, latest.json and the doc always show the same run.
 */

/** The machine the run happened on. */
export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  platform: string;
  node: string;
  /** 1-minute load average at the start and end: other work on the machine skews the figures. */
  loadAverage: { start: number; end: number };
  commit?: string;
}

/** Everything one `npm run bench` measured (written to bench/results/latest.json). */
export interface BenchResults {
  schema: 1;
  date: string;
  durationMs: number;
  machine: MachineInfo;
  params: BenchParams & { scaled: Scaled };
  throughput: ThroughputResult[];
  pollWhatIfs?: PollWhatIf[];
  noop?: NoopResult;
  rollback?: RollbackResult;
  operator?: OperatorScaleResult;
  preview?: PreviewBenchResult;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const verdict = (pass: boolean): string => (pass ? "PASS" : "MISS");

/** Lines for the scaling preamble. */
export function formatParams(r: Pick<BenchResults, "machine" | "params" | "date">): string[] {
  const { params: p, machine: m } = r;
  return [
    `ivr-promoter benchmarks — ${r.date}`,
    `machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}, load ${m.loadAverage.start.toFixed(2)}${m.commit ? `, commit ${m.commit.slice(0, 12)}` : ""}`,
    `scaling: real ${p.real.requests} req / ${p.real.windowSeconds} s, import job ${p.real.jobDurationMs} ms, polls ${p.real.pollInitialMs}→${p.real.pollMaxMs} ms; every duration ÷ ${p.timeScale}`,
    `  → emulator and client limiter R = ${p.scaled.rateLimit.requests} req / ${p.scaled.rateLimit.windowSeconds} s (${p.scaled.ratePerSecond} req/s), L = ${p.scaled.jobDurationMs} ms, polls ${p.scaled.poll.initial}→${p.scaled.poll.max} ms; engine concurrency ${p.concurrency}`,
  ];
}

/** Lines of benches 1, 2 and 5 for one size. */
export function formatThroughput(t: ThroughputResult): string[] {
  const o = t.ours;
  const a = o.analysis;
  const lines = [
    `[1] promotion throughput, N=${o.flows} (${o.levels} levels ${o.perLevel.join("/")}, ${o.edges} edges), concurrency ${o.concurrency}`,
    `    wall ${s(o.wallMs)}; API calls ${o.calls.api} (+${o.calls.token} token, ${o.calls.presigned} presigned uploads)`,
    `    bound max(${o.calls.api} / ${round1(o.calls.api / (o.bound.rateMs / 1000))} req/s = ${s(o.bound.rateMs)}, ${o.levels} levels × L = ${s(o.bound.criticalPathMs)}) = ${s(o.bound.ms)} (${o.bound.limitedBy}); wall / bound = ${o.ratio.toFixed(3)}`,
    `    429s received ${o.calls.rateLimited} (client saw ${o.client.rateLimited}); promotion ${o.succeeded ? `succeeded, all ${o.flows} flows published` : "FAILED"}`,
    `    ${verdict(o.pass)}  wall ≤ ${THROUGHPUT_TARGET} × bound (${o.ratio.toFixed(3)})`,
    `    where the time goes: client limiter sustains ${a.clientRatePerSecond} req/s → floor ${s(a.limiterFloorMs)} = ${a.limiterFloorRatio.toFixed(3)} × bound; ` +
      `limiter waits ${o.client.limiterWaits} (${s(o.client.limiterWaitMs)} summed); ${a.pollsPerFlow} polls/flow; import mean ${a.importMeanMs} ms, max ${a.importMaxMs} ms; ` +
      `before first import ${a.beforeApplyMs} ms, after last ${a.afterApplyMs} ms`,
    `[2] sequential baseline (same client, one importFlow at a time, dependency order): ${s(t.sequential.wallMs)}, ${t.sequential.calls.api} API calls${t.sequential.succeeded ? "" : " (FAILED)"}`,
    `    ours / sequential = ${t.oursOverSequential.toFixed(3)} (${t.speedup}× faster)`,
    `[5] calls per promoted flow (N=${o.flows}): ${Object.entries(t.callsPerFlow)
      .map(([route, n]) => `${route} ${n}`)
      .join(", ")}; total ${round2(o.calls.total / o.flows)}`,
  ];
  return lines;
}

/** Lines of the polling what-ifs. */
export function formatWhatIf(ws: readonly PollWhatIf[], base: ThroughputResult | undefined): string[] {
  const first = ws[0];
  if (!first) return [];
  const lines = [
    `[1b] what-if (not the product's defaults), N=${first.run.flows}: first job poll after ${first.pollRealMs.initial} ms real (then doubling, at most ${first.pollRealMs.max} ms)`,
  ];
  if (base)
    lines.push(
      `    default polling, concurrency ${base.ours.concurrency}: wall ${s(base.ours.wallMs)}, ${round2(base.ours.calls.api / base.ours.flows)} calls/flow (for comparison)`,
    );
  for (const w of ws) {
    const o = w.run;
    lines.push(
      `    concurrency ${w.concurrency}: wall ${s(o.wallMs)}, ${o.calls.api} API calls = ${round2(o.calls.api / o.flows)} calls/flow (${o.analysis.pollsPerFlow} polls), bound ${s(o.bound.ms)}, wall / bound ${o.ratio.toFixed(3)}, 429s ${o.calls.rateLimited}`,
    );
  }
  return lines;
}

/** Lines of bench 3. */
export function formatNoop(n: NoopResult): string[] {
  return [
    `[3] no-op reconcile, ${n.flows} flows up to date: ${n.calls.total} API call(s) (${Object.entries(
      n.calls.byRoute,
    )
      .map(([r, c]) => `${r} ×${c}`)
      .join(", ")}), plan ${n.plan.unchanged} unchanged / ${n.plan.writes} writes`,
    `    wall median ${n.medianMs} ms over ${n.runsMs.length} runs (${n.runsMs.join(", ")} ms); token already held (a cold CLI run adds 1 POST /oauth/token)`,
    `    ${verdict(n.pass)}  only the paged listing (${n.listingPages} page(s)), ${n.otherCalls} other calls, ${n.writes} writes`,
  ];
}

function formatRollbackCase(c: RollbackCase): string[] {
  return [
    `    ${c.case}: ${c.flows}-flow promotion, import of "${c.failedFlow}" (applied last) failed after ${c.written} flows were written`,
    `      restore ${s(c.restoreMs)} (imports in flight settled in ${c.settleMs} ms), ${c.restored} flows restored, ${c.rollbackErrors} errors; org as before: ${c.orgRestored ? "yes" : "NO"}`,
    `      calls from the failure on: ${c.callsAfterFailure.total} (${Object.entries(
      c.callsAfterFailure.byRoute,
    )
      .map(([r, n]) => `${r} ×${n}`)
      .join(
        ", ",
      )}); restore calls ${c.restoreCalls} = ${round2(c.restoreCalls / Math.max(1, c.restored))} per flow`,
  ];
}

/** Lines of bench 4. */
export function formatRollback(r: RollbackResult): string[] {
  return [`[4] rollback cost`, ...formatRollbackCase(r.create), ...formatRollbackCase(r.update)];
}

function formatOperatorRun(r: OperatorRun): string[] {
  if (r.status !== "ok") return [`    ${r.variant.label}: FAILED: ${r.reason.split("\n")[0]}`];
  return [
    `    ${r.variant.label}: ${r.objects} objects, ${r.orgs} orgs, --concurrency ${r.concurrency}`,
    `      all Ready after ${s(r.allReadyMs)} (startup to /readyz ${s(r.startupMs)}); CPU ${r.cpu.seconds} s = ${r.cpu.percentOfOneCore}% of one core, ${r.cpu.msPerObject} ms/object`,
    `      RSS before ${r.rss.beforeMiB} MiB, peak ${r.rss.peakMiB} MiB, after 5 s idle ${r.rss.idleMiB} MiB (VmHWM ${r.rss.hwmMiB}); heap used ${r.heap.beforeUsedMiB} → ${r.heap.usedMiB} / total ${r.heap.totalMiB} MiB, external ${r.heap.externalMiB} MiB`,
    `      watch reconnects ${r.watch.reconnects}, relists ${r.watch.relists}; Genesys calls ${r.genesysCalls} (${Object.entries(
      r.callsPerObject,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")} per object)`,
    `      ${verdict(r.rssPass)}  RSS < ${RSS_TARGET_MIB} MiB (VmHWM ${r.rss.hwmMiB} MiB)`,
  ];
}

/** Lines of bench 6. */
export function formatOperator(o: OperatorScaleResult): string[] {
  if (o.status !== "ok")
    return [
      `[6] operator scale: ${o.status === "skipped" ? "skipped" : "FAILED"}: ${o.reason.split("\n")[0]}`,
    ];
  return [
    `[6] operator scale (real kube-apiserver, emulator orgs at the scaled limit)`,
    ...o.runs.flatMap(formatOperatorRun),
  ];
}

/** Every PASS/MISS line of the run, for the summary at the end. */
export function verdicts(r: BenchResults): string[] {
  const out = r.throughput.map(
    (t) =>
      `${verdict(t.ours.pass)}  [1] N=${t.ours.flows}: wall / bound ${t.ours.ratio.toFixed(3)} ≤ ${THROUGHPUT_TARGET}`,
  );
  if (r.noop)
    out.push(
      `${verdict(r.noop.pass)}  [3] no-op of ${r.noop.flows} flows: ${r.noop.calls.total} call(s), listing only, no writes`,
    );
  if (r.operator?.status === "ok")
    for (const run of r.operator.runs)
      if (run.status === "ok")
        out.push(
          `${verdict(run.rssPass)}  [6] operator RSS (${run.variant.key}) VmHWM ${run.rss.hwmMiB} MiB < ${RSS_TARGET_MIB} MiB`,
        );
  return out;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
