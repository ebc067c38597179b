import type { ApplyEvent } from "./apply.js";
import type { PlanAction } from "./model.js";
import type { GenesysPort } from "./port.js";

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

/**
 * Deletes the flows that left the set, each delete behind the fence. A flow still used by another pruned
 * flow refuses deletion (409); retry in rounds until no round makes progress.
 */
export async function pruneFlows(
  actions: readonly PlanAction[],
  client: GenesysPort,
  fence: () => Promise<void>,
  emit: (e: ApplyEvent) => void,
): Promise<string[]> {
  let left = [...actions];
  const pruned: string[] = [];
  while (left.length > 0) {
    const failed: PlanAction[] = [];
    for (const action of left) {
      await fence(); // outside the try: losing the fence stops the prune, it is not a refused delete
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
