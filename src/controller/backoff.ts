/**
 * Delay arithmetic shared by the watch, the work queue and the leader elector. Pure functions with an
 * injectable random source, so tests can pin the jitter.
 */

import { timerDelay } from "../timers.js";

/** Exponential backoff bounds. */
export interface BackoffPolicy {
  /** Delay after the first failure. */
  initialMs: number;
  /** Ceiling of the delay. */
  maxMs: number;
}

/** `initialMs · 2^(attempt-1)`, capped at `maxMs`; attempt 1 is the first failure. */
export function exponentialDelay(policy: BackoffPolicy, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity for large attempts; Math.min then yields maxMs, which is what we want.
  return Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
}

/**
 * "Equal jitter": half the delay fixed, half random. Reconnecting replicas spread out instead of
 * hammering a recovering API server in lockstep, yet never retry sooner than half the nominal delay.
 */
export function equalJitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms / 2 + (random() * ms) / 2);
}

/**
 * `ms` ± `fraction` (Flux's interval jitter, 5 % by default in Flux): periodic requeues of many objects
 * created together drift apart instead of firing at the same instant forever.
 */
export function spreadJitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, timerDelay(ms));
    signal?.addEventListener("abort", done, { once: true });
  });
}
