import { previewMarkdown } from "./preview.js";
import { RSS_TARGET_MIB } from "./operator-scale.js";
import type { BenchResults } from "./report.js";
import { THROUGHPUT_TARGET } from "./throughput.js";

/**
 * docs/benchmarks.md, generated from the same results as bench/results/latest.json: a README-ready
 * section with the latest figures and how to reproduce them.
 */

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mark = (pass: boolean): string => (pass ? "PASS" : "MISS");

/** Renders the benchmarks page. */
export function renderMarkdown(r: BenchResults): string {
  const p = r.params;
  const m = r.machine;
  const out: string[] = [
    "## Benchmarks",
    "",
    `Reproduce with \`npm run bench\` (${(r.durationMs / 60_000).toFixed(1)} minutes on this machine; the operator section needs the`,
    "envtest binaries of `test/envtest/build.sh`). Figures below are from one run; the raw numbers are in",
    "`bench/results/latest.json`. `npm run bench -- --only throughput,noop` runs a subset (not written to latest.json).",
    "",
    `Run of ${r.date} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, node ${m.node}` +
      ` (1-min load average ${m.loadAverage.start.toFixed(2)} at start${
        m.loadAverage.start > m.cpus / 2
          ? "; other work shared the machine, so timings are noisier than on an idle one"
          : ""
      }).`,
    "",
    `**Scaling.** The real Genesys limit (${p.real.requests} requests per ${p.real.windowSeconds} s per OAuth client), an assumed`,
    `import job duration of ${p.real.jobDurationMs} ms and the client's job polling (${p.real.pollInitialMs} ms doubling to ${p.real.pollMaxMs} ms)`,
    `are all divided by ${p.timeScale} in time, request counts unchanged: the emulator and the client limiter run at`,
    `R = ${p.scaled.rateLimit.requests} requests per ${p.scaled.rateLimit.windowSeconds} s, jobs take L = ${p.scaled.jobDurationMs} ms, polls ${p.scaled.poll.initial} → ${p.scaled.poll.max} ms.`,
    `Multiply wall times by ${p.timeScale} for the real-world equivalent. Engine concurrency ${p.concurrency} (the default).`,
    "",
    "### Promotion throughput",
    "",
    "| Flows (levels) | Wall | Lower bound | Wall / bound | API calls | 429s | Sequential import | Ours / sequential |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const t of r.throughput) {
    const o = t.ours;
    out.push(
      `| ${o.flows} (${o.levels}) | ${sec(o.wallMs)} | ${sec(o.bound.ms)} (${o.bound.limitedBy}) | ${o.ratio.toFixed(3)} ${mark(o.pass)} | ${o.calls.api} | ${o.calls.rateLimited} | ${sec(t.sequential.wallMs)} | ${t.oursOverSequential.toFixed(2)} (${t.speedup}×) |`,
    );
  }
  out.push(
    "",
    `Lower bound = max(API calls / R, levels × L); target wall ≤ ${THROUGHPUT_TARGET} × bound. The flow sets are generated DAGs`,
    "(common modules, in-queue and bot flows at the leaves, composite modules, service lines, menus, top-level numbers).",
    "The sequential baseline imports one flow at a time in dependency order with the same client, as Terraform's provider does.",
  );
  const big = r.throughput[r.throughput.length - 1];
  if (big) {
    const a = big.ours.analysis;
    out.push(
      "",
      `Where the time goes (N=${big.ours.flows}): the client limiter sustains ${a.clientRatePerSecond} of ${p.scaled.ratePerSecond} req/s`,
      `(5% safety margin, and the 5% burst is paid for out of the steady rate), a floor of ${a.limiterFloorRatio.toFixed(3)} × bound on its own.`,
      `Job polls are ${a.pollsPerFlow} of ${(big.ours.calls.api / big.ours.flows).toFixed(2)} API calls per flow.`,
      "",
      `Calls per promoted flow (N=${big.ours.flows}): ${Object.entries(big.callsPerFlow)
        .map(([route, n]) => `\`${route}\` ${n}`)
        .join(", ")}.`,
    );
  }
  for (const w of r.pollWhatIfs ?? []) {
    out.push(
      "",
      `What-if (not the default): first job poll after ${w.pollRealMs.initial} ms real, concurrency ${w.concurrency} →`,
      `${sec(w.run.wallMs)} for ${w.run.flows} flows, ${(w.run.calls.api / w.run.flows).toFixed(2)} API calls per flow.`,
    );
  }
  if (r.noop) {
    const n = r.noop;
    out.push(
      "",
      "### No-op reconcile",
      "",
      `${n.flows} flows already up to date: **${n.calls.total} API call** (${Object.keys(n.calls.byRoute).join(", ")}),`,
      `${n.writes} writes, median ${n.medianMs} ms — ${mark(n.pass)} (target: only the paged listing, no writes).`,
    );
  }
  if (r.rollback) {
    out.push(
      "",
      "### Rollback cost",
      "",
      "| Case | Flows written before the failure | Time to restore | Restore calls | Org restored |",
      "|---|---|---|---|---|",
    );
    for (const c of [r.rollback.create, r.rollback.update])
      out.push(
        `| ${c.case === "create" ? "new flows (deleted)" : "updated flows (previous version re-published)"} | ${c.written} | ${sec(c.restoreMs)} | ${c.restoreCalls} | ${c.orgRestored ? "yes" : "no"} |`,
      );
  }
  const op = r.operator;
  out.push("", "### Operator scale", "");
  if (!op || op.status !== "ok") {
    out.push(op ? `${op.status}: ${op.reason.split("\n")[0]}` : "not run");
  } else {
    out.push(
      "| Operator process | Objects | All Ready after | RSS: no objects → peak → 5 s later | V8 heap used: before → after | CPU | Watch reconnects | RSS target |",
      "|---|---|---|---|---|---|---|---|",
    );
    for (const run of op.runs) {
      if (run.status !== "ok") {
        out.push(`| ${run.variant.label} | failed: ${run.reason.split("\n")[0]} | | | | | | |`);
        continue;
      }
      out.push(
        `| ${run.variant.label} | ${run.objects} | ${sec(run.allReadyMs)} | ${run.rss.beforeMiB} → ${run.rss.peakMiB} → ${run.rss.idleMiB} MiB | ${run.heap.beforeUsedMiB} → ${run.heap.usedMiB} MiB | ${run.cpu.seconds} s (${run.cpu.msPerObject} ms/object) | ${run.watch.reconnects} | < ${RSS_TARGET_MIB} MiB ${mark(run.rssPass)} (peak ${run.rss.hwmMiB}) |`,
      );
    }
    out.push(
      "",
      "The operator runs as a child process against a real kube-apiserver, each IvrPromotion promoting its own",
      "three-flow set from one Git repository into one of several emulator orgs; RSS and CPU come from /proc,",
      "reconnects and heap from its /metrics. RSS includes V8's lazily collected garbage: compare the heap-capped row.",
    );
  }
  out.push(...previewMarkdown(r.preview));
  return `${out.join("\n")}\n`;
}
