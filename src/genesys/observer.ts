/** One HTTP attempt as seen by the client (every retry is its own event). */
export interface GenesysRequestEvent {
  method: string;
  /** Route template, e.g. `/api/v2/flows/{flowId}`; `/oauth/token`; `presigned:upload` / `presigned:download`. */
  route: string;
  /** HTTP status, or 0 when no answer came (network error, timeout). */
  status: number;
  durationMs: number;
}

/**
 * Hooks for metrics and benchmarks. All optional and synchronous; a throwing observer is a bug in
 * the observer, so the client does not guard against it.
 */
export interface GenesysObserver {
  /** After every HTTP attempt. */
  request?(event: GenesysRequestEvent): void;
  /** When the server answered 429; `retryAfterMs` is the delay it asked for (or the default). */
  rateLimited?(retryAfterMs: number): void;
  /** When a call had to wait for the client-side rate limiter (only for waits > 0). */
  limiterWait?(ms: number): void;
}
