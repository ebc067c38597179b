import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { CRD_FILE } from "../src/api/crd.js";
import { GROUP, NAMES, VERSION } from "../src/api/ivr-promotion.js";
import type { OrgSeed } from "../src/emulator/index.js";
import { makeRepo, type TestRepo } from "../test/helpers/git-repo.js";
import {
  envtestBinary,
  installCrds,
  startKubeApiServer,
  type KubeApiServer,
} from "../test/helpers/kube-apiserver.js";
import {
  benchOrg,
  callsSince,
  credentialsOf,
  logMark,
  round,
  scaled,
  since,
  stopChild,
  type BenchEmulator,
  type BenchParams,
  type CallSummary,
} from "./harness.js";
import {
  compileOperator,
  countReady,
  logTail,
  promotionManifest,
  spawnOperator,
  teamFiles,
  type OperatorRuntime,
  type RunningOperator,
} from "./operator-fixture.js";
import { sampleProcess, scrapeMetric, type ProcessSample } from "./proc.js";

/**
 * Operator scale (bench 6): the real operator as a child process against a real kube-apiserver,
 * reconciling `operatorObjects` IvrPromotions (one small flow set each, all in one Git repository) into
 * `OPERATOR_ORG_COUNT` emulator orgs at the scaled rate limit. Measures time until every object is
 * Ready, RSS and CPU from /proc/<pid>, and watch reconnects from the operator's /metrics. It runs
 * twice on the same control plane: through tsx (`node --import tsx src/main.ts operator`), and as
 * precompiled JavaScript like the image's `node dist/main.js` (tsx's loader costs memory of its own).
 */

/** Target: operator resident set size below this (MiB). */
export const RSS_TARGET_MIB = 200;
/** Orgs the objects spread over; objects of one org queue behind its per-target lock. */
export const OPERATOR_ORG_COUNT = 10;
/** Objects reconciled in parallel (`--concurrency`; the operator's default is 4). */
export const OPERATOR_CONCURRENCY = 8;
/** One way of running the operator. */
export interface OperatorVariant {
  key: "tsx" | "compiled" | "capped";
  runtime: OperatorRuntime;
  /** Node flags before the entry point. */
  nodeArgs: string[];
  label: string;
}

/**
 * The variants measured, in order: as the image runs it (its NODE_OPTIONS caps V8's old space: V8 grows
 * the heap lazily while memory is free, so without a cap RSS says little about what is live), the same
 * JavaScript without the cap, and as developers run it through tsx.
 */
export const IMAGE_NODE_OPTIONS = "--max-old-space-size=128";
export const OPERATOR_VARIANTS: readonly OperatorVariant[] = [
  {
    key: "capped",
    runtime: "compiled",
    nodeArgs: [IMAGE_NODE_OPTIONS],
    label: `as the image runs it: node ${IMAGE_NODE_OPTIONS} dist/main.js (NODE_OPTIONS in the Dockerfile)`,
  },
  { key: "compiled", runtime: "compiled", nodeArgs: [], label: "the same JavaScript without the heap cap" },
  { key: "tsx", runtime: "tsx", nodeArgs: [], label: "node --import tsx src/main.ts operator (development)" },
];
const READY_TIMEOUT_MS = 300_000;
const IDLE_MS = 5_000;
const MIB = 1024 * 1024;
const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One operator run. */
export type OperatorRun =
  | { variant: OperatorVariant; status: "failed"; reason: string }
  | {
      variant: OperatorVariant;
      status: "ok";
      objects: number;
      orgs: number;
      concurrency: number;
      /** Operator spawn → /readyz 200 (module loading, leader election, first list). */
      startupMs: number;
      /** First object created → every object Ready=True for its generation. */
      allReadyMs: number;
      ready: number;
      /** RSS at /readyz with no objects, peak while reconciling, after 5 s idle, and VmHWM (lifetime peak). */
      rss: { beforeMiB: number; peakMiB: number; idleMiB: number; hwmMiB: number; samples: number };
      /** CPU time of the operator process from the first create until all Ready. */
      cpu: { seconds: number; percentOfOneCore: number; msPerObject: number };
      watch: { reconnects: number; relists: number };
      /** V8 heap after the idle period (prom-client default metrics): live data vs what RSS holds. */
      heap: { beforeUsedMiB: number; usedMiB: number; totalMiB: number; externalMiB: number };
      /** Calls the emulator logged for this run's orgs, in all and per object by route. */
      genesysCalls: number;
      callsPerObject: Record<string, number>;
      /** VmHWM below {@link RSS_TARGET_MIB}. */
      rssPass: boolean;
    };

