import { describe, expect, it } from "vitest";
import {
  bucketParameters,
  DEFAULT_RATE_LIMIT,
  RateLimiterRegistry,
  TokenBucket,
} from "../../../src/genesys/rate-limiter.js";

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Grants `n` reservations at time `at` and returns the times each caller may send. */
function sendTimes(bucket: TokenBucket, n: number, at: number): number[] {
  return Array.from({ length: n }, () => at + bucket.reserve());
}

/** The largest number of sends within any window of `windowMs` (half-open, as a sliding-window server counts). */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("bucketParameters", () => {
  it("keeps burst plus one window of refill at the limit minus the margin (300/60 s, 5%)", () => {
    const p = bucketParameters(DEFAULT_RATE_LIMIT);
    expect(p.capacity).toBe(14); // 5% of the effective 285
    expect(p.capacity + p.refillPerMs * 60_000).toBeCloseTo(285, 6);
  });

  it.each([
    {
      config: { requests: 300, windowSeconds: 2, safetyMargin: 0.1 },
      effective: 270,
      reason: "short window",
    },
    { config: { requests: 10, windowSeconds: 1, safetyMargin: 0 }, effective: 10, reason: "no margin" },
    {
      config: { requests: 100, windowSeconds: 60, safetyMargin: 0.05, burst: 20 },
      effective: 95,
      reason: "explicit burst",
    },
    {
      config: { requests: 100, windowSeconds: 60, safetyMargin: 0.9 },
      effective: 50,
      reason: "margin capped at 50%",
    },
  ])("budgets exactly the effective limit ($reason)", ({ config, effective }) => {
    const p = bucketParameters(config);
    expect(p.capacity).toBeGreaterThanOrEqual(1);
    expect(p.capacity + p.refillPerMs * config.windowSeconds * 1000).toBeCloseTo(effective, 6);
  });

  it("still refills when the limit leaves no room beyond one token", () => {
    const p = bucketParameters({ requests: 1, windowSeconds: 10, safetyMargin: 0 });
    expect(p.capacity).toBe(1);
    expect(p.refillPerMs).toBeCloseTo(1 / 10_000, 12);
  });
});

describe("TokenBucket", () => {
  it("hands out the burst at once, then spaces callers at the refill rate", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerMs: 1 / 100 }, clock.now);
    const waits = Array.from({ length: 6 }, () => bucket.reserve());
    expect(waits).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it("refills while idle, but never above capacity", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 2, refillPerMs: 1 / 100 }, clock.now);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 100]);
    clock.advance(10_000);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 100]);
  });

  it("keeps a burst of 600 callers within 300 per window (any window, sliding)", () => {
    const clock = manualClock();
    const config = { requests: 300, windowSeconds: 60, safetyMargin: 0.05 };
    const bucket = new TokenBucket(bucketParameters(config), clock.now);
    const times = sendTimes(bucket, 600, clock.now());
    expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(285);
    // Not needlessly slow either: the 600th call goes out within three windows.
    expect(Math.max(...times) - clock.now()).toBeLessThan(3 * 60_000);
  });

  it("stays within the limit when calls arrive in several bursts", () => {
    const clock = manualClock();
    const bucket = new TokenBucket(
      bucketParameters({ requests: 50, windowSeconds: 10, safetyMargin: 0 }),
      clock.now,
    );
    const times: number[] = [];
    for (let burst = 0; burst < 5; burst++) {
      times.push(...sendTimes(bucket, 40, clock.now()));
      clock.advance(7_000);
    }
    expect(maxInWindow(times, 10_000)).toBeLessThanOrEqual(50);
  });

  it("after pause(), nobody is scheduled before the pause ends, and sending resumes from an empty bucket", () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 5, refillPerMs: 1 / 100 }, clock.now);
    bucket.pause(2_000);
    expect(bucket.pauseRemaining()).toBe(2_000);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([2_100, 2_200]);
    clock.advance(5_000);
    expect(bucket.pauseRemaining()).toBe(0);
  });

  it("a pause during a wait sends the waiting caller to the back of the line", async () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerMs: 1 / 20 });
    await bucket.acquire(); // takes the only token
    const waiting = bucket.acquire(); // due in ~20 ms
    bucket.pause(150);
    const waited = await waiting;
    expect(waited).toBeGreaterThanOrEqual(150);
  });

  it("acquire() rejects with the abort reason", async () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerMs: 1 / 60_000 });
    await bucket.acquire();
    const controller = new AbortController();
    const pending = bucket.acquire(controller.signal);
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toThrow("stop");
  });
});

describe("RateLimiterRegistry", () => {
  it("shares one bucket per (API base, client id)", () => {
    const registry = new RateLimiterRegistry({ requests: 10 });
    const a = registry.forClient("https://api.mypurecloud.ie", "client-a");
    expect(registry.forClient("https://api.mypurecloud.ie", "client-a")).toBe(a);
    expect(registry.forClient("https://api.mypurecloud.ie", "client-b")).not.toBe(a);
    expect(registry.forClient("https://api.mypurecloud.de", "client-a")).not.toBe(a);
  });

  it("keeps one bucket per client when callers ask for different rates; the strictest wins", () => {
    const registry = new RateLimiterRegistry();
    const api = "https://api.mypurecloud.ie";
    const shared = registry.forClient(api, "client-a");
    const defaultRate = shared.refillPerMs;
    expect(registry.forClient(api, "client-a", { requests: 120 })).toBe(shared);
    expect(shared.refillPerMs).toBeLessThan(defaultRate);
    const strict = shared.refillPerMs;
    registry.forClient(api, "client-a", { requests: 240 }); // looser: ignored
    expect(shared.refillPerMs).toBe(strict);
    expect(strict).toBeCloseTo(bucketParameters({ ...DEFAULT_RATE_LIMIT, requests: 120 }).refillPerMs, 12);
  });

  it("fills unset fields from the defaults", () => {
    const registry = new RateLimiterRegistry({ requests: 10, windowSeconds: undefined });
    expect(registry.config).toEqual({ ...DEFAULT_RATE_LIMIT, requests: 10 });
  });
});
