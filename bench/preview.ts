import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { loadEnvConfig } from "../src/config.js";
import { diffCommand } from "../src/cli/diff.js";
import { silentLogger } from "../src/logger.js";
import { makeRepo } from "../test/helpers/git-repo.js";

/**
 * Preview bench: `ivr-promoter diff` of a 200-flow repository in which 20 flows changed (a choice added,
 * a queue changed, a greeting reworded), every environment (dev, prod), in each output format. The
 * flows are the examples' real-sized flows (voice menus with tasks, in-queue, bot, messaging, module,
 * workflow), copied under numbered names. Measured in-process, from reading Git to the printed report.
 */

const EXAMPLES = fileURLToPath(new URL("../examples", import.meta.url));

/** Outcome of the preview bench. */
export interface PreviewBenchResult {
  flows: number;
  changed: number;
  environments: number;
  /** Wall time per output format (median of `runs`). */
  wallMs: Record<"text" | "markdown" | "json", number>;
  runs: number;
  /** CPU time (user + system) of the markdown run, median: what the machine's load does not inflate. */
  cpuMs: number;
  /** 1-minute load average when the bench started (the machine is shared). */
  loadAverage: number;
  markdownChars: number;
  /** Flow changes reported (per environment and flow). */
  reported: number;
}

/** Target: a few seconds for the whole diff. */
export const PREVIEW_TARGET_MS = 5_000;

export async function exampleTree(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith(".yaml")) out[relative(EXAMPLES, p)] = await readFile(p, "utf8");
    }
  };
  await walk(EXAMPLES);
  return out;
}

/** 200 flows: each example flow copied under numbered names (references between copies kept by number). */
export function scaledFiles(examples: Record<string, string>, n: number): Record<string, string> {
  const flows = Object.entries(examples).filter(([p]) => p.startsWith("flows/"));
  const names = flows.map(([, t]) => /^ {2}name: (.+)$/m.exec(t)?.[1]?.trim() ?? "");
  const files: Record<string, string> = {
    "environments/dev.yaml": examples["environments/dev.yaml"]!,
    "environments/prod.yaml": examples["environments/prod.yaml"]!,
  };
  for (let i = 0; i < n; i++) {
    const copy = Math.floor(i / flows.length);
    const [path, text] = flows[i % flows.length]!;
    // Every name of the example set gets this copy's number, so copy k's menu calls copy k's module.
    let renamed = text;
    for (const name of names) renamed = renamed.split(name).join(`${name} ${String(copy).padStart(3, "0")}`);
    files[path.replace(/\.yaml$/, `-${String(copy).padStart(3, "0")}.yaml`)] = renamed;
  }
  return files;
}

/** Changes 20 of the flows: greetings reworded in voice flows, a queue swapped, descriptions edited. */
function changeSome(files: Record<string, string>, count: number): Record<string, string> {
  const changed: Record<string, string> = {};
  const candidates = Object.keys(files).filter((p) => p.startsWith("flows/voice/"));
  for (const path of candidates.slice(0, count)) {
    const text = files[path]!;
    changed[path] = text
      .replace(/tts: (For technical support|You have reached|Please hold)/, "tts: Thank you for calling. $1")
      .replace("{{sales_queue}}", "{{support_queue}}")
      .replace(/^( {2}description: )(.*)$/m, "$1$2 (revised)");
  }
  return changed;
}

