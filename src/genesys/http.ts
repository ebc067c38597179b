import type { Got } from "got";
import type { z } from "zod";
import type { Logger } from "../logger.js";
import type { TokenProvider } from "./auth.js";
import { safeJson } from "./auth.js";
import {
  apiErrorFromResponse,
  AuthError,
  NetworkError,
  RateLimitedError,
  UnexpectedResponseError,
} from "./errors.js";
import type { GenesysObserver } from "./observer.js";
import type { TokenBucket } from "./rate-limiter.js";
import {
  isIdempotentMethod,
  isTransientStatus,
  parseRetryAfter,
  withRetries,
  type AttemptOutcome,
  type RetryPolicy,
} from "./retry.js";
import { sleep } from "./sleep.js";

/** A query value; arrays become repeated keys (`?type=a&type=b`, genesys-api.md §2). */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

/** One Platform API call. */
export interface ApiRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Route template, e.g. `/api/v2/flows/{flowId}`; reported to the observer as is. */
  route: string;
  params?: Record<string, string>;
  query?: Record<string, QueryValue>;
  json?: unknown;
  /** Defaults to the method's idempotency; job-status polls are GETs and so idempotent. */
  idempotent?: boolean;
  /** Non-2xx statuses returned to the caller instead of thrown (e.g. 404 for a lookup). */
  accept?: readonly number[];
  signal?: AbortSignal;
}

/** The status and parsed body of an answered call. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** Dependencies of {@link GenesysHttp}. */
export interface GenesysHttpOptions {
  got: Got;
  apiBase: string;
  auth: TokenProvider;
  limiter: TokenBucket;
  policy: RetryPolicy;
  logger: Logger;
  observer?: GenesysObserver;
  /** Values scrubbed from any text that ends up in an error. */
  knownSecrets: readonly string[];
}

/**
 * The transport: bearer auth, the shared rate limiter, retries, error mapping, and zod parsing.
 * Every attempt passes through the limiter and is reported to the observer.
 */
export class GenesysHttp {
  constructor(private readonly o: GenesysHttpOptions) {}

  /** Sends `req` (with retries) and parses a 2xx body with `schema`. */
  async json<S extends z.ZodType>(req: ApiRequest, schema: S): Promise<z.infer<S>> {
    const res = await this.send(req);
    return parseBody(req, res.body, schema);
  }

  /** Sends `req` with retries; returns 2xx and accepted answers, throws a typed error for the rest. */
  async send(req: ApiRequest): Promise<ApiResponse> {
    const idempotent = req.idempotent ?? isIdempotentMethod(req.method);
    let refreshed = false;
    return withRetries(() => this.attempt(req, () => (refreshed ? false : (refreshed = true))), {
      policy: this.o.policy,
      idempotent,
      signal: req.signal,
      // The 429 already paused the shared bucket (see attempt); the next acquire waits it out.
      onRateLimited: async () => {},
      rateLimitedError: (ms) => new RateLimitedError(req.method, req.route, ms),
      sleep,
      onRetry: (attempt, delayMs, reason) =>
        this.o.logger.debug({ method: req.method, route: req.route, attempt, delayMs, reason }, "retrying"),
    });
  }

  private async attempt(
    req: ApiRequest,
    firstAuthFailure: () => boolean,
  ): Promise<AttemptOutcome<ApiResponse>> {
    const { o } = this;
    const waited = await o.limiter.acquire(req.signal);
    if (waited > 0) o.observer?.limiterWait?.(waited);
    const token = await o.auth.token(req.signal);
    const path = expandRoute(req.route, req.params);
    const started = Date.now();
    let status = 0;
    try {
      const res = await o.got(`${o.apiBase}${path}${queryString(req.query)}`, {
        method: req.method,
        headers: { authorization: `Bearer ${token}`, accept: "application/json" },
        ...(req.json === undefined ? {} : { json: req.json }),
        responseType: "text",
        signal: req.signal,
      });
      status = res.statusCode;
      const body = safeJson(res.body);
      if ((status >= 200 && status < 300) || req.accept?.includes(status)) {
        return { kind: "done", value: { status, body } };
      }
      if (status === 401) {
        // Expired or revoked token: fetch a new one and repeat once (genesys-api.md §5.3, Go SDK).
        o.auth.invalidate(token);
        if (firstAuthFailure()) return { kind: "again" };
        throw new AuthError(
          `${req.method} ${path}: 401 after a token refresh; the OAuth client was rejected`,
          401,
        );
      }
      if (status === 429) {
        const ms = parseRetryAfter(res.headers["retry-after"]) ?? o.policy.defaultRetryAfterMs;
        o.observer?.rateLimited?.(ms);
        // Everyone using this OAuth client holds off, not just this caller; a Retry-After beyond what
        // we would wait for ourselves is capped so that a long pause does not park every worker.
        o.limiter.pause(Math.min(ms, o.policy.maxRetryAfterMs));
        return { kind: "rateLimited", retryAfterMs: ms };
      }
      const error = apiErrorFromResponse({
        method: req.method,
        route: req.route,
        path,
        status,
        body,
        correlationId: headerValue(res.headers["inin-correlation-id"]),
        knownSecrets: [...o.knownSecrets, token],
      });
      if (isTransientStatus(status)) return { kind: "transient", error };
      throw error;
    } catch (err) {
      if (status !== 0) throw err;
      if (req.signal?.aborted) throw req.signal.reason;
      return { kind: "transient", error: new NetworkError(req.method, req.route, err) };
    } finally {
      o.observer?.request?.({
        method: req.method,
        route: req.route,
        status,
        durationMs: Date.now() - started,
      });
    }
  }
}

/** Substitutes `{name}` placeholders with URL-encoded values; a missing value is a programming error. */
export function expandRoute(route: string, params: Record<string, string> = {}): string {
  return route.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${route}: missing parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** Builds `?a=1&type=x&type=y` (empty string when nothing is set). */
export function queryString(query: Record<string, QueryValue> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, v);
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Parses a response body with `schema`, naming the first mismatch in the error. */
export function parseBody<S extends z.ZodType>(
  req: { method: string; route: string },
  body: unknown,
  schema: S,
): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "body";
  throw new UnexpectedResponseError(req.method, req.route, `${where}: ${issue?.message ?? "invalid"}`);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
