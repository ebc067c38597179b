/**
 * Node's timers hold a signed 32-bit millisecond count: a longer delay (about 24.8 days) fires after
 * 1 ms with a TimeoutOverflowWarning, and `AbortSignal.timeout` throws a RangeError beyond 2^32 - 1.
 * Admission bounds the spec's durations, but objects stored before those bounds, Retry-After headers
 * and backoff arithmetic can still produce anything, so every delay handed to a timer goes through here.
 */

/** The longest delay a Node timer holds: 2^31 - 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a delay a timer can hold: finite, at least `min` (default 0), at most {@link MAX_TIMER_MS}. */
export function timerDelay(ms: number, min = 0): number {
  if (Number.isNaN(ms)) return min;
  return Math.min(MAX_TIMER_MS, Math.max(min, Math.round(ms)));
}
