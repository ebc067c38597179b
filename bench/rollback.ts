import type { ApplyEvent } from "../src/engine/apply.js";
import type { InventoryEntry } from "../src/engine/model.js";
import { promote } from "../src/engine/promote.js";
import { ApplyFailedError } from "../src/engine/errors.js";
import { generateDag, type GeneratedDag } from "./dag.js";
import {
  benchClient,
  benchRequest,
  credentialsOf,
  orgFlows,
  restoreOrg,
  round,
  since,
  speedUpOrg,
  summarize,
  type BenchEmulator,
  type BenchParams,
  type CallSummary,
} from "./harness.js";

/**
 * Rollback cost (bench 4): the import of the flow applied last (a top-level number) fails, with
 * every other flow of a 200-flow promotion already written. Two cases:
 * - "create": a fresh org; rolling back deletes every flow the run created;
 * - "update": the org has revision r1 of every flow (applied by us); r2 fails at the last flow and
 *   rolling back re-publishes each flow's previous version.
 * Measured from the failed import to the promotion's ApplyFailedError, at the scaled rate limit.
 */

/** Orgs of the rollback bench (the seed must contain them). */
export const ROLLBACK_ORGS = { create: "rbcreate", update: "rbupdate" } as const;

/** One rollback case. */
export interface RollbackCase {
  case: "create" | "update";
  flows: number;
  failedFlow: string;
  /** Flows written before the failure (and so to restore). */
  written: number;
  /** Failure event → ApplyFailedError thrown: waiting for imports in flight, then the restore. */
  restoreMs: number;
  /** Failure event → first flow restored (the imports still in flight settle first). */
  settleMs: number;
  /** Wall time of the whole failed promotion. */
  promotionMs: number;
  /** Calls logged from the failure on, by route (includes the settling imports' polls). */
  callsAfterFailure: CallSummary;
  /** Calls of the restore itself (GET flow, DELETE flow, publish). */
  restoreCalls: number;
  restored: number;
  rollbackErrors: number;
  /** The error was ApplyFailedError with rolledBack = everything written, and the org is as before. */
  orgRestored: boolean;
  errorCode: string;
}

/** Both cases of bench 4. */
export interface RollbackResult {
  create: RollbackCase;
  update: RollbackCase;
}

const RESTORE_ROUTES = [
  "GET /api/v2/flows/{flowId}",
  "DELETE /api/v2/flows/{flowId}",
  "POST /api/v2/flows/actions/publish",
];

async function failingPromotion(
  emu: BenchEmulator,
  org: string,
  dag: GeneratedDag,
  inventory: InventoryEntry[],
  p: BenchParams,
): Promise<Omit<RollbackCase, "case" | "orgRestored">> {
  await emu.admin.patchFaults(org, { failJobsForFlows: [dag.lastFlow.name] });
  const client = benchClient(emu.url, credentialsOf(org), p);
  let failedAt = 0;
  let failedWall = 0;
  let firstRestore = 0;
  let written = 0;
  const onEvent = (e: ApplyEvent): void => {
    if (e.type === "imported") written += 1;
    if (e.type === "failed" && failedAt === 0) {
      failedAt = performance.now();
      failedWall = Date.now();
    }
    if (e.type === "rolled-back" && firstRestore === 0) firstRestore = performance.now();
  };
  const t0 = performance.now();
  let error: unknown;
  try {
    await promote(client, benchRequest(org, dag.desired, inventory, p, onEvent));
  } catch (err) {
    error = err;
  }
  const promotionMs = since(t0);
  const restoreMs = failedAt ? since(failedAt) : Number.NaN;
  await emu.admin.patchFaults(org, { failJobsForFlows: [] });
  if (!(error instanceof ApplyFailedError))
    throw new Error(`rollback bench: expected ApplyFailedError, got ${String(error)}`);
  // Entries logged at or after the failure (same machine clock for both processes).
  const after = (await emu.admin.requests()).filter((e) => Date.parse(e.time) >= failedWall);
  const callsAfterFailure = summarize(after, org);
  const restoreCalls = RESTORE_ROUTES.reduce((sum, r) => sum + (callsAfterFailure.byRoute[r] ?? 0), 0);
  return {
    flows: dag.desired.length,
    failedFlow: dag.lastFlow.name,
    written,
    restoreMs,
    settleMs: firstRestore && failedAt ? round(firstRestore - failedAt) : Number.NaN,
    promotionMs,
    callsAfterFailure,
    restoreCalls,
    restored: error.rolledBack.length,
    rollbackErrors: error.rollbackErrors.length,
    errorCode: error.code,
  };
}

/** Case "create": a fresh org, every created flow must be gone afterwards. */
async function createCase(emu: BenchEmulator, n: number, p: BenchParams): Promise<RollbackCase> {
  const org = ROLLBACK_ORGS.create;
  const dag = generateDag(n);
  const run = await failingPromotion(emu, org, dag, [], p);
  const flows = await orgFlows(emu.admin, org);
  return { case: "create", ...run, orgRestored: flows.live === 0 && run.restored === run.written };
}

/** Case "update": r1 applied (unmeasured, limits lifted), then r2 fails; every flow must be back on r1. */
async function updateCase(emu: BenchEmulator, n: number, p: BenchParams): Promise<RollbackCase> {
  const org = ROLLBACK_ORGS.update;
  const r1 = generateDag(n, "r1");
  await speedUpOrg(emu.admin, org);
  const setup = benchClient(emu.url, credentialsOf(org), p, { fast: true });
  const first = await promote(setup, { ...benchRequest(org, r1.desired, [], p), concurrency: 16 });
  await restoreOrg(emu.admin, org);
  const before = await orgFlows(emu.admin, org);
  const run = await failingPromotion(emu, org, generateDag(n, "r2"), first.inventory, p);
  const after = await orgFlows(emu.admin, org);
  const same =
    after.live === before.live &&
    [...before.byName].every(([name, version]) => after.byName.get(name) === version);
  return { case: "update", ...run, orgRestored: same && run.restored === run.written };
}

/** Runs bench 4 on `n` flows. */
export async function runRollback(emu: BenchEmulator, n: number, p: BenchParams): Promise<RollbackResult> {
  return { create: await createCase(emu, n, p), update: await updateCase(emu, n, p) };
}
