import { describe, expect, it } from "vitest";
import { intervalMs, requeueAfter, retryIntervalMs, timeoutMs } from "../../src/controller/outcome.js";
import { MAX_TIMER_MS, timerDelay } from "../../src/timers.js";

/** No delay handed to a Node timer overflows it, whatever a stored object says. */

describe("timerDelay", () => {
  it("keeps delays within what a timer holds", () => {
    expect(timerDelay(5)).toBe(5);
    expect(timerDelay(-3)).toBe(0);
    expect(timerDelay(Number.NaN, 7)).toBe(7);
    expect(timerDelay(700 * 3_600_000)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });
});

describe("spec durations at run time (objects stored before the admission bounds)", () => {
  it("clamps 700h and 9999h to a timer's maximum, and 0s to a second", () => {
    expect(intervalMs({ interval: "700h" })).toBe(MAX_TIMER_MS);
    expect(timeoutMs({ interval: "10m", timeout: "9999h" })).toBe(MAX_TIMER_MS);
    expect(() => AbortSignal.timeout(timeoutMs({ interval: "9999h" }))).not.toThrow();
    expect(timeoutMs({ interval: "10m", timeout: "0s" })).toBe(1_000);
    expect(retryIntervalMs({ interval: "0s" })).toBe(1_000);
  });

  it("never asks for a requeue a timer cannot hold", () => {
    const spec = { interval: "9999h", retryInterval: "9999h" } as Parameters<typeof requeueAfter>[1];
    expect(requeueAfter({ state: "Transient", message: "x" }, spec)).toBeLessThanOrEqual(MAX_TIMER_MS);
  });
});