/** Bench 6: every variant, or why it did not run. */
export type OperatorScaleResult =
  { status: "skipped" | "failed"; reason: string } | { status: "ok"; runs: OperatorRun[] };

function orgName(variant: OperatorVariant, i: number): string {
  return `op${variant.key}${String(i + 1).padStart(2, "0")}`;
}

/** The emulator orgs of this bench, for every runtime (add them to the seed). */
export function operatorOrgs(p: BenchParams): OrgSeed[] {
  return OPERATOR_VARIANTS.flatMap((variant) =>
    Array.from({ length: OPERATOR_ORG_COUNT }, (_, i) => benchOrg(orgName(variant, i), p)),
  );
}

/** Why the operator cannot be benchmarked here (a real check), or undefined when it can. */
export async function operatorUnavailable(): Promise<string | undefined> {
  if (!existsSync(join(REPO_ROOT, "src/cli/operator.ts"))) return "src/cli/operator.ts does not exist";
  const { COMMANDS } = await import("../src/cli/registry.js");
  if (!COMMANDS.operator) return "no 'operator' command in src/cli/registry.ts";
  try {
    await COMMANDS.operator();
  } catch (err) {
    return `the operator command does not load: ${String(err).split("\n")[0]}`;
  }
  try {
    envtestBinary("kube-apiserver");
    envtestBinary("etcd");
  } catch {
    return "kube-apiserver/etcd not built (bash test/envtest/build.sh)";
  }
  return undefined;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function perObject(calls: CallSummary, n: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(calls.byRoute)
      .sort((a, b) => b[1] - a[1])
      .map(([route, count]) => [route, round(count / n, 2)]),
  );
}

interface Shared {
  emu: BenchEmulator;
  kube: KubeApiServer;
  repo: TestRepo;
  dir: string;
  p: BenchParams;
}

