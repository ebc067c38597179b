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
    expect(durationString("x").safeParse(text).success).toBe(false);
  });
});
