import { promote } from "../src/engine/promote.js";
import { generateDag } from "./dag.js";
import {
  benchClient,
  benchRequest,
  callsSince,
  credentialsOf,
  logMark,
  restoreOrg,
  round,
  since,
  speedUpOrg,
  type BenchEmulator,
  type BenchParams,
  type CallSummary,
} from "./harness.js";

/**
 * No-op reconcile (bench 3): an org whose N flows are exactly what we applied last time. The second
 * promotion must cost one paged listing and write nothing. Measured like a controller's steady state:
 * the client already holds a token (a cold CLI run adds one POST /oauth/token, reported apart).
 */

/** The org the no-op bench uses (the seed must contain it). */
export const NOOP_ORG = "noop";

/** Outcome of bench 3. */
export interface NoopResult {
  flows: number;
  /** Calls of the first measured no-op run. */
  calls: CallSummary;
  /** Listing pages read (GET /api/v2/flows). */
  listingPages: number;
  /** Calls that were not the listing, and writes of any kind (should both be 0). */
  otherCalls: number;
  writes: number;
  /** Plan of the no-op run. */
  plan: { unchanged: number; writes: number };
  /** Wall time of each run, and their median. */
  runsMs: number[];
  medianMs: number;
  pass: boolean;
  /** Unmeasured setup: promoting the N flows the first time with the limits lifted. */
  setupMs: number;
}

const RUNS = 5;

/** Runs bench 3 on `n` flows. */
export async function runNoop(emu: BenchEmulator, n: number, p: BenchParams): Promise<NoopResult> {
  const dag = generateDag(n);
  await speedUpOrg(emu.admin, NOOP_ORG);
  const t0 = performance.now();
  const setupClient = benchClient(emu.url, credentialsOf(NOOP_ORG), p, { fast: true });
  const first = await promote(setupClient, {
    ...benchRequest(NOOP_ORG, dag.desired, [], p),
    concurrency: 16,
  });
  const setupMs = since(t0);
  await restoreOrg(emu.admin, NOOP_ORG);
  if (first.inventory.length !== n)
    throw new Error(`noop bench: setup applied ${first.inventory.length}/${n}`);

  const client = benchClient(emu.url, credentialsOf(NOOP_ORG), p);
  await client.organization(); // holds a token now, like a running controller
  const runsMs: number[] = [];
  let calls: CallSummary | undefined;
  let plan = { unchanged: 0, writes: 0 };
  for (let i = 0; i < RUNS; i++) {
    const mark = await logMark(emu.admin);
    const t1 = performance.now();
    const outcome = await promote(client, benchRequest(NOOP_ORG, dag.desired, first.inventory, p));
    runsMs.push(since(t1));
    if (i === 0) {
      calls = await callsSince(emu.admin, NOOP_ORG, mark);
      const s = outcome.plan.summary;
      plan = { unchanged: s.unchanged, writes: s.create + s.update + s.drifted + s.prune };
    }
  }
  if (!calls) throw new Error("noop bench: no run");
  const listingPages = calls.byRoute["GET /api/v2/flows"] ?? 0;
  const otherCalls = calls.total - listingPages;
  const writes = Object.entries(calls.byRoute)
    .filter(([route]) => !route.startsWith("GET "))
    .reduce((sum, [, count]) => sum + count, 0);
  const medianMs = round([...runsMs].sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0);
  return {
    flows: n,
    calls,
    listingPages,
    otherCalls,
    writes,
    plan,
    runsMs,
    medianMs,
    pass: otherCalls === 0 && writes === 0 && listingPages >= 1 && plan.writes === 0,
    setupMs,
  };
}
