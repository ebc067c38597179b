/**
 * Retry rules for Platform API calls (genesys-api.md §5.3). The client retries itself (got's retry is off)
 * so the rate limiter and the observer see every attempt.
 * - 429: always retried (nothing happened on the server), after Retry-After, also for POST.
 * - 5xx (except 501), 408 and network errors: retried only for idempotent calls, with exponential
 *   backoff and full jitter.
 */
export interface RetryPolicy {
  /** Retries after the first attempt (429s and transient failures share the budget). */
  retries: number;
  /** First backoff ceiling; attempt n waits up to `baseDelayMs * 2^n`. */
  baseDelayMs: number;
  /** Cap of one backoff delay. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not slept on: the call fails with RateLimitedError at once. */
  maxRetryAfterMs: number;
  /** Used when a 429 has no usable Retry-After header. */
  defaultRetryAfterMs: number;
}

/** Defaults: 5 retries, 250 ms base, 30 s cap; Retry-After up to 60 s is waited for. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  defaultRetryAfterMs: 3_000,
};

/** Merges caller overrides into the defaults, ignoring undefined and negative values. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const out = { ...DEFAULT_RETRY_POLICY };
  for (const key of Object.keys(out) as Array<keyof RetryPolicy>) {
    const value = overrides[key];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) out[key] = value;
  }
  return out;
}

/**
 * "Full jitter" backoff (AWS architecture blog): a uniform delay in [0, min(cap, base·2^attempt)).
 * `attempt` is 0 for the first retry. `random` returns [0, 1) and is injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * Parses a Retry-After header into milliseconds: integer seconds (what Genesys sends, §5.2) or an
 * HTTP date. Undefined when absent or unusable, so the caller falls back to a default.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  // An HTTP date has a weekday and month name; without this, Date.parse reads "-5" as a year.
  if (!/[a-z]/i.test(raw)) return undefined;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** HTTP methods whose repetition cannot create a second effect. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** True for methods that are safe to repeat after a failure whose outcome is unknown. */
export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/** True for statuses worth retrying on an idempotent call: 408 and 5xx except 501 (not implemented). */
export function isTransientStatus(status: number): boolean {
  return status === 408 || (status >= 500 && status <= 599 && status !== 501);
}

/** What one attempt of a call produced, as far as retrying is concerned. */
export type AttemptOutcome<T> =
  | { kind: "done"; value: T }
  /** 429: retried (any method) after `retryAfterMs` unless that exceeds the policy or the budget is spent. */
  | { kind: "rateLimited"; retryAfterMs: number }
  /** 5xx/408/network: retried with backoff when the call is idempotent, else `error` is thrown. */
  | { kind: "transient"; error: Error }
  /** Repeat at once without spending the budget (used once, for a token refresh after a 401). */
  | { kind: "again" };

/** How {@link withRetries} waits and fails; the HTTP layer and the token fetch differ here. */
export interface RetryHooks {
  policy: RetryPolicy;
  idempotent: boolean;
  signal?: AbortSignal;
  /** Waits out a 429 (sleeps, or pauses the shared limiter so the next acquire waits). */
  onRateLimited(retryAfterMs: number): Promise<void>;
  /** The error to throw when 429s outlast the retries. */
  rateLimitedError(retryAfterMs: number): Error;
  /** Called before a backoff sleep, for logging. */
  onRetry?(attempt: number, delayMs: number, reason: string): void;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random?: () => number;
}

/** Runs `attempt` until it is done or the rules of {@link RetryPolicy} say stop. */
export async function withRetries<T>(
  attempt: () => Promise<AttemptOutcome<T>>,
  hooks: RetryHooks,
): Promise<T> {
  const { policy } = hooks;
  for (let retry = 0; ;) {
    const outcome = await attempt();
    switch (outcome.kind) {
      case "done":
        return outcome.value;
      case "again":
        continue;
      case "rateLimited": {
        const ms = outcome.retryAfterMs;
        if (retry >= policy.retries || ms > policy.maxRetryAfterMs) throw hooks.rateLimitedError(ms);
        hooks.onRetry?.(retry, ms, "429");
        await hooks.onRateLimited(ms);
        break;
      }
      case "transient": {
        if (!hooks.idempotent || retry >= policy.retries) throw outcome.error;
        const delayMs = backoffDelay(retry, policy, hooks.random);
        hooks.onRetry?.(retry, delayMs, outcome.error.message);
        await hooks.sleep(delayMs, hooks.signal);
        break;
      }
    }
    retry += 1;
  }
}
