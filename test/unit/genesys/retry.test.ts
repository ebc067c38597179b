import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isIdempotentMethod,
  isTransientStatus,
  parseRetryAfter,
  retryPolicy,
  withRetries,
  type AttemptOutcome,
  type RetryHooks,
} from "../../../src/genesys/retry.js";

describe("backoffDelay (full jitter)", () => {
  const policy = retryPolicy({ baseDelayMs: 250, maxDelayMs: 30_000 });

  it.each([
    { attempt: 0, ceiling: 250 },
    { attempt: 1, ceiling: 500 },
    { attempt: 3, ceiling: 2_000 },
    { attempt: 7, ceiling: 30_000 }, // 250·128 = 32 000 is capped
    { attempt: 40, ceiling: 30_000 },
  ])("attempt $attempt waits in [0, $ceiling)", ({ attempt, ceiling }) => {
    expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
    expect(backoffDelay(attempt, policy, () => 0.5)).toBe(Math.floor(ceiling / 2));
    const top = backoffDelay(attempt, policy, () => 0.999999);
    expect(top).toBeLessThan(ceiling);
    expect(top).toBeGreaterThanOrEqual(ceiling - 1);
  });

  it("stays within bounds for random draws", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 250 * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, policy);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it.each([
    { value: "42", expected: 42_000, reason: "integer seconds, as Genesys sends" },
    { value: " 3 ", expected: 3_000, reason: "surrounding whitespace" },
    { value: "0.5", expected: 500, reason: "fractional seconds" },
    { value: ["7", "9"], expected: 7_000, reason: "repeated header: first wins" },
    { value: "Wed, 01 Jan 2025 00:00:10 GMT", expected: 10_000, reason: "HTTP date" },
    { value: "Tue, 31 Dec 2024 23:59:00 GMT", expected: 0, reason: "HTTP date in the past" },
    { value: undefined, expected: undefined, reason: "absent" },
    { value: "", expected: undefined, reason: "empty" },
    { value: "soon", expected: undefined, reason: "garbage" },
    { value: "-5", expected: undefined, reason: "negative" },
  ])("$reason → $expected", ({ value, expected }) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe("retry classification", () => {
  it.each([
    [408, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [400, false],
    [404, false],
    [409, false],
    [429, false], // 429 has its own path (Retry-After), not backoff
  ])("status %i transient: %s", (status, expected) => {
    expect(isTransientStatus(status)).toBe(expected);
  });

  it.each([
    ["GET", true],
    ["put", true],
    ["DELETE", true],
    ["POST", false],
    ["PATCH", false],
  ])("%s idempotent: %s", (method, expected) => {
    expect(isIdempotentMethod(method)).toBe(expected);
  });

  it("retryPolicy ignores undefined, negative and non-finite overrides", () => {
    expect(retryPolicy({ retries: 2, baseDelayMs: -1, maxDelayMs: Number.NaN })).toEqual({
      ...DEFAULT_RETRY_POLICY,
      retries: 2,
    });
  });
});

describe("withRetries", () => {
  /** Runs withRetries over a scripted list of outcomes, recording sleeps and rate-limit waits. */
  async function run(script: Array<AttemptOutcome<string>>, overrides: Partial<RetryHooks> = {}) {
    const sleeps: number[] = [];
    const limited: number[] = [];
    let calls = 0;
    const result = withRetries(
      async () => {
        const next = script[Math.min(calls, script.length - 1)];
        calls += 1;
        if (!next) throw new Error("empty script");
        return next;
      },
      {
        policy: retryPolicy({ retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 }),
        idempotent: true,
        onRateLimited: async (ms) => void limited.push(ms),
        rateLimitedError: (ms) => new Error(`limited ${ms}`),
        sleep: async (ms) => void sleeps.push(ms),
        random: () => 0.5,
        ...overrides,
      },
    );
    return { result, sleeps, limited, calls: () => calls };
  }
  const transient: AttemptOutcome<string> = { kind: "transient", error: new Error("503") };

  it("retries transient failures of idempotent calls with growing backoff", async () => {
    const r = await run([transient, transient, { kind: "done", value: "ok" }]);
    await expect(r.result).resolves.toBe("ok");
    expect(r.sleeps).toEqual([50, 100]);
  });

  it("does not retry a transient failure of a non-idempotent call", async () => {
    const r = await run([transient, { kind: "done", value: "ok" }], { idempotent: false });
    await expect(r.result).rejects.toThrow("503");
    expect(r.calls()).toBe(1);
  });

  it("retries 429 even for non-idempotent calls, waiting Retry-After", async () => {
    const r = await run(
      [
        { kind: "rateLimited", retryAfterMs: 2_000 },
        { kind: "done", value: "ok" },
      ],
      {
        idempotent: false,
      },
    );
    await expect(r.result).resolves.toBe("ok");
    expect(r.limited).toEqual([2_000]);
  });

  it("turns a 429 storm that outlives the retries into the rate-limited error with the delay", async () => {
    const r = await run([{ kind: "rateLimited", retryAfterMs: 1_000 }]);
    await expect(r.result).rejects.toThrow("limited 1000");
    expect(r.calls()).toBe(4);
  });

  it("does not sleep on a Retry-After beyond the policy's maximum", async () => {
    const r = await run([{ kind: "rateLimited", retryAfterMs: 60_000 }]);
    await expect(r.result).rejects.toThrow("limited 60000");
    expect(r.calls()).toBe(1);
    expect(r.limited).toEqual([]);
  });

  it("repeats 'again' outcomes without spending the budget", async () => {
    const r = await run([{ kind: "again" }, transient, transient, transient, { kind: "done", value: "ok" }]);
    await expect(r.result).resolves.toBe("ok");
    expect(r.calls()).toBe(5);
  });
});
