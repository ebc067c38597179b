import { setTimeout as delay } from "node:timers/promises";
import { PromoterError, reasonOf } from "../errors.js";
import { ApplyFailedError } from "./errors.js";
import type { Journal, JournalEntry, JournalStore } from "./journal.js";
import { isWrite, type DesiredFlow, type Plan, type PlanAction } from "./model.js";
import type { GenesysPort } from "./port.js";
import { rollBack } from "./rollback.js";

/** Progress of an apply, for the CLI's live output, Events and metrics. */
export type ApplyEvent =
  | { type: "started"; key: string; kind: PlanAction["kind"] }
  | { type: "imported"; key: string; flowId: string; ms: number }
  | { type: "failed"; key: string; error: string }
  | { type: "pruned"; key: string }
  | { type: "rolled-back"; key: string; how: "republished" | "deleted" | "left" };

/** How to apply. */
export interface ApplyOptions {
  /** Imports in flight at once; the shared rate limiter still bounds the request rate. */
  concurrency: number;
  /** Unlock flows held by someone else before importing (preflight has already allowed it). */
  forceUnlock?: ReadonlySet<string>;
  journal: JournalStore;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
  now?: () => Date;
  /**
   * How long one import may keep waiting out 429s beyond the client's own retries (default 10 min).
   * A 429 means nothing was done, so waiting is always safe, and failing would roll back the group.
   */
  rateLimitPatienceMs?: number;
}

/** What an apply did: the flows written, with their ids. */
export interface ApplyResult {
  written: Array<{ key: string; flowId: string }>;
  pruned: string[];
}

/**
 * Applies a plan: imports each flow as soon as the flows it depends on are done, at most `concurrency`
 * at a time. If one import fails, nothing new starts; once the imports in flight settle, every flow this
 * run changed is restored (previous version re-published, created flows deleted) and ApplyFailedError is
 * thrown. Prunes run last, only after every import succeeded, because a delete cannot be undone.
 */
export async function applyPlan(
  plan: Plan,
  desired: ReadonlyMap<string, DesiredFlow>,
  client: GenesysPort,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const emit = options.onEvent ?? (() => undefined);
  const journal: Journal = {
    planHash: plan.hash,
    revision: plan.revision,
    target: plan.target,
    startedAt: (options.now?.() ?? new Date()).toISOString(),
    entries: [],
  };
  const imports = plan.actions.filter((a) => isWrite(a) && a.kind !== "prune");
  const written: ApplyResult["written"] = [];
  let failure: { key: string; error: unknown } | undefined;
  // Journal writes are serialised so two finishing imports never interleave a read-modify-write.
  let journalChain: Promise<void> = options.journal.write(journal);
  const record = (change: () => void): Promise<void> => {
    journalChain = journalChain.then(() => {
      change();
      return options.journal.write(journal);
    });
    return journalChain;
  };

  const importOne = async (action: PlanAction): Promise<void> => {
    const flow = desired.get(action.key);
    if (!flow) throw new Error(`plan action ${action.key} has no rendered flow`);
    const entry: JournalEntry = {
      key: action.key,
      type: action.type,
      name: action.name,
      kind: action.kind as JournalEntry["kind"],
      before: { id: action.current?.id, publishedVersion: action.current?.publishedVersion },
      state: "started",
    };
    // Stubs the import may create are journaled first, as creations, so a rollback deletes them too.
    const stubs: JournalEntry[] = action.stubs.map((key) => {
      const [type = "", ...rest] = key.split("/");
      return { key, type, name: rest.join("/"), kind: "create", before: {}, state: "started" };
    });
    await record(() => journal.entries.push(...stubs, entry));
    emit({ type: "started", key: action.key, kind: action.kind });
    const t0 = Date.now();
    if (action.current && options.forceUnlock?.has(action.key)) await client.unlockFlow(action.current.id);
    const { flowId } = await importRidingOut429s(client, flow.yaml, options, action.stubs.length > 0);
    await record(() => {
      entry.state = "done";
      entry.flowId = flowId;
    });
    written.push({ key: action.key, flowId });
    emit({ type: "imported", key: action.key, flowId, ms: Date.now() - t0 });
  };

  await runScheduled(
    imports,
    options.concurrency,
    importOne,
    (key, error) => {
      failure ??= { key, error };
      emit({ type: "failed", key, error: error instanceof Error ? error.message : String(error) });
    },
    options.signal,
  );
  if (!failure && options.signal?.aborted) failure = { key: "(run)", error: options.signal.reason };

  if (failure) {
    await journalChain.catch(() => undefined);
    const outcome = await rollBack(journal.entries, client, emit);
    // An incomplete rollback keeps its journal: the next run tries again before anything else.
    if (outcome.errors.length === 0) await options.journal.clear();
    else await options.journal.write(journal).catch(() => undefined);
    throw new ApplyFailedError(
      failure.key,
      outcome.restored,
      outcome.errors,
      failure.error,
      reasonOf(failure.error),
    );
  }
  await journalChain;
  const pruned = await prune(
    plan.actions.filter((a) => a.kind === "prune"),
    client,
    emit,
  );
  await options.journal.clear();
  return { written, pruned };
}

