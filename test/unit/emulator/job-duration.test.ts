import { describe, expect, it } from "vitest";
import { FaultInjector } from "../../../src/emulator/faults.js";

describe("FaultInjector.jobDurationMs", () => {
  const sample = (seed: number, n = 4_000): number[] => {
    const faults = new FaultInjector();
    faults.replace({ jobDuration: { medianMs: 3_000, p95Ms: 20_000 }, randomSeed: seed });
    return Array.from({ length: n }, () => faults.jobDurationMs(50)).sort((a, b) => a - b);
  };
  const quantile = (sorted: number[], q: number): number => sorted[Math.floor(q * (sorted.length - 1))] ?? 0;

  it("follows the log-normal of the given median and 95th percentile", () => {
    const times = sample(1);
    expect(quantile(times, 0.5)).toBeGreaterThan(3_000 * 0.85);
    expect(quantile(times, 0.5)).toBeLessThan(3_000 * 1.15);
    expect(quantile(times, 0.95)).toBeGreaterThan(20_000 * 0.75);
    expect(quantile(times, 0.95)).toBeLessThan(20_000 * 1.25);
    expect(times[0]).toBeGreaterThanOrEqual(0);
  });

  it("is repeatable with randomSeed", () => {
    expect(sample(42, 50)).toEqual(sample(42, 50));
    expect(sample(42, 50)).not.toEqual(sample(43, 50));
  });

  it("falls back to jobDurationMs, then to the org default", () => {
    const faults = new FaultInjector();
    expect(faults.jobDurationMs(50)).toBe(50);
    faults.replace({ jobDurationMs: 7 });
    expect(faults.jobDurationMs(50)).toBe(7);
  });
});
