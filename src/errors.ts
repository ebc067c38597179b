/**
 * The base of every error this project raises on purpose.
 *
 * Each error has a stable machine-readable `code` (callers branch on it, never on the message)
 * and a `reason` that becomes the Kubernetes condition reason class:
 * - `Stalled`: a human must act (bad input, missing object in the org); retrying will not help.
 * - `Waiting`: a known condition that clears by itself (rate limit, lock, dependency not ready);
 *   `retryAfterMs` says when to look again.
 * - `Transient`: an unexpected failure (network, 5xx); back off and retry.
 */
export type ErrorReason = "Stalled" | "Waiting" | "Transient";

/** Options shared by every {@link PromoterError}. */
export interface PromoterErrorOptions {
  cause?: unknown;
  retryAfterMs?: number;
}

/** Base class: a message, a stable `code` and a `reason` (see {@link ErrorReason}). */
export class PromoterError extends Error {
  readonly code: string;
  readonly reason: ErrorReason;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, reason: ErrorReason, message: string, options: PromoterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** True when `err` is one of ours (as opposed to a bug or a library error). */
export function isPromoterError(err: unknown): err is PromoterError {
  return err instanceof PromoterError;
}

/** The reason to report for any thrown value: ours carry one, anything else is Transient. */
export function reasonOf(err: unknown): ErrorReason {
  return isPromoterError(err) ? err.reason : "Transient";
}