/**
 * Runs tasks in dependency order with bounded concurrency: a task starts when every key in its `after`
 * list has finished. After the first failure, or once `signal` aborts, no new task starts; tasks already
 * running are awaited, so the caller sees a settled world before it rolls back.
 */
export async function runScheduled(
  actions: readonly PlanAction[],
  concurrency: number,
  run: (action: PlanAction) => Promise<void>,
  onError: (key: string, error: unknown) => void,
  signal?: AbortSignal,
): Promise<void> {
  const inRun = new Set(actions.map((a) => a.key));
  const pending = new Map(actions.map((a) => [a.key, a]));
  const done = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failed = false;
  const isReady = (a: PlanAction): boolean => a.after.every((dep) => done.has(dep) || !inRun.has(dep));
  while (!failed && !signal?.aborted) {
    for (const action of pending.values()) {
      if (running.size >= Math.max(1, concurrency)) break;
      if (!isReady(action)) continue;
      pending.delete(action.key);
      const task = run(action).then(
        () => void done.add(action.key),
        (err: unknown) => {
          failed = true;
          onError(action.key, err);
        },
      );
      running.set(
        action.key,
        task.finally(() => running.delete(action.key)),
      );
    }
    // Nothing running means nothing left that can run (done, or waiting on a failed dependency).
    if (running.size === 0) {
      if (!failed && pending.size > 0) {
        // Unreachable for plans from buildPlan (it cuts cycles); refuse rather than skip flows silently.
        throw new Error(`cannot order ${[...pending.keys()].join(", ")}: they wait on each other`);
      }
      break;
    }
    await Promise.race(running.values());
  }
  await Promise.all(running.values());
}

async function prune(
  actions: readonly PlanAction[],
  client: GenesysPort,
  emit: (e: ApplyEvent) => void,
): Promise<string[]> {
  // A flow still used by another pruned flow refuses deletion (409); retry rounds until no progress.
  let left = [...actions];
  const pruned: string[] = [];
  while (left.length > 0) {
    const failed: PlanAction[] = [];
    for (const action of left) {
      try {
        if (action.current) await client.deleteFlow(action.current.id);
        pruned.push(action.key);
        emit({ type: "pruned", key: action.key });
      } catch {
        failed.push(action);
      }
    }
    if (failed.length === left.length) {
      throw new Error(`could not prune ${failed.map((a) => a.key).join(", ")}: still in use or refused`);
    }
    left = failed;
  }
  return pruned;
}

/**
 * Imports one flow; when the client gives up on a storm of 429s (RateLimitedError, reason Waiting),
 * waits the advertised delay and imports again, within `rateLimitPatienceMs`. Safe because the jobs
 * API creates or updates by (type, name): a repeated import never makes a second flow.
 */
async function importRidingOut429s(
  client: GenesysPort,
  yaml: string,
  options: ApplyOptions,
  createStubs: boolean,
): Promise<{ flowId: string }> {
  const deadline = Date.now() + (options.rateLimitPatienceMs ?? 600_000);
  for (;;) {
    try {
      return await client.importFlow(yaml, {
        signal: options.signal,
        ...(createStubs ? { createStubs } : {}),
      });
    } catch (err) {
      const wait =
        err instanceof PromoterError && err.code === "GenesysRateLimited" ? (err.retryAfterMs ?? 1000) : -1;
      if (wait < 0 || Date.now() + wait > deadline || options.signal?.aborted) throw err;
      await delay(wait, undefined, { signal: options.signal });
    }
  }
}
