import type { ApplyEvent } from "../src/engine/apply.js";
import { promote, type PromotionOutcome } from "../src/engine/promote.js";
import { bucketParameters, DEFAULT_RATE_LIMIT } from "../src/genesys/index.js";
import { dependencyOrder, generateDag, type GeneratedDag } from "./dag.js";
import {
  benchClient,
  benchRequest,
  CallCounter,
  callsSince,
  credentialsOf,
  logMark,
  orgFlows,
  round,
  scaled,
  since,
  type BenchEmulator,
  type BenchParams,
  type CallSummary,
} from "./harness.js";

/**
 * Promotion throughput (bench 1), the one-at-a-time baseline (bench 2) and calls per flow (bench 5):
 * a fresh org per run, the whole promotion timed (token, listing, preflight, apply, read-back).
 */

/** Target: wall time at most this multiple of the lower bound. */
export const THROUGHPUT_TARGET = 1.15;

/** One measured promotion of N flows. */
export interface ThroughputRun {
  flows: number;
  /** The engine's imports in flight at once. */
  concurrency: number;
  levels: number;
  perLevel: number[];
  edges: number;
  wallMs: number;
  calls: CallSummary;
  /** Client-side view: attempts, 429s seen, limiter waits. */
  client: { attempts: number; rateLimited: number; limiterWaits: number; limiterWaitMs: number };
  /** Lower bound: max(api calls / R, levels × L). */
  bound: { rateMs: number; criticalPathMs: number; ms: number; limitedBy: "rate" | "critical path" };
  ratio: number;
  pass: boolean;
  /** Every flow published at the end, and the promotion resolved. */
  succeeded: boolean;
  /** Where the time goes: the limiter's own floor and import latencies. */
  analysis: {
    /** Sustained rate the client limiter allows (requests/s) vs the server's R. */
    clientRatePerSecond: number;
    /** The client limiter alone needs at least this long for these API calls (burst, then refill). */
    limiterFloorMs: number;
    limiterFloorRatio: number;
    /** Import job polls per flow. */
    pollsPerFlow: number;
    /** Mean and max time of one import (register → Success), ms. */
    importMeanMs: number;
    importMaxMs: number;
    /** Time before the first import started (token, listing, preflight), ms. */
    beforeApplyMs: number;
    /** Time from the last import's end to the end of the promotion (read-back listing), ms. */
    afterApplyMs: number;
  };
}

/** The sequential baseline for the same N. */
export interface SequentialRun {
  flows: number;
  wallMs: number;
  calls: CallSummary;
  succeeded: boolean;
}

/** Both runs for one N and their ratio. */
export interface ThroughputResult {
  ours: ThroughputRun;
  sequential: SequentialRun;
  /** ours.wallMs / sequential.wallMs (below 1 = faster). */
  oursOverSequential: number;
  speedup: number;
  /** Calls per promoted flow by route (ours). */
  callsPerFlow: Record<string, number>;
}

/** Promotes an N-flow DAG into the fresh org `org` and measures it against the lower bound. */
export async function measurePromotion(
  emu: BenchEmulator,
  org: string,
  dag: GeneratedDag,
  p: BenchParams,
  opts: { safetyMargin?: number; poll?: { initial: number; max: number } } = {},
): Promise<{ run: ThroughputRun; outcome: PromotionOutcome }> {
  const s = scaled(p);
  const counter = new CallCounter();
  const client = benchClient(emu.url, credentialsOf(org), p, {
    observer: counter,
    safetyMargin: opts.safetyMargin,
    poll: opts.poll,
  });
  const started = new Map<string, number>();
  const took: number[] = [];
  let firstStart = Number.POSITIVE_INFINITY;
  let lastEnd = 0;
  const onEvent = (e: ApplyEvent): void => {
    const now = performance.now();
    if (e.type === "started") {
      started.set(e.key, now);
      firstStart = Math.min(firstStart, now);
    } else if (e.type === "imported") {
      took.push(now - (started.get(e.key) ?? now));
      lastEnd = Math.max(lastEnd, now);
    }
  };
  const mark = await logMark(emu.admin);
  const t0 = performance.now();
  const outcome = await promote(client, benchRequest(org, dag.desired, [], p, onEvent));
  const wallMs = since(t0);
  const tEnd = performance.now();
  const calls = await callsSince(emu.admin, org, mark);
  const flows = await orgFlows(emu.admin, org);
  const rateMs = (calls.api / s.ratePerSecond) * 1000;
  const criticalPathMs = dag.levels * s.jobDurationMs;
  const boundMs = Math.max(rateMs, criticalPathMs);
  const ratio = wallMs / boundMs;
  const bucket = bucketParameters({ ...DEFAULT_RATE_LIMIT, ...s.rateLimit, ...definedMargin(opts) });
  const limiterFloorMs = Math.max(0, calls.api - bucket.capacity) / bucket.refillPerMs;
  const n = dag.desired.length;
  return {
    outcome,
    run: {
      flows: n,
      concurrency: p.concurrency,
      levels: dag.levels,
      perLevel: dag.perLevel,
      edges: dag.edges,
      wallMs,
      calls,
      client: {
        attempts: counter.attempts,
        rateLimited: counter.rateLimitedCount,
        limiterWaits: counter.limiterWaits,
        limiterWaitMs: Math.round(counter.limiterWaitMs),
      },
      bound: {
        rateMs: round(rateMs),
        criticalPathMs,
        ms: round(boundMs),
        limitedBy: rateMs >= criticalPathMs ? "rate" : "critical path",
      },
      ratio: round(ratio, 3),
      pass: ratio <= THROUGHPUT_TARGET,
      succeeded: outcome.applied.written.length === n && flows.published === n,
      analysis: {
        clientRatePerSecond: round(bucket.refillPerMs * 1000, 2),
        limiterFloorMs: round(limiterFloorMs),
        limiterFloorRatio: round(limiterFloorMs / boundMs, 3),
        pollsPerFlow: round((calls.byRoute["GET /api/v2/flows/jobs/{jobId}"] ?? 0) / n, 2),
        importMeanMs: round(took.reduce((a, b) => a + b, 0) / Math.max(1, took.length)),
        importMaxMs: round(Math.max(0, ...took)),
        beforeApplyMs: round(firstStart - t0),
        afterApplyMs: round(tEnd - lastEnd),
      },
    },
  };
}

