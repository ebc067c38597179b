/** A request budget: `requests` per `windowSeconds`. */
export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

/** Outcome of one {@link RateWindow.hit}: allowed, or refused with the seconds until the window resets. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Fixed window per token, opened by the token's first request: the Platform API counts
 * requests per token per minute and tells the caller how long until the count resets, which a
 * fixed window reproduces exactly. Refused requests do not count.
 */
export class RateWindow {
  private windowStart = Number.NEGATIVE_INFINITY;
  private count = 0;

  /** Counts one request at `now` (epoch ms) against `limit`. */
  hit(limit: RateLimit, now: number): RateDecision {
    const windowMs = limit.windowSeconds * 1000;
    if (now >= this.windowStart + windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    if (this.count >= limit.requests) {
      const remainingMs = this.windowStart + windowMs - now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
    }
    this.count += 1;
    return { ok: true };
  }
}

/** One {@link RateWindow} per key (the bearer token), created on first use. */
export class RateLimiter {
  private readonly windows = new Map<string, RateWindow>();

  /** Counts a request by `key`. */
  hit(key: string, limit: RateLimit, now: number): RateDecision {
    let window = this.windows.get(key);
    if (!window) {
      window = new RateWindow();
      this.windows.set(key, window);
    }
    return window.hit(limit, now);
  }

  /** Forgets `key` (its token expired or was revoked). */
  forget(key: string): void {
    this.windows.delete(key);
  }
}
