import { setTimeout as delay } from "node:timers/promises";
import { PromoterError, reasonOf } from "../errors.js";
import { takeBackup } from "./backup.js";
import { ApplyFailedError, FencedOutError } from "./errors.js";
import type { Journal, JournalEntry, JournalStore } from "./journal.js";
import { isWrite, type DesiredFlow, type Plan, type PlanAction } from "./model.js";
import type { GenesysPort } from "./port.js";
import { rollBack, type RollbackStrategy } from "./rollback.js";
import { pruneFlows, runScheduled } from "./schedule.js";

/** Progress of an apply, for the CLI's live output, status, Events and metrics. */
export type ApplyEvent =
  | { type: "started"; key: string; kind: PlanAction["kind"] }
  | { type: "imported"; key: string; flowId: string; ms: number; done: number; total: number }
  | { type: "failed"; key: string; error: string }
  | { type: "pruned"; key: string }
  | { type: "backed-up"; keys: string[] }
  | { type: "rolled-back"; key: string; how: "reimported" | "republished" | "deleted" }
  | { type: "verified"; key: string }
  | { type: "recovering"; revision: string; flows: number }
  | { type: "settling"; jobs: number };

/** How to apply. */
export interface ApplyOptions {
  /** Imports in flight at once; the shared rate limiter still bounds the request rate. */
  concurrency: number;
  /** Unlock flows held by someone else before importing (preflight has already allowed it). */
  forceUnlock?: ReadonlySet<string>;
  journal: JournalStore;
  /** The run's deadline: when it aborts, nothing new starts and the run is rolled back. */
  signal?: AbortSignal;
  /**
   * Aborts when this process loses the right to write (leadership lost, shutting down): nothing more is
   * written, not even a rollback; the journal stays for whoever writes next (FencedOutError).
   */
  ownership?: AbortSignal;
  /** Pre-run content of flows, by key, known to be what the org publishes (rendered from the inventory's revision). */
  previous?: ReadonlyMap<string, string>;
  rollbackStrategy?: RollbackStrategy;
  onEvent?: (event: ApplyEvent) => void;
  now?: () => Date;
  /**
   * How long one import may keep waiting out 429s beyond the client's own retries (default 10 min).
   * A 429 means nothing was done, so waiting is always safe, and failing would roll back the group.
   */
  rateLimitPatienceMs?: number;
  /**
   * Keep the journal and backup after success, marked completed (verification after promotion rolls
   * the release back from them if it fails; see engine/verify/rollback.ts).
   */
  retainJournal?: boolean;
}

/** What an apply did: the flows written, with their ids. */
export interface ApplyResult {
  written: Array<{ key: string; flowId: string }>;
  pruned: string[];
}

/**
 * Applies a plan: backs up the pre-run content, then imports each flow as soon as the flows it depends on
 * are done, at most `concurrency` at a time. Every write passes the journal's fence first. If one import
 * fails (or the deadline passes), nothing new starts; the jobs in flight are settled and every flow this
 * run changed is restored (pre-run content re-imported, created flows deleted), then ApplyFailedError is
 * thrown. Prunes run last, only after every import succeeded, because a delete cannot be undone.
 */
