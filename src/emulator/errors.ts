import { PromoterError } from "../errors.js";

/** One entry of an ErrorBody's `details` (genesys-api.md §5.1). */
export interface ErrorDetail {
  errorCode?: string;
  fieldName?: string;
  entityId?: string;
  entityName?: string;
}

/** The real Platform API error document (genesys-api.md §5.1); every emulator error response has this shape. */
export interface ErrorBody {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: ErrorDetail[];
  errors: ErrorBody[];
  entityId?: string;
  entityName?: string;
  messageWithParams?: string;
  messageParams?: Record<string, string>;
}

/** Optional parts of an {@link ApiError}. */
export interface ApiErrorExtras {
  details?: ErrorDetail[];
  entityId?: string;
  entityName?: string;
  messageParams?: Record<string, string>;
  /** Extra response headers (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

/**
 * Thrown by route handlers to answer with an ErrorBody. It is a PromoterError so that the rule
 * "every error carries a stable code" holds inside the emulator too; the code is the Genesys one.
 */
export class ApiError extends PromoterError {
  readonly status: number;
  readonly extras: ApiErrorExtras;

  constructor(status: number, code: string, message: string, extras: ApiErrorExtras = {}) {
    super(
      code,
      status >= 500 ? "Transient" : status === 429 || status === 409 ? "Waiting" : "Stalled",
      message,
    );
    this.status = status;
    this.extras = extras;
  }
}

/** Builds the ErrorBody for `error`, stamping the request's correlation id as `contextId`. */
export function errorBody(error: ApiError, contextId: string): ErrorBody {
  const body: ErrorBody = {
    message: error.message,
    code: error.code,
    status: error.status,
    contextId,
    details: error.extras.details ?? [],
    errors: [],
  };
  if (error.extras.entityId !== undefined) body.entityId = error.extras.entityId;
  if (error.extras.entityName !== undefined) body.entityName = error.extras.entityName;
  if (error.extras.messageParams !== undefined) body.messageParams = error.extras.messageParams;
  return body;
}

/** Default code and message for the generic statuses the fault injector and the server produce. */
const GENERIC: Record<number, [string, string]> = {
  400: ["bad.request", "The request could not be understood by the server due to malformed syntax."],
  404: ["not.found", "The requested resource was not found."],
  405: ["method.not.allowed", "The requested method is not supported for this resource."],
  408: ["request.timeout", "The request timed out."],
  413: ["request.entity.too.large", "The request is over the size limit."],
  415: [
    "unsupported.media.type",
    "Unsupported Media Type - Unsupported or incorrect media type, such as an incorrect Content-Type value in the header.",
  ],
  500: [
    "internal.server.error",
    "The server encountered an unexpected condition which prevented it from fulfilling the request.",
  ],
  502: ["bad.gateway", "The server received an invalid response from an upstream server."],
  503: [
    "service.unavailable",
    "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).",
  ],
  504: ["request.timeout", "The request timed out."],
};

/** An {@link ApiError} with the generic code and message of `status`. */
export function genericError(status: number, message?: string): ApiError {
  const [code, text] = GENERIC[status] ?? ["error", `The request failed with status ${status}`];
  return new ApiError(status, code, message ?? text);
}

/** The 429 every rate limiter in the Platform API answers with since Nov 2021 (genesys-api.md §5.2). */
export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    "too.many.requests.retry.after",
    `Rate limit exceeded the maximum. Retry the request in [${retryAfterSeconds}] seconds`,
    { headers: { "Retry-After": String(retryAfterSeconds) } },
  );
}

/** 400 for a malformed query or body value. */
export function badRequest(message: string, code = "bad.request"): ApiError {
  return new ApiError(400, code, message);
}
