import type { Got } from "got";
import type { Logger } from "../logger.js";
import { apiErrorFromResponse, NetworkError, RateLimitedError } from "./errors.js";
import type { GenesysObserver } from "./observer.js";
import {
  isTransientStatus,
  parseRetryAfter,
  withRetries,
  type AttemptOutcome,
  type RetryPolicy,
} from "./retry.js";
import { sleep } from "./sleep.js";

/** Dependencies of {@link presignedTransfer}. */
export interface PresignedDeps {
  got: Got;
  policy: RetryPolicy;
  logger: Logger;
  observer?: GenesysObserver;
}

/** One transfer to or from a presigned (S3) URL. */
export interface PresignedRequest {
  method: "PUT" | "GET";
  url: string;
  /** For uploads: the headers the register call returned; all must be sent (genesys-api.md §3.1). */
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/**
 * Uploads to or downloads from a presigned URL: no bearer token (the URL is the credential), not
 * counted against the Platform API limit, retried on 429/5xx/network errors because both PUT of the
 * same file and GET are idempotent (TF retries uploads for 20 s, downloads on 429). The URL never
 * appears in errors or logs: its query string is a signature.
 */
export async function presignedTransfer(deps: PresignedDeps, req: PresignedRequest): Promise<Buffer> {
  const route = req.method === "PUT" ? "presigned:upload" : "presigned:download";
  return withRetries(() => attempt(deps, req, route), {
    policy: deps.policy,
    idempotent: true,
    signal: req.signal,
    onRateLimited: (ms) => sleep(ms, req.signal),
    rateLimitedError: (ms) => new RateLimitedError(req.method, route, ms),
    sleep,
    onRetry: (attemptNo, delayMs, reason) =>
      deps.logger.debug({ route, attempt: attemptNo, delayMs, reason }, "retrying"),
  });
}

async function attempt(
  deps: PresignedDeps,
  req: PresignedRequest,
  route: string,
): Promise<AttemptOutcome<Buffer>> {
  const started = Date.now();
  let status = 0;
  try {
    const res = await deps.got(req.url, {
      method: req.method,
      headers: req.headers ?? {},
      ...(req.body === undefined ? {} : { body: req.body }),
      responseType: "buffer",
      signal: req.signal,
    });
    status = res.statusCode;
    if (status >= 200 && status < 300) return { kind: "done", value: res.body };
    if (status === 429) {
      const ms = parseRetryAfter(res.headers["retry-after"]) ?? deps.policy.defaultRetryAfterMs;
      deps.observer?.rateLimited?.(ms);
      return { kind: "rateLimited", retryAfterMs: ms };
    }
    const error = apiErrorFromResponse({
      method: req.method,
      route,
      path: route,
      status,
      body: res.body.toString("utf8").slice(0, 2000),
      correlationId: undefined,
    });
    if (isTransientStatus(status)) return { kind: "transient", error };
    throw error;
  } catch (err) {
    if (status !== 0) throw err;
    if (req.signal?.aborted) throw req.signal.reason;
    return { kind: "transient", error: new NetworkError(req.method, route, err) };
  } finally {
    deps.observer?.request?.({ method: req.method, route, status, durationMs: Date.now() - started });
  }
}
