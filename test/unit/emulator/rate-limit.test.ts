import { describe, expect, it } from "vitest";
import { RateLimiter, RateWindow } from "../../../src/emulator/rate-limit.js";

const limit = { requests: 3, windowSeconds: 60 };

describe("fixed rate window", () => {
  it("allows the budget, then refuses with the seconds left until the window resets", () => {
    const w = new RateWindow();
    expect([0, 1000, 2000].map((t) => w.hit(limit, t).ok)).toEqual([true, true, true]);
    expect(w.hit(limit, 2500)).toEqual({ ok: false, retryAfterSeconds: 58 });
    expect(w.hit(limit, 59_100)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it("never says 0 seconds and does not count refused calls", () => {
    const w = new RateWindow();
    for (let i = 0; i < 3; i++) w.hit(limit, 0);
    expect(w.hit(limit, 59_999)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(w.hit(limit, 60_000)).toEqual({ ok: true });
    expect(w.hit(limit, 60_001)).toEqual({ ok: true });
  });

  it("keeps one window per key", () => {
    const limiter = new RateLimiter();
    const one = { requests: 1, windowSeconds: 10 };
    expect(limiter.hit("a", one, 0).ok).toBe(true);
    expect(limiter.hit("a", one, 1).ok).toBe(false);
    expect(limiter.hit("b", one, 1).ok).toBe(true);
    limiter.forget("a");
    expect(limiter.hit("a", one, 2).ok).toBe(true);
  });
});
