import { describe, expect, it } from "vitest";
import { durationString, parseDuration } from "../../../src/api/duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["2m0.5s", 120_500],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "5", "5d", "-5m", "m5", "5 m", "1h 30m"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
    expect(durationString("x", RANGE).safeParse(text).success).toBe(false);
  });
});

const RANGE = { min: "10s", max: "24h" };

describe("durationString", () => {
  it.each(["10s", "1h30m", "24h", "1439m", "0.5h"])("accepts %j within 10s..24h", (text) => {
    expect(durationString("x", RANGE).safeParse(text).success).toBe(true);
  });

  it.each(["0s", "9s", "700h", "9999h", "24h1ms"])("refuses %j outside 10s..24h with the range", (text) => {
    const result = durationString("x", RANGE).safeParse(text);
    expect(result.error?.issues[0]?.message).toBe("must be between 10s and 24h");
  });

  it("refuses strings long enough to overflow CEL's int64 nanoseconds, by pattern and length", () => {
    for (const text of ["9999999h", "99999999999999s", "999999h999999h999999h"]) {
      expect(durationString("x", RANGE).safeParse(text).success).toBe(false);
    }
  });
});