function definedMargin(opts: { safetyMargin?: number }): { safetyMargin?: number } {
  return opts.safetyMargin === undefined ? {} : { safetyMargin: opts.safetyMargin };
}

/** Imports the DAG one flow at a time in dependency order with the same client (what Terraform does). */
export async function measureSequential(
  emu: BenchEmulator,
  org: string,
  dag: GeneratedDag,
  p: BenchParams,
): Promise<SequentialRun> {
  const client = benchClient(emu.url, credentialsOf(org), p);
  const mark = await logMark(emu.admin);
  const t0 = performance.now();
  for (const flow of dependencyOrder(dag.desired)) await client.importFlow(flow.yaml);
  const wallMs = since(t0);
  const calls = await callsSince(emu.admin, org, mark);
  const flows = await orgFlows(emu.admin, org);
  return { flows: dag.desired.length, wallMs, calls, succeeded: flows.published === dag.desired.length };
}

/** Org names the throughput bench uses for size `n` (the seed must contain them). */
export function throughputOrgs(n: number): { ours: string; sequential: string } {
  return { ours: `tp${n}`, sequential: `seq${n}` };
}

/** Bench 1 + 2 + 5 for one size. */
export async function runThroughput(
  emu: BenchEmulator,
  n: number,
  p: BenchParams,
): Promise<ThroughputResult> {
  const dag = generateDag(n);
  const orgs = throughputOrgs(n);
  const { run: ours } = await measurePromotion(emu, orgs.ours, dag, p);
  const sequential = await measureSequential(emu, orgs.sequential, dag, p);
  const callsPerFlow = Object.fromEntries(
    Object.entries(ours.calls.byRoute)
      .sort((a, b) => b[1] - a[1])
      .map(([route, count]) => [route, round(count / n, 3)]),
  );
  return {
    ours,
    sequential,
    oursOverSequential: round(ours.wallMs / sequential.wallMs, 3),
    speedup: round(sequential.wallMs / ours.wallMs, 2),
    callsPerFlow,
  };
}

/** The what-ifs run after the throughput bench: engine concurrency, with the first poll after L/2. */
export const WHATIFS = [4, 8].map((concurrency, i) => ({ org: `whatif${i + 1}`, concurrency }));

/** One polling what-if: the same promotion with the first job poll after half the assumed job time. */
export interface PollWhatIf {
  /** Polling in real-world ms (scaled like everything else). */
  pollRealMs: { initial: number; max: number };
  concurrency: number;
  run: ThroughputRun;
}

/**
 * Not the product's behaviour: measures what the default polling (first poll after 50 ms, doubling
 * to 2 s) costs under a rate limit, by running the same N-flow promotion with the first poll after
 * half the assumed job duration, at the default concurrency and at a higher one (fewer calls per
 * flow leave rate for more imports in flight).
 */
export async function runPollWhatIfs(emu: BenchEmulator, n: number, p: BenchParams): Promise<PollWhatIf[]> {
  const pollRealMs = { initial: p.real.jobDurationMs / 2, max: p.real.pollMaxMs };
  const poll = { initial: pollRealMs.initial / p.timeScale, max: pollRealMs.max / p.timeScale };
  const out: PollWhatIf[] = [];
  for (const w of WHATIFS) {
    const { run } = await measurePromotion(
      emu,
      w.org,
      generateDag(n),
      { ...p, concurrency: w.concurrency },
      { poll },
    );
    out.push({ pollRealMs, concurrency: w.concurrency, run });
  }
  return out;
}
