import { PromoterError, type ErrorReason } from "../errors.js";
import { oneLine } from "../redact.js";
import { ErrorBodySchema, type JobMessage } from "./schemas.js";

/**
 * 409/405 codes that mean "someone else holds the flow, or an operation is running": they clear by
 * themselves, so they are Waiting rather than Stalled (genesys-api.md §5.4).
 */
export const LOCK_ERROR_CODES: ReadonlySet<string> = new Set([
  "architect.flow.locked.by.user",
  "architect.flow.not.locked.by.user",
  "architect.flow.cannot.delete.user.does.not.have.lock",
  "architect.operation.already.in.progress",
  "architect.dependencies.build.in.progress",
]);

/** How long a Waiting lock error asks the caller to wait before looking again. */
const LOCK_RETRY_AFTER_MS = 30_000;

/** Fields of a failed API call, as the client saw it. */
export interface ApiErrorDetails {
  method: string;
  /** Route template, e.g. `/api/v2/flows/{flowId}`. */
  route: string;
  /** The concrete path (never the query: it can carry signatures). */
  path: string;
  status: number;
  code: string;
  contextId: string | undefined;
  /** The server's message, scrubbed. */
  apiMessage: string;
}

/**
 * A non-2xx answer from the Platform API. `code` is the API's dotted error code (e.g.
 * `architect.flow.locked.by.user`, or `http.<status>` when the body had none).
 * Reason: 5xx/408 Transient, lock conflicts Waiting, other 4xx Stalled.
 */
export class GenesysApiError extends PromoterError {
  readonly status: number;
  readonly contextId: string | undefined;
  readonly method: string;
  readonly route: string;
  readonly path: string;
  readonly apiMessage: string;

  constructor(d: ApiErrorDetails, reason: ErrorReason = reasonForStatus(d.status, d.code)) {
    const ctx = d.contextId ? ` (contextId ${d.contextId})` : "";
    super(
      d.code,
      reason,
      oneLine(`${d.method} ${d.path} failed: ${d.status} ${d.code}: ${d.apiMessage}${ctx}`),
      reason === "Waiting" ? { retryAfterMs: LOCK_RETRY_AFTER_MS } : {},
    );
    this.status = d.status;
    this.contextId = d.contextId;
    this.method = d.method;
    this.route = d.route;
    this.path = d.path;
    this.apiMessage = d.apiMessage;
  }
}

/** The server kept answering 429 after every retry; look again after `retryAfterMs`. */
export class RateLimitedError extends PromoterError {
  constructor(method: string, route: string, retryAfterMs: number) {
    super(
      "GenesysRateLimited",
      "Waiting",
      `${method} ${route} was rate limited by Genesys Cloud; retry after ${Math.ceil(retryAfterMs / 1000)} s`,
      { retryAfterMs },
    );
  }
}

/** The OAuth client could not get (or keep) a token: wrong id/secret or a revoked client. */
export class AuthError extends PromoterError {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super("GenesysAuth", "Stalled", oneLine(message));
    this.status = status;
  }
}

/**
 * The login service kept refusing token requests as throttled (400 `invalid_request`, "rate limit
 * exceeded") after every retry. Waiting: the credentials are fine, the login rate limit clears by itself.
 */
export class LoginThrottledError extends PromoterError {
  constructor(clientId: string, retryAfterMs = 60_000) {
    super(
      "GenesysLoginThrottled",
      "Waiting",
      `token requests of OAuth client ${clientId} are throttled by the Genesys Cloud login service (400 invalid_request: rate limit exceeded)`,
      { retryAfterMs },
    );
  }
}

/**
 * The connection failed or timed out before any HTTP answer (after retries, if the call was idempotent).
 * The library error is not chained as `cause`: got errors carry the request options, headers included.
 */
export class NetworkError extends PromoterError {
  readonly errorCode: string | undefined;
  constructor(method: string, route: string, cause: unknown) {
    const errorCode = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
    const code = typeof errorCode === "string" ? errorCode : undefined;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      "GenesysNetwork",
      "Transient",
      oneLine(`${method} ${route} failed: network error ${code ?? ""} ${detail}`),
    );
    this.errorCode = code;
  }
}