export async function applyPlan(
  plan: Plan,
  desired: ReadonlyMap<string, DesiredFlow>,
  client: GenesysPort,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const result: ApplyResult = { written: [], pruned: [] };
  if (!plan.actions.some(isWrite)) return result;
  const emit = options.onEvent ?? (() => undefined);
  const store = options.journal;
  // Stops in-flight polling the moment this process may no longer write; the jobs themselves run on.
  const halt = new AbortController();
  const stop = (): void =>
    halt.abort(new FencedOutError(String(options.ownership?.reason ?? "lost ownership")));
  options.ownership?.addEventListener("abort", stop, { once: true });
  const signal = AbortSignal.any([halt.signal, ...(options.signal ? [options.signal] : [])]);
  const ownershipLost = (err: unknown): boolean => err instanceof FencedOutError || halt.signal.aborted;
  try {
    await store.fence();
    const imports = plan.actions.filter((a) => isWrite(a) && a.kind !== "prune");
    const backup = await takeBackup(imports, options.previous, client, signal);
    const journal: Journal = {
      planHash: plan.hash,
      revision: plan.revision,
      target: plan.target,
      startedAt: (options.now?.() ?? new Date()).toISOString(),
      backedUp: Object.keys(backup).sort(),
      entries: [],
    };
    await store.writeBackup(backup);
    await store.write(journal);
    emit({ type: "backed-up", keys: journal.backedUp });

    // Journal writes are serialised so two finishing imports never interleave a read-modify-write.
    let chain: Promise<void> = Promise.resolve();
    const record = (change: () => void): Promise<void> => {
      chain = chain.then(() => {
        change();
        return store.write(journal);
      });
      return chain;
    };
    let failure: { key: string; error: unknown } | undefined;
    const importOne = async (action: PlanAction): Promise<void> => {
      const flow = desired.get(action.key);
      if (!flow) throw new Error(`plan action ${action.key} has no rendered flow`);
      const entry = journalEntry(action);
      // Stubs the import may create are journaled first, as creations, so a rollback deletes them too.
      const stubs: JournalEntry[] = action.stubs.map((key) => {
        const [type = "", ...rest] = key.split("/");
        return { key, type, name: rest.join("/"), kind: "create", before: {}, state: "started" };
      });
      await record(() => journal.entries.push(...stubs, entry));
      emit({ type: "started", key: action.key, kind: action.kind });
      const t0 = Date.now();
      if (action.current && options.forceUnlock?.has(action.key)) await client.unlockFlow(action.current.id);
      const { flowId } = await importRidingOut429s(client, flow.yaml, signal, options, {
        createStubs: action.stubs.length > 0,
        onRegistered: (jobId) =>
          record(() => {
            entry.state = "registered";
            entry.jobId = jobId;
          }),
      });
      await record(() => {
        entry.state = "done";
        entry.flowId = flowId;
      });
      result.written.push({ key: action.key, flowId });
      const done = result.written.length;
      emit({ type: "imported", key: action.key, flowId, ms: Date.now() - t0, done, total: imports.length });
    };

    await runScheduled(
      imports,
      options.concurrency,
      importOne,
      (key, error) => {
        if (ownershipLost(error)) return stop();
        failure ??= { key, error };
        emit({ type: "failed", key, error: error instanceof Error ? error.message : String(error) });
      },
      signal,
    );
    await chain.catch(() => undefined);
    if (halt.signal.aborted) throw halt.signal.reason;
    if (!failure && options.signal?.aborted) failure = { key: "(run)", error: options.signal.reason };
    if (failure) await rollBackRun(journal, backup, client, options, halt.signal, failure);

    const prunes = plan.actions.filter((a) => a.kind === "prune");
    result.pruned = await pruneFlows(prunes, client, () => store.fence(), emit);
    if (options.retainJournal) {
      await chain;
      await store.write({ ...journal, completedAt: (options.now?.() ?? new Date()).toISOString() });
    } else await store.clear();
    return result;
  } catch (err) {
    if (ownershipLost(err)) throw halt.signal.reason instanceof FencedOutError ? halt.signal.reason : err;
    throw err;
  } finally {
    options.ownership?.removeEventListener("abort", stop);
  }
}

async function rollBackRun(
  journal: Journal,
  backup: Record<string, string>,
  client: GenesysPort,
  options: ApplyOptions,
  ownership: AbortSignal,
  failure: { key: string; error: unknown },
): Promise<never> {
  // Jobs still running after the settle bound throw JobsInFlightError: the journal stays, and the next
  // run finishes the rollback before anything else.
  const outcome = await rollBack(journal, backup, client, {
    store: options.journal,
    strategy: options.rollbackStrategy,
    emit: options.onEvent,
    ownership,
  });
  // An incomplete rollback keeps its journal: the next run tries again before anything else.
  if (outcome.errors.length === 0) await options.journal.clear();
  const reason = reasonOf(failure.error);
  throw new ApplyFailedError(
    failure.key,
    outcome.restored,
    outcome.errors,
    failure.error,
    reason,
    outcome.versions,
  );
}

function journalEntry(action: PlanAction): JournalEntry {
  const before: JournalEntry["before"] = {
    id: action.current?.id,
    publishedVersion: action.current?.publishedVersion,
  };
  return {
    key: action.key,
    type: action.type,
    name: action.name,
    kind: action.kind as JournalEntry["kind"],
    before,
    state: "started",
  };
}

/**
 * Imports one flow; when the client gives up on a storm of 429s (RateLimitedError, reason Waiting),
 * waits the advertised delay and imports again, within `rateLimitPatienceMs`. Safe because the jobs
 * API creates or updates by (type, name): a repeated import never makes a second flow.
 */
async function importRidingOut429s(
  client: GenesysPort,
  yaml: string,
  signal: AbortSignal,
  options: ApplyOptions,
  opts: { createStubs: boolean; onRegistered: (jobId: string) => Promise<void> },
): Promise<{ flowId: string }> {
  const deadline = Date.now() + (options.rateLimitPatienceMs ?? 600_000);
  for (;;) {
    try {
      return await client.importFlow(yaml, {
        signal,
        onRegistered: opts.onRegistered,
        ...(opts.createStubs ? { createStubs: true } : {}),
      });
    } catch (err) {
      const wait =
        err instanceof PromoterError && err.code === "GenesysRateLimited" ? (err.retryAfterMs ?? 1000) : -1;
      if (wait < 0 || Date.now() + wait > deadline || signal.aborted) throw err;
      await delay(wait, undefined, { signal });
    }
  }
}