async function runDiff(
  dir: string,
  state: string,
  output: string,
): Promise<{ ms: number; cpuMs: number; out: string; code: number }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  const ctx = {
    env: loadEnvConfig({ PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp" }),
    logger: silentLogger(),
    stdout,
    stderr: new PassThrough(),
    signal: new AbortController().signal,
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const code = await diffCommand.run(
    ["--dir", dir, "--base", "main", "--head", "change", "--output", output, "--state-dir", state],
    ctx,
  );
  const cpu = process.cpuUsage(c0);
  return {
    ms: performance.now() - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    out: Buffer.concat(chunks).toString(),
    code,
  };
}

/** Runs the preview bench (`runs` times per format; the first run also fills the snapshot cache). */
export async function runPreviewBench(flows = 200, changed = 20, runs = 3): Promise<PreviewBenchResult> {
  const files = scaledFiles(await exampleTree(), flows);
  const repo = await makeRepo(files);
  const state = await mkdtemp(join(tmpdir(), "ivr-bench-preview-"));
  try {
    await repo.branch("change");
    await repo.commit(changeSome(files, changed), "change 20 flows");
    await repo.switchTo("main");
    await runDiff(repo.dir, state, "json"); // warm-up: Git snapshots in the cache, modules loaded
    const wallMs = { text: 0, markdown: 0, json: 0 };
    let markdownChars = 0;
    const cpus: number[] = [];
    const loadAverage = loadavg()[0] ?? 0;
    let reported = 0;
    for (const output of ["text", "markdown", "json"] as const) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await runDiff(repo.dir, state, output);
        if (r.code !== 1) throw new Error(`diff exited ${r.code}`);
        times.push(r.ms);
        if (output === "markdown") {
          markdownChars = r.out.length;
          cpus.push(r.cpuMs);
        }
        if (output === "json") {
          const report = JSON.parse(r.out) as { environments: Array<{ flows: Array<{ status: string }> }> };
          reported = report.environments.reduce(
            (n, e) => n + e.flows.filter((f) => f.status !== "unchanged").length,
            0,
          );
        }
      }
      wallMs[output] = Math.round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!);
    }
    const cpuMs = Math.round(cpus.sort((a, b) => a - b)[Math.floor(cpus.length / 2)] ?? 0);
    return { flows, changed, environments: 2, wallMs, runs, cpuMs, loadAverage, markdownChars, reported };
  } finally {
    await repo.cleanup();
    await rm(state, { recursive: true, force: true });
  }
}

/** Console lines. */
export function formatPreview(r: PreviewBenchResult): string[] {
  return [
    "",
    `preview: diff of ${r.flows} flows, ${r.changed} changed, ${r.environments} environments: text ${r.wallMs.text} ms, markdown ${r.wallMs.markdown} ms, json ${r.wallMs.json} ms (median of ${r.runs}; markdown CPU ${r.cpuMs} ms; load average ${r.loadAverage.toFixed(2)}); ${r.reported} flow changes reported; markdown ${r.markdownChars} chars`,
  ];
}

/** The docs/benchmarks.md section. */
export function previewMarkdown(r: PreviewBenchResult | undefined): string[] {
  const out = ["", "### Pull-request preview", ""];
  if (!r) return [...out, "not run"];
  const worst = Math.max(r.wallMs.text, r.wallMs.markdown, r.wallMs.json);
  const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  return [
    ...out,
    "| Flows | Changed | Environments | Wall: text | markdown | json | CPU (markdown) | Flow changes reported | Markdown size | Target (wall) |",
    "|---|---|---|---|---|---|---|---|---|---|",
    `| ${r.flows} | ${r.changed} | ${r.environments} | ${sec(r.wallMs.text)} | ${sec(r.wallMs.markdown)} | ${sec(r.wallMs.json)} | ${sec(r.cpuMs)} | ${r.reported} | ${r.markdownChars} chars | < ${sec(PREVIEW_TARGET_MS)} ${worst < PREVIEW_TARGET_MS ? "PASS" : "MISS"} |`,
    "",
    `1-minute load average ${r.loadAverage.toFixed(2)} at the start of this section (2 cores shared with other work inflate wall times; CPU time is the steadier figure).`,
    "",
    "`ivr-promoter diff --base main --head change` in-process (median of " +
      `${r.runs} runs after a warm-up that fills the Git snapshot cache): both revisions read through the`,
    "Git source, every flow rendered for every environment at base and head (a text the same at both is parsed once), compared, each changed flow's semantic summary,",
    "unified diff and Mermaid flowchart built, and the report printed. The flows are the examples' real-sized flows copied under",
    "numbered names; the 20 changed ones are voice flows with a reworded prompt, a swapped queue and an edited description.",
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runPreviewBench();
  process.stdout.write(`${formatPreview(r).join("\n")}\n${previewMarkdown(r).join("\n")}\n`);
}
