import { sleep } from "./sleep.js";

/**
 * Client-side throttling. Genesys limits each client-credentials client to 300 requests per minute by
 * default (genesys-api.md §5.2); every GenesysClient of one OAuth client shares one bucket so that
 * parallel workers together stay under the limit instead of collecting 429s.
 */
export interface RateLimitConfig {
  /** Requests the server allows per window. */
  requests: number;
  /** The server's window. */
  windowSeconds: number;
  /** Fraction of `requests` kept in reserve for clock skew and latency jitter (0..0.5). */
  safetyMargin: number;
  /** Tokens available at once; by default 5% of the effective limit. */
  burst?: number;
}

/** 300 requests per 60 s, 5% margin. */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { requests: 300, windowSeconds: 60, safetyMargin: 0.05 };

/** Capacity and refill rate of a bucket. */
export interface BucketParameters {
  capacity: number;
  refillPerMs: number;
}

/**
 * A bucket of capacity C refilled at R admits at most C + R·W requests in any window of length W, so
 * C + R·W is set to the effective limit (requests minus the margin): the burst is paid for out of the
 * steady rate. With an effective limit below 2 there is no room for that and R is 1 per window.
 */
export function bucketParameters(config: RateLimitConfig): BucketParameters {
  const windowMs = Math.max(1, config.windowSeconds * 1000);
  const margin = Math.min(0.5, Math.max(0, config.safetyMargin));
  const effective = Math.max(1, Math.floor(config.requests * (1 - margin)));
  const burst = config.burst ?? Math.floor(effective * 0.05);
  const capacity = Math.min(effective, Math.max(1, Math.floor(burst)));
  const steady = effective - capacity;
  return { capacity, refillPerMs: (steady > 0 ? steady : 1) / windowMs };
}

/**
 * A token bucket that hands out reservations in FIFO order: a caller takes a token now and is told how
 * long to wait before using it, so waiting callers are spaced at the refill rate.
 */
export class TokenBucket {
  capacity: number;
  refillPerMs: number;
  private tokens: number;
  /** Time up to which refill has been accounted; in the future while paused (no refill during a pause). */
  private last: number;
  private pausedUntil = 0;
  private epoch = 0;

  constructor(
    params: BucketParameters,
    private readonly clock: () => number = Date.now,
  ) {
    this.capacity = params.capacity;
    this.refillPerMs = params.refillPerMs;
    this.tokens = params.capacity;
    this.last = clock();
  }

  /** Takes one token and returns how many ms the caller must wait before sending (0 = now). */
  reserve(): number {
    const now = this.refill();
    this.tokens -= 1;
    const debtMs = this.tokens >= 0 ? 0 : -this.tokens / this.refillPerMs;
    return Math.max(0, Math.ceil(Math.max(this.last, now) - now + debtMs), this.pausedUntil - now);
  }

  /**
   * The server answered 429: nobody sends before `now + ms`, and sending resumes at the steady rate
   * from an empty bucket. Callers already waiting take a new place in line (see {@link acquire}), so
   * the pause does not end in a burst of everyone who was due during it.
   */
  pause(ms: number): void {
    const now = this.refill();
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
    this.last = Math.max(this.last, this.pausedUntil);
    this.tokens = 0;
    this.epoch += 1;
  }

  /** Applies a stricter rate (see {@link RateLimiterRegistry.forClient}); tokens in hand are capped to it. */
  retune(params: BucketParameters): void {
    const now = this.refill();
    this.capacity = params.capacity;
    this.refillPerMs = params.refillPerMs;
    this.tokens = Math.min(this.tokens, this.capacity);
    this.last = Math.max(this.last, now);
  }

  /** Milliseconds until the current pause ends (0 when not paused). */
  pauseRemaining(): number {
    return Math.max(0, this.pausedUntil - this.clock());
  }

  /** Waits for a token (and for any pause to end); resolves with the total time waited. */
  async acquire(signal?: AbortSignal): Promise<number> {
    const start = this.clock();
    for (;;) {
      const epoch = this.epoch;
      await sleep(this.reserve(), signal);
      // A 429 seen by another caller while we slept voids our reservation: queue again behind the pause.
      if (epoch === this.epoch) return this.clock() - start;
    }
  }

  private refill(): number {
    const now = this.clock();
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
      this.last = now;
    }
    return now;
  }
}

/**
 * One bucket per (API base, OAuth client id). `main.ts` builds one registry and passes it to every
 * GenesysClient so that all clients of the same OAuth client share the limit.
 */
export class RateLimiterRegistry {
  readonly config: RateLimitConfig;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    config: Partial<RateLimitConfig> = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.config = { ...DEFAULT_RATE_LIMIT, ...definedOnly(config) };
  }

  /**
   * The shared bucket of `clientId` at `apiBase`, created on first use. `override` asks for another rate
   * (an IvrPromotion's `spec.rateLimit`); callers of one OAuth client still share one bucket, and the
   * strictest rate any of them asked for wins, since the org's limit is per client, not per caller.
   */
  forClient(apiBase: string, clientId: string, override: Partial<RateLimitConfig> = {}): TokenBucket {
    const key = `${apiBase}\n${clientId}`;
    const params = bucketParameters({ ...this.config, ...definedOnly(override) });
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(params, this.clock);
      this.buckets.set(key, bucket);
    } else if (params.refillPerMs < bucket.refillPerMs) {
      bucket.retune(params);
    }
    return bucket;
  }
}

function definedOnly(config: Partial<RateLimitConfig>): Partial<RateLimitConfig> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
}
