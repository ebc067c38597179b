import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkQueue, type Worker } from "../../../src/controller/queue.js";
import type { ReconcileResult } from "../../../src/controller/types.js";
import { PromoterError } from "../../../src/errors.js";

/**
 * The work queue under fake timers: order and counts of runs, never wall-clock speed. Workers are
 * driven by hand through deferred promises so each test decides exactly when a reconcile ends.
 */

interface Run {
  key: string;
  signal: AbortSignal;
  finish(result?: ReconcileResult): void;
  fail(error: unknown): void;
}

/** A worker whose runs stay open until the test finishes or fails them. */
function manualWorker() {
  const runs: Run[] = [];
  const active = new Map<string, number>();
  let maxPerKey = 0;
  let maxTotal = 0;
  const worker: Worker = (key, signal) =>
    new Promise<ReconcileResult>((resolve, reject) => {
      active.set(key, (active.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, active.get(key) ?? 0);
      maxTotal = Math.max(
        maxTotal,
        [...active.values()].reduce((a, b) => a + b, 0),
      );
      const end = () => active.set(key, (active.get(key) ?? 1) - 1);
      runs.push({
        key,
        signal,
        finish: (result = {}) => (end(), resolve(result)),
        fail: (error) => (end(), reject(error)),
      });
    });
  return {
    worker,
    runs,
    keys: () => runs.map((r) => r.key),
    open: () => runs.filter((r) => !r.signal.aborted && (active.get(r.key) ?? 0) > 0),
    last: (key: string) => {
      const run = runs.filter((r) => r.key === key).at(-1);
      if (!run) throw new Error(`no run of ${key}`);
      return run;
    },
    maxPerKey: () => maxPerKey,
    maxTotal: () => maxTotal,
  };
}

const tick = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("WorkQueue", () => {
  it("never runs one key twice at once, and re-runs a key added while it ran exactly once", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { concurrency: 4 });
    q.add("ns/a");
    await tick();
    q.add("ns/a");
    q.add("ns/a");
    await tick();
    expect(w.keys()).toEqual(["ns/a"]);
    w.last("ns/a").finish();
    await tick();
    expect(w.keys()).toEqual(["ns/a", "ns/a"]);
    w.last("ns/a").finish();
    await tick();
    expect(w.keys()).toEqual(["ns/a", "ns/a"]);
    expect(w.maxPerKey()).toBe(1);
  });

  it("runs different keys in parallel up to the concurrency, then in FIFO order", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { concurrency: 2 });
    for (const key of ["ns/a", "ns/b", "ns/c", "ns/d"]) q.add(key);
    await tick();
    expect(w.keys()).toEqual(["ns/a", "ns/b"]);
    expect(q.depth).toBe(2);
    w.last("ns/b").finish();
    await tick();
    expect(w.keys()).toEqual(["ns/a", "ns/b", "ns/c"]);
    w.last("ns/a").finish();
    await tick();
    expect(w.keys()).toEqual(["ns/a", "ns/b", "ns/c", "ns/d"]);
    expect(w.maxTotal()).toBe(2);
  });

  it("deduplicates keys that are already waiting", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { concurrency: 1 });
    q.add("ns/busy");
    await tick();
    for (let i = 0; i < 5; i++) q.add("ns/a");
    expect(q.depth).toBe(1);
    w.last("ns/busy").finish();
    await tick();
    w.last("ns/a").finish();
    await tick();
    expect(w.keys()).toEqual(["ns/busy", "ns/a"]);
  });

  it("backs off exponentially per key on errors, caps the delay and resets after a success", async () => {
    const w = manualWorker();
    const retries: Array<[string, number, number]> = [];
    const q = new WorkQueue(w.worker, {
      backoff: { initialMs: 1_000, maxMs: 4_000 },
      onRetry: (key, failures, delayMs) => retries.push([key, failures, delayMs]),
    });
    q.add("ns/a");
    await tick();
    for (const expected of [1_000, 2_000, 4_000, 4_000]) {
      const runs = w.runs.length;
      w.last("ns/a").fail(new Error("boom"));
      await tick();
      await vi.advanceTimersByTimeAsync(expected - 1);
      expect(w.runs.length).toBe(runs); // not before the backoff has passed
      await vi.advanceTimersByTimeAsync(1);
      expect(w.runs.length).toBe(runs + 1);
    }
    expect(retries.map((r) => r[2])).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(q.failuresOf("ns/a")).toBe(4);

    w.last("ns/a").finish();
    await tick();
    expect(q.failuresOf("ns/a")).toBe(0);
    q.add("ns/a");
    await tick();
    w.last("ns/a").fail(new Error("again"));
    await tick();
    expect(retries.at(-1)).toEqual(["ns/a", 1, 1_000]);
  });

  it("keeps the backoff of one key away from the others", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { backoff: { initialMs: 1_000, maxMs: 60_000 } });
    q.add("ns/bad");
    q.add("ns/good");
    await tick();
    w.last("ns/bad").fail(new Error("x"));
    w.last("ns/good").finish();
    await tick();
    expect(q.failuresOf("ns/bad")).toBe(1);
    expect(q.failuresOf("ns/good")).toBe(0);
    expect(q.delayed).toEqual(["ns/bad"]);
  });

  it("waits at least the Retry-After a PromoterError carries", async () => {
    const w = manualWorker();
    const delays: number[] = [];
    const q = new WorkQueue(w.worker, {
      backoff: { initialMs: 1_000, maxMs: 60_000 },
      onRetry: (_key, _n, delayMs) => delays.push(delayMs),
    });
    q.add("ns/a");
    await tick();
    w.last("ns/a").fail(new PromoterError("RateLimited", "Waiting", "429", { retryAfterMs: 7_000 }));
    await tick();
    expect(delays).toEqual([7_000]);
  });

  it("requeues after the reconciler's requeueAfterMs with jitter, and not at all without it", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { jitter: 0.05, random: () => 1 }); // +5 %
    q.add("ns/a");
    q.add("ns/b");
    await tick();
    w.last("ns/a").finish({ requeueAfterMs: 10_000 });
    w.last("ns/b").finish({});
    await tick();
    expect(q.delayed).toEqual(["ns/a"]);
    await vi.advanceTimersByTimeAsync(10_499);
    expect(w.keys()).toEqual(["ns/a", "ns/b"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.keys()).toEqual(["ns/a", "ns/b", "ns/a"]);
    w.last("ns/a").finish({});
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(w.keys()).toEqual(["ns/a", "ns/b", "ns/a"]);
  });

  it("lets the latest reconcile decide the next requeue; addAfter keeps the earliest", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { jitter: 0 });
    q.add("ns/a");
    await tick();
    w.last("ns/a").finish({ requeueAfterMs: 10_000 });
    await tick();
    q.add("ns/a"); // e.g. a spec change
    await tick();
    w.last("ns/a").finish({ requeueAfterMs: 60_000 });
    await tick();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(w.runs.length).toBe(2);
    q.addAfter("ns/a", 120_000); // later than the pending timer: ignored
    q.addAfter("ns/b", 5_000);
    q.addAfter("ns/b", 1_000); // earlier: wins
    await vi.advanceTimersByTimeAsync(1_000);
    expect(w.keys()).toEqual(["ns/a", "ns/a", "ns/a", "ns/b"]);
  });

  it("shuts down: no new work, waits for running reconciles within the grace period", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { concurrency: 1, jitter: 0 });
    q.add("ns/a");
    q.add("ns/b");
    await tick();
    const stopping = q.shutdown(30_000);
    q.add("ns/c");
    await vi.advanceTimersByTimeAsync(1_000);
    w.last("ns/a").finish({ requeueAfterMs: 1_000 });
    expect(await stopping).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(w.keys()).toEqual(["ns/a"]);
    expect(w.runs[0]?.signal.aborted).toBe(false);
  });

  it("aborts reconciles still running when the grace period ends, and at once with grace 0", async () => {
    const w = manualWorker();
    const q = new WorkQueue(w.worker, { concurrency: 2 });
    q.add("ns/slow");
    q.add("ns/stuck");
    await tick();
    w.last("ns/slow").signal.addEventListener("abort", () => w.last("ns/slow").fail(new Error("aborted")));
    const stopping = q.shutdown(5_000);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(w.last("ns/stuck").signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect((await stopping).sort()).toEqual(["ns/slow", "ns/stuck"]);
    expect(w.last("ns/stuck").signal.aborted).toBe(true);
    let idle = false;
    void q.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false); // "stuck" ignores its signal and is still running
    w.last("ns/stuck").finish({ requeueAfterMs: 1 });
    await tick();
    expect(idle).toBe(true);
    expect(q.delayed).toEqual([]); // outcomes of abandoned runs are ignored

    const q2 = new WorkQueue(w.worker);
    q2.add("ns/x");
    await tick();
    expect(await q2.shutdown(0)).toEqual(["ns/x"]);
    expect(w.last("ns/x").signal.aborted).toBe(true);
  });
});
