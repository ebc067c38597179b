import { isPromoterError } from "../errors.js";
import { exponentialDelay, spreadJitter, type BackoffPolicy } from "./backoff.js";
import type { ReconcileResult } from "./types.js";
import { timerDelay } from "../timers.js";

/**
 * The work queue between the watch and the reconciler, with client-go's workqueue semantics:
 * keys (`namespace/name`), never two runs of one key at once (a key added while it runs is run once
 * more afterwards), pending keys deduplicated, N workers across keys, per-key exponential backoff on
 * thrown errors (reset on success) and timed requeues asked for by the reconciler.
 */

/** Runs one key; throw to retry with backoff. */
export type Worker = (key: string, signal: AbortSignal) => Promise<ReconcileResult>;

/** Queue settings. */
export interface WorkQueueOptions {
  /** Keys processed in parallel; default 4 (Flux's `--concurrent`). */
  concurrency?: number;
  /** Per-key backoff after thrown errors; default 1 s → 5 min. */
  backoff?: BackoffPolicy;
  /** ± fraction applied to `requeueAfterMs`; default 0.05 (Flux's interval jitter). */
  jitter?: number;
  random?: () => number;
  /** Told about each retry scheduled after an error (for logs). */
  onRetry?: (key: string, failures: number, delayMs: number, error: unknown) => void;
}

interface Timer {
  at: number;
  handle: NodeJS.Timeout;
}

/** See the file comment. */
export class WorkQueue {
  private readonly ready: string[] = [];
  /** Keys waiting to run (in `ready`, or to be re-queued when their current run ends). */
  private readonly dirty = new Set<string>();
  private readonly running = new Map<string, AbortController>();
  private readonly timers = new Map<string, Timer>();
  private readonly failures = new Map<string, number>();
  private readonly idleWaiters: Array<() => void> = [];
  private stopped = false;
  private readonly concurrency: number;
  private readonly backoff: BackoffPolicy;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(
    private readonly worker: Worker,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.backoff = options.backoff ?? { initialMs: 1_000, maxMs: 300_000 };
    this.jitter = options.jitter ?? 0.05;
    this.random = options.random ?? Math.random;
  }

  /** Queues `key` now; a no-op when it is already waiting (it runs again after a current run). */
  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.running.has(key)) this.ready.push(key);
    this.pump();
  }

  /** Queues `key` after `delayMs`; when a timer is already pending for it, the earlier one wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const existing = this.timers.get(key);
    if (existing && existing.at <= Date.now() + delayMs) return;
    this.setTimer(key, delayMs);
  }

  /** Keys waiting to run (not counting delayed ones). */
  get depth(): number {
    return this.ready.length;
  }

  /** Keys being reconciled right now. */
  get active(): string[] {
    return [...this.running.keys()];
  }

  /** Keys with a pending delayed requeue. */
  get delayed(): string[] {
    return [...this.timers.keys()];
  }

  /** Consecutive failures of `key` (0 after a success). */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves once no reconcile is running. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking work (pending and delayed keys are dropped), waits up to `graceMs` for running
   * reconciles, then aborts the signals of those still running. Returns the keys that had to be aborted;
   * their runs are abandoned (their outcome is ignored). `graceMs` 0 aborts at once (lost leadership).
   */
  async shutdown(graceMs: number): Promise<string[]> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer.handle);
    this.timers.clear();
    this.ready.length = 0;
    this.dirty.clear();
    if (graceMs > 0 && this.running.size > 0) {
      let timeout: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timeout = setTimeout(resolve, graceMs)));
      await Promise.race([this.idle(), deadline]);
      clearTimeout(timeout);
    }
    const abandoned = [...this.running.keys()];
    for (const controller of this.running.values()) controller.abort(new Error("work queue shut down"));
    return abandoned;
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift();
      if (key === undefined) break;
      this.dirty.delete(key);
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const controller = new AbortController();
    this.running.set(key, controller);
    let outcome: { ok: true; result: ReconcileResult } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, result: await this.worker(key, controller.signal) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    this.running.delete(key);
    if (!this.stopped) {
      this.schedule(key, outcome);
      if (this.dirty.has(key)) this.ready.push(key);
      this.pump();
    }
    if (this.running.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  /** The latest run decides when the key comes back: it replaces any timer from earlier runs. */
  private schedule(
    key: string,
    outcome: { ok: true; result: ReconcileResult } | { ok: false; error: unknown },
  ) {
    this.clearTimer(key);
    if (outcome.ok) {
      this.failures.delete(key);
      const after = outcome.result.requeueAfterMs;
      if (after !== undefined) this.setTimer(key, spreadJitter(after, this.jitter, this.random));
      return;
    }
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const retryAfter = isPromoterError(outcome.error) ? (outcome.error.retryAfterMs ?? 0) : 0;
    const delayMs = Math.max(exponentialDelay(this.backoff, failures), retryAfter);
    this.options.onRetry?.(key, failures, delayMs, outcome.error);
    this.setTimer(key, delayMs);
  }

  private setTimer(key: string, requestedMs: number): void {
    this.clearTimer(key);
    // A longer delay would overflow Node's timer and fire at once: a reconcile storm.
    const delayMs = timerDelay(requestedMs);
    const handle = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { at: Date.now() + delayMs, handle });
  }

  private clearTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer.handle);
    this.timers.delete(key);
  }
}
