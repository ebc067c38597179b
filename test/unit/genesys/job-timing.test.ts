import { describe, expect, it } from "vitest";
import { JobTiming, pollWaits } from "../../../src/genesys/job-timing.js";

const take = (next: () => number, n: number): number[] => Array.from({ length: n }, () => next());

describe("poll waits", () => {
  it("start small and double up to the maximum while no job duration is known", () => {
    expect(take(pollWaits(50, 2000, undefined), 8)).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it("wait most of the typical duration first, then short doubling steps", () => {
    expect(take(pollWaits(50, 2000, 4000), 5)).toEqual([2000, 600, 1200, 2000, 2000]);
    expect(take(pollWaits(50, 2000, 1000), 4)).toEqual([800, 150, 300, 600]);
  });
});

describe("JobTiming", () => {
  it("knows nothing until a job finished, then gives the median of a sliding window per kind", () => {
    const timing = new JobTiming(3);
    expect(timing.typical("import")).toBeUndefined();
    for (const ms of [900, 100, 300]) timing.record("import", ms);
    expect(timing.typical("import")).toBe(300);
    timing.record("import", 50); // 900 leaves the window
    expect(timing.typical("import")).toBe(100);
    expect(timing.typical("export")).toBeUndefined();
  });
});
