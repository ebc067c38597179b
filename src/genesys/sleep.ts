import { setTimeout as delay } from "node:timers/promises";
import { timerDelay } from "../timers.js";

/** Waits `ms` milliseconds; rejects with the signal's reason when it aborts first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw signal.reason;
  if (ms <= 0) return;
  try {
    await delay(timerDelay(ms), undefined, signal ? { signal } : undefined);
  } catch (err) {
    // timers/promises rejects with a generic AbortError; surface the caller's reason instead.
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}