/** A 2xx answer whose body did not have the documented shape. */
export class UnexpectedResponseError extends PromoterError {
  constructor(method: string, route: string, problem: string) {
    super(
      "GenesysUnexpectedResponse",
      "Transient",
      oneLine(`${method} ${route}: unexpected response: ${problem}`),
    );
  }
}

/** An export or validate job that ended in Failure, or any job that did not finish in time. */
export class JobFailedError extends PromoterError {
  readonly jobId: string;
  readonly messages: JobMessage[];
  constructor(code: string, reason: ErrorReason, summary: string, jobId: string, messages: JobMessage[]) {
    super(code, reason, oneLine(`${summary}${messageSummary(messages)}`));
    this.jobId = jobId;
    this.messages = messages;
  }
}

/**
 * An import (publish) job that ended in Failure. Stalled (the flow or the org must be fixed), except
 * when Archy reports the flow "locked by another entity" (genesys-api.md §3.2): that clears by itself.
 */
export class ImportJobFailedError extends JobFailedError {
  readonly flowName: string | undefined;
  constructor(jobId: string, flowName: string | undefined, messages: JobMessage[]) {
    const locked = messages.some((m) => /\blocked\b/i.test(m.text ?? ""));
    const what = flowName ? `flow "${flowName}"` : "flow";
    super(
      "ImportJobFailed",
      locked ? "Waiting" : "Stalled",
      `import job ${jobId} for ${what} failed`,
      jobId,
      messages,
    );
    this.flowName = flowName;
  }
}

/** ": first error; second error" or " (no messages)" when the job gave none (genesys-api.md §6, TF #1806). */
function messageSummary(messages: JobMessage[]): string {
  const errors = messages.filter((m) => (m.type ?? "Error") === "Error" && m.text);
  const shown = (errors.length > 0 ? errors : messages.filter((m) => m.text)).slice(0, 5);
  if (shown.length === 0) return " (no messages)";
  return `: ${shown.map((m) => m.text).join("; ")}`;
}

/** The reason class for an HTTP status and error code (see {@link GenesysApiError}). */
export function reasonForStatus(status: number, code: string): ErrorReason {
  if (status >= 500 || status === 408) return "Transient";
  if (LOCK_ERROR_CODES.has(code)) return "Waiting";
  return "Stalled";
}

/** Builds the error for a non-2xx API answer from its raw body and headers. */
export function apiErrorFromResponse(args: {
  method: string;
  route: string;
  path: string;
  status: number;
  body: unknown;
  correlationId: string | undefined;
  knownSecrets?: readonly string[];
}): GenesysApiError {
  const parsed = ErrorBodySchema.safeParse(args.body);
  const body = parsed.success ? parsed.data : {};
  const raw = body.message ?? (typeof args.body === "string" ? args.body : "");
  return new GenesysApiError({
    method: args.method,
    route: args.route,
    path: args.path,
    status: args.status,
    code: body.code ?? `http.${args.status}`,
    contextId: body.contextId ?? args.correlationId,
    apiMessage: oneLine(raw || "no message", 500, args.knownSecrets ?? []),
  });
}

/** A job that did not reach Success or Failure in time; it may still finish on the server. */
export class JobTimeoutError extends PromoterError {
  readonly jobId: string;
  constructor(what: string, jobId: string, lastStatus: string, timeoutMs: number) {
    super(
      "GenesysJobTimeout",
      "Transient",
      `${what} job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)} s (last status ${lastStatus})`,
    );
    this.jobId = jobId;
  }
}

/**
 * A publish (`actions/publish`) whose asynchronous Operation completed with FAILURE, or was replaced by
 * another operation before this client saw it finish, without the requested version being published.
 * Transient: the published version is unchanged and publishing again is safe.
 */
export class PublishFailedError extends PromoterError {
  readonly flowId: string;
  readonly operationId: string | undefined;
  /** The Operation's `errorCode` (e.g. `architect.external.publish.error`), when it gave one. */
  readonly apiErrorCode: string | undefined;
  constructor(flowId: string, operationId: string | undefined, problem: string, apiErrorCode?: string) {
    super(
      "PublishFailed",
      "Transient",
      oneLine(`publish of flow ${flowId} (operation ${operationId ?? "unknown"}) failed: ${problem}`),
    );
    this.flowId = flowId;
    this.operationId = operationId;
    this.apiErrorCode = apiErrorCode;
  }
}