/** One variant: its own namespace, Secrets, orgs and Lease; the same repository and control plane. */
async function runOne(s: Shared, variant: OperatorVariant): Promise<OperatorRun> {
  const { key, runtime } = variant;
  const namespace = `bench-${key}`;
  const n = s.p.operatorObjects;
  const core = s.kube.kubeConfig.makeApiClient(CoreV1Api);
  const objects = s.kube.kubeConfig.makeApiClient(CustomObjectsApi);
  let entry: string | undefined;
  if (runtime === "compiled") {
    const built = compileOperator(join(s.dir, "compiled"));
    if ("error" in built) return { variant, status: "failed", reason: built.error };
    entry = built.entry;
  }
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const orgs = Array.from({ length: OPERATOR_ORG_COUNT }, (_, i) => orgName(variant, i));
  for (const org of orgs) {
    const creds = credentialsOf(org);
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: `genesys-${org}` },
        stringData: { clientId: creds.id, clientSecret: creds.secret },
      },
    });
  }
  const args = [
    ...["--kubeconfig", s.kube.kubeconfigPath, "--namespaces", namespace, "--http-addr", "127.0.0.1:0"],
    ...["--lease-namespace", namespace, "--lease-name", `bench-${key}`],
    ...["--git-cache-dir", join(s.dir, `git-cache-${key}`), "--concurrency", String(OPERATOR_CONCURRENCY)],
    // The emulator is plain http on loopback and the repository a file:// URL: both off by default.
    ...["--allowed-endpoints=http://127.0.0.1:*", "--allow-local-git=true"],
  ];
  let operator: RunningOperator | undefined;
  const samples: ProcessSample[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const t0 = performance.now();
    operator = await spawnOperator(
      { runtime, entry, nodeArgs: variant.nodeArgs },
      args,
      join(s.dir, `operator-${key}.log`),
    );
    const running = operator;
    await waitFor("operator /readyz", 120_000, async () => (await fetch(`${running.url}/readyz`)).ok);
    const startupMs = since(t0);
    const pid = running.child.pid ?? 0;
    timer = setInterval(() => {
      const sample = sampleProcess(pid);
      if (sample) samples.push(sample);
    }, 250);
    const mark = await logMark(s.emu.admin);
    const before = sampleProcess(pid);
    const metricsBefore = await (await fetch(`${running.url}/metrics`)).text();
    const perMinute = Math.min(6000, Math.round(scaled(s.p).ratePerSecond * 60));
    const t1 = performance.now();
    for (let i = 0; i < n; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, n - i) }, (_, j) =>
          objects.createNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace,
            plural: NAMES.plural,
            body: promotionManifest(i + j, {
              namespace,
              repoUrl: s.repo.url,
              endpoint: s.emu.url,
              secret: `genesys-${orgs[(i + j) % OPERATOR_ORG_COUNT]}`,
              perMinute,
            }),
          }),
        ),
      );
    }
    let ready = 0;
    await waitFor(`${n} IvrPromotions Ready`, READY_TIMEOUT_MS, async () => {
      ready = await countReady(objects, namespace);
      return ready >= n;
    }).catch((err: unknown) => {
      throw new Error(`${String(err)} (${ready}/${n} Ready)\n${logTail(running.logFile)}`);
    });
    const allReadyMs = since(t1);
    const after = sampleProcess(pid);
    await new Promise((r) => setTimeout(r, IDLE_MS)); // what the operator keeps once there is nothing to do
    const idle = sampleProcess(pid);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    const calls = await callsSince(s.emu.admin, orgs, mark);
    const cpuSeconds = before && after ? after.cpuSeconds - before.cpuSeconds : Number.NaN;
    const hwm = idle?.hwmMiB ?? Number.NaN;
    return {
      variant,
      status: "ok",
      objects: n,
      orgs: OPERATOR_ORG_COUNT,
      concurrency: OPERATOR_CONCURRENCY,
      startupMs,
      allReadyMs,
      ready,
      rss: {
        beforeMiB: round(before?.rssMiB ?? Number.NaN),
        peakMiB: round(Math.max(...samples.map((x) => x.rssMiB))),
        idleMiB: round(idle?.rssMiB ?? Number.NaN),
        hwmMiB: round(hwm),
        samples: samples.length,
      },
      cpu: {
        seconds: round(cpuSeconds, 2),
        percentOfOneCore: round((cpuSeconds / (allReadyMs / 1000)) * 100),
        msPerObject: round((cpuSeconds * 1000) / n),
      },
      watch: {
        reconnects: scrapeMetric(metrics, "ivr_promoter_watch_reconnects_total"),
        relists: scrapeMetric(metrics, "ivr_promoter_watch_relists_total"),
      },
      heap: {
        // Default metrics carry the operator's prefix (src/metrics.ts).
        beforeUsedMiB: round(scrapeMetric(metricsBefore, "ivr_promoter_nodejs_heap_size_used_bytes") / MIB),
        usedMiB: round(scrapeMetric(metrics, "ivr_promoter_nodejs_heap_size_used_bytes") / MIB),
        totalMiB: round(scrapeMetric(metrics, "ivr_promoter_nodejs_heap_size_total_bytes") / MIB),
        externalMiB: round(scrapeMetric(metrics, "ivr_promoter_nodejs_external_memory_bytes") / MIB),
      },
      genesysCalls: calls.total,
      callsPerObject: perObject(calls, n),
      rssPass: hwm < RSS_TARGET_MIB,
    };
  } catch (err) {
    return { variant, status: "failed", reason: err instanceof Error ? err.message : String(err) };
  } finally {
    if (timer) clearInterval(timer);
    if (operator) await stopChild(operator.child);
  }
}

/** Runs bench 6 for every variant; never throws (failures are reported with their reason). */
export async function runOperatorScale(emu: BenchEmulator, p: BenchParams): Promise<OperatorScaleResult> {
  const missing = await operatorUnavailable();
  if (missing) return { status: "skipped", reason: `operator not available: ${missing}` };
  const dir = mkdtempSync(join(tmpdir(), "ivr-bench-op-"));
  let kube: KubeApiServer | undefined;
  let repo: TestRepo | undefined;
  try {
    kube = await startKubeApiServer({ startTimeoutMs: 180_000 });
    await installCrds(kube.kubeConfig, [join(REPO_ROOT, CRD_FILE)]);
    repo = await makeRepo(
      Object.assign({}, ...Array.from({ length: p.operatorObjects }, (_, i) => teamFiles(i))),
    );
    const runs: OperatorRun[] = [];
    for (const variant of OPERATOR_VARIANTS) runs.push(await runOne({ emu, kube, repo, dir, p }, variant));
    return { status: "ok", runs };
  } catch (err) {
    return { status: "failed", reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await kube?.stop();
    await repo?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
