import type { Got } from "got";
import type { Logger } from "../logger.js";
import { oneLine } from "../redact.js";
import {
  apiErrorFromResponse,
  AuthError,
  LoginThrottledError,
  NetworkError,
  RateLimitedError,
  UnexpectedResponseError,
} from "./errors.js";
import type { GenesysObserver } from "./observer.js";
import {
  isTransientStatus,
  parseRetryAfter,
  withRetries,
  type AttemptOutcome,
  type RetryPolicy,
} from "./retry.js";
import { TokenErrorSchema, TokenResponseSchema } from "./schemas.js";
import { sleep } from "./sleep.js";

/** Everything the token provider needs; built by GenesysClient. */
export interface TokenProviderOptions {
  got: Got;
  loginBase: string;
  clientId: string;
  clientSecret: string;
  policy: RetryPolicy;
  logger: Logger;
  observer?: GenesysObserver;
  clock?: () => number;
}

/** Lifetime assumed when the token response has no `expires_in` (the documented default, §1.2). */
const DEFAULT_LIFETIME_MS = 86_400_000;
const ROUTE = "/oauth/token";

/** When to refresh a token of `lifetimeMs`: 60 s or 10% of its life before expiry, whichever is sooner. */
export function refreshAheadMs(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs * 0.1);
}

/**
 * OAuth client-credentials tokens (genesys-api.md §1.1–§1.3) with a cache. Tokens are refreshed ahead
 * of expiry; concurrent callers share one in-flight token request.
 */
export class TokenProvider {
  private cached: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private readonly clock: () => number;

  constructor(private readonly opts: TokenProviderOptions) {
    this.clock = opts.clock ?? Date.now;
  }

  /** A valid bearer token, fetching one when none is cached or the cached one is due for refresh. */
  async token(signal?: AbortSignal): Promise<string> {
    if (this.cached && this.clock() < this.cached.refreshAt) return this.cached.token;
    this.inflight ??= this.fetch(signal).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** Forgets `token` after the API rejected it (401); a newer token fetched meanwhile is kept. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async fetch(signal?: AbortSignal): Promise<string> {
    const { clientId, policy } = this.opts;
    const token = await withRetries(() => this.attempt(signal), {
      policy,
      idempotent: true, // a token request creates nothing that matters; repeating it is safe
      signal,
      onRateLimited: (ms) => sleep(ms, signal),
      rateLimitedError: (ms) => new RateLimitedError("POST", ROUTE, ms),
      sleep,
      onRetry: (attempt, delayMs, reason) =>
        this.opts.logger.debug({ route: ROUTE, attempt, delayMs, reason }, "retrying token request"),
    });
    this.opts.logger.debug({ clientId }, "obtained Genesys access token");
    return token;
  }

  private async attempt(signal?: AbortSignal): Promise<AttemptOutcome<string>> {
    const { got, loginBase, clientId, clientSecret, observer } = this.opts;
    const started = this.clock();
    let status = 0;
    let text = "";
    let retryAfter: string | undefined;
    try {
      const res = await got.post(`${loginBase}${ROUTE}`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: "grant_type=client_credentials",
        responseType: "text",
        signal,
      });
      ({ statusCode: status, body: text } = res);
      retryAfter = res.headers["retry-after"];
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      return { kind: "transient", error: new NetworkError("POST", ROUTE, err) };
    } finally {
      observer?.request?.({ method: "POST", route: ROUTE, status, durationMs: this.clock() - started });
    }
    if (status === 429) {
      const ms = parseRetryAfter(retryAfter) ?? this.opts.policy.defaultRetryAfterMs;
      observer?.rateLimited?.(ms);
      return { kind: "rateLimited", retryAfterMs: ms };
    }
    if (isTransientStatus(status)) {
      const error = apiErrorFromResponse({
        method: "POST",
        route: ROUTE,
        path: ROUTE,
        status,
        body: safeJson(text),
        correlationId: undefined,
        knownSecrets: [clientSecret],
      });
      return { kind: "transient", error };
    }
    const json = safeJson(text);
    // A throttled login is a 400 like bad credentials, but it clears by itself: back off and ask again.
    if (isLoginThrottled(status, json))
      return { kind: "transient", error: new LoginThrottledError(clientId) };
    if (status !== 200) throw this.authError(status, json);
    const parsed = TokenResponseSchema.safeParse(json);
    if (!parsed.success)
      throw new UnexpectedResponseError("POST", ROUTE, "token response without access_token");
    const lifetime = (parsed.data.expires_in ?? DEFAULT_LIFETIME_MS / 1000) * 1000;
    this.cached = {
      token: parsed.data.access_token,
      refreshAt: started + lifetime - refreshAheadMs(lifetime),
    };
    return { kind: "done", value: parsed.data.access_token };
  }

  private authError(status: number, json: unknown): AuthError {
    const body = TokenErrorSchema.safeParse(json);
    const error = body.success ? (body.data.error ?? "") : "";
    const description = body.success ? (body.data.description ?? body.data.error_description ?? "") : "";
    const detail = oneLine(`${error} ${description}`.trim() || "no details", 300, [this.opts.clientSecret]);
    return new AuthError(
      `cannot get a Genesys Cloud token for OAuth client ${this.opts.clientId}: ${status} ${detail}`,
      status,
    );
  }
}

/**
 * The login service's throttling answer: HTTP 400 `{"error":"invalid_request","description":"rate limit
 * exceeded; ..."}` (what the Terraform provider retries, see src/emulator/auth.ts `LOGIN_THROTTLED`).
 * A genuine `invalid_client` (unknown client, wrong secret) never matches.
 */
export function isLoginThrottled(status: number, json: unknown): boolean {
  if (status !== 400) return false;
  const body = TokenErrorSchema.safeParse(json);
  if (!body.success || body.data.error !== "invalid_request") return false;
  const text = `${body.data.description ?? ""} ${body.data.error_description ?? ""}`;
  return /rate limit exceeded/i.test(text);
}

/** Parses JSON, or returns the text itself when it is not JSON (proxies answer with HTML). */
export function safeJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return text;
  }
}
