import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchOrg, scaled, startBenchEmulator, type BenchEmulator, type BenchParams } from "./harness.js";
import { renderMarkdown } from "./markdown.js";
import { formatPreview, runPreviewBench } from "./preview.js";
import { NOOP_ORG, runNoop } from "./noop.js";
import { operatorOrgs, runOperatorScale } from "./operator-scale.js";
import {
  formatNoop,
  formatOperator,
  formatParams,
  formatRollback,
  formatThroughput,
  formatWhatIf,
  verdicts,
  type BenchResults,
  type MachineInfo,
} from "./report.js";
import { ROLLBACK_ORGS, runRollback } from "./rollback.js";
import { runPollWhatIfs, runThroughput, throughputOrgs, WHATIFS } from "./throughput.js";

/**
 * `npm run bench`: every benchmark in one run against one emulator process, printed as it goes and
 * written to bench/results/latest.json and docs/benchmarks.md. `--only a,b` runs a subset
 * (throughput, whatif, noop, rollback, operator) and writes bench/results/partial.tmp.json instead.
 */

/** The parameters of a full run (see harness.ts for the scaling). */
export const PARAMS: BenchParams = {
  // 300 requests / 60 s is Genesys' default per OAuth client; 4 s is an assumed Archy publish job.
  real: { requests: 300, windowSeconds: 60, jobDurationMs: 4_000, pollInitialMs: 50, pollMaxMs: 2_000 },
  // ÷20: a 3 s window of 300 requests, 200 ms jobs; a 200-flow promotion takes seconds, not minutes.
  timeScale: 20,
  concurrency: 8,
  sizes: [50, 200],
  noopSize: 500,
  rollbackSize: 200,
  operatorObjects: 200,
};

const SECTIONS = ["throughput", "whatif", "noop", "rollback", "operator", "preview"] as const;
type Section = (typeof SECTIONS)[number];

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function machine(loadStart: number): MachineInfo {
  let commit: string | undefined;
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    commit = undefined;
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    cpus: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
    ...(commit ? { commit } : {}),
  };
}

function parseSections(argv: string[]): Set<Section> {
  const { values } = parseArgs({ args: argv, options: { only: { type: "string" } }, strict: true });
  if (!values.only) return new Set(SECTIONS);
  const wanted = values.only.split(",").map((x) => x.trim());
  for (const w of wanted)
    if (!(SECTIONS as readonly string[]).includes(w))
      throw new Error(`bench: unknown section '${w}' (one of ${SECTIONS.join(", ")})`);
  return new Set(wanted as Section[]);
}

function print(lines: string[]): void {
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function runSections(emu: BenchEmulator, only: Set<Section>, r: BenchResults): Promise<void> {
  const p = PARAMS;
  if (only.has("throughput"))
    for (const n of p.sizes) {
      const t = await runThroughput(emu, n, p);
      r.throughput.push(t);
      print(formatThroughput(t));
    }
  const largest = Math.max(...p.sizes);
  if (only.has("whatif")) {
    r.pollWhatIfs = await runPollWhatIfs(emu, largest, p);
    print(
      formatWhatIf(
        r.pollWhatIfs,
        r.throughput.find((t) => t.ours.flows === largest),
      ),
    );
  }
  if (only.has("noop")) {
    r.noop = await runNoop(emu, p.noopSize, p);
    print(formatNoop(r.noop));
  }
  if (only.has("rollback")) {
    r.rollback = await runRollback(emu, p.rollbackSize, p);
    print(formatRollback(r.rollback));
  }
  if (only.has("operator")) {
    r.operator = await runOperatorScale(emu, p);
    print(formatOperator(r.operator));
  }
  if (only.has("preview")) {
    r.preview = await runPreviewBench();
    print(formatPreview(r.preview));
  }
}

async function main(): Promise<void> {
  const only = parseSections(process.argv.slice(2));
  const started = performance.now();
  const p = PARAMS;
  const results: BenchResults = {
    schema: 1,
    date: new Date().toISOString(),
    durationMs: 0,
    machine: machine(loadavg()[0] ?? 0),
    params: { ...p, scaled: scaled(p) },
    throughput: [],
  };
  print(formatParams(results));
  const orgs = [
    ...p.sizes.flatMap((n) => Object.values(throughputOrgs(n))),
    ...WHATIFS.map((w) => w.org),
    NOOP_ORG,
    ...Object.values(ROLLBACK_ORGS),
  ].map((name) => benchOrg(name, p));
  const emu = await startBenchEmulator({ orgs: [...orgs, ...operatorOrgs(p)] });
  try {
    await runSections(emu, only, results);
  } finally {
    await emu.close();
  }
  results.durationMs = Math.round(performance.now() - started);
  results.machine.loadAverage.end = loadavg()[0] ?? 0;
  print([
    "",
    "summary:",
    ...verdicts(results),
    `total bench time ${(results.durationMs / 1000).toFixed(1)} s`,
  ]);
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const full = only.size === SECTIONS.length;
  const json = `${JSON.stringify(results, null, 2)}\n`;
  if (full) {
    writeFileSync(`${ROOT}bench/results/latest.json`, json);
    writeFileSync(`${ROOT}docs/benchmarks.md`, renderMarkdown(results));
    print(["wrote bench/results/latest.json and docs/benchmarks.md"]);
  } else {
    writeFileSync(`${ROOT}bench/results/partial.tmp.json`, json);
    print(["partial run: wrote bench/results/partial.tmp.json (latest.json is only written by a full run)"]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
