import { randomBytes } from "node:crypto";
import { ApiError } from "./errors.js";
import type { Principal } from "./flow-store.js";
import type { HttpResult } from "./router.js";
import type { EmulatorState, OrgState } from "./state.js";

/** What a bearer token stands for. */
export interface TokenInfo {
  token: string;
  org: OrgState;
  principal: Principal;
  issuedAt: number;
  expiresAt: number;
  /** The org's token generation at issue time; `expireTokens` bumps the org's generation. */
  generation: number;
}

/** Issued bearer tokens. Expired ones are forgotten lazily, when presented. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenInfo>();

  /** Issues a token for `clientId` of `org` valid for `ttlSeconds`. */
  issue(org: OrgState, principal: Principal, ttlSeconds: number, now: number): TokenInfo {
    const info: TokenInfo = {
      token: randomBytes(32).toString("base64url"),
      org,
      principal,
      issuedAt: now,
      expiresAt: now + ttlSeconds * 1000,
      generation: org.tokenGeneration,
    };
    this.tokens.set(info.token, info);
    return info;
  }

  /**
   * The token behind an `Authorization` header, or the 401 ErrorBody the real API sends:
   * `authentication.required` when no bearer is given, `bad.credentials` when it is unknown or expired.
   */
  authenticate(header: string | undefined, now: number): TokenInfo {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!match?.[1])
      throw new ApiError(
        401,
        "authentication.required",
        "No authentication bearer token specified in authorization header.",
      );
    const info = this.tokens.get(match[1]);
    if (!info || now >= info.expiresAt || info.generation !== info.org.tokenGeneration) {
      if (info) this.tokens.delete(info.token);
      throw new ApiError(401, "bad.credentials", "Invalid login credentials.");
    }
    return info;
  }
}

/** The OAuth error bodies observed from the live service (genesys-api.md §1.3, §9.1). */
const CLIENT_NOT_FOUND = {
  error: "invalid_client",
  description: "client not found",
  error_description: "client not found",
};
const AUTH_FAILED = { error: "invalid_client", description: "authentication failed" };

/**
 * How the login service answers a throttled token request. Not a 429: the Go SDK reports it as
 * `Auth Error: 400 - invalid_request (rate limit exceeded; ...)` (it prints `error` and
 * `error_description`), and the Terraform provider retries exactly that prefix for a minute
 * (terraform-provider-genesyscloud `provider.go`, `InitClientConfig`; its CONCURRENT_PAGINATION.md:
 * "Bursting many parallel token requests triggers `400 rate limit exceeded` responses"). What follows
 * the `;` is not shown in any source; this text is the emulator's own.
 */
export const LOGIN_THROTTLED = {
  error: "invalid_request",
  description: "rate limit exceeded; retry the token request later",
  error_description: "rate limit exceeded; retry the token request later",
};

function oauthError(status: number, error: string, description: string): HttpResult {
  return { status, body: { error, description, error_description: description } };
}

/** Decodes `Authorization: Basic base64(id:secret)`; undefined when absent or malformed. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** The client a token request claims to be and its org (for the request log), if known. */
export function tokenRequestClient(
  state: EmulatorState,
  authorization: string | undefined,
): { org?: OrgState; clientId?: string } {
  const creds = basicCredentials(authorization);
  return creds ? { org: state.orgOfClient(creds.id), clientId: creds.id } : {};
}

/**
 * `POST /oauth/token` with the client-credentials grant (genesys-api.md §1.1-1.3): Basic auth with
 * the client id and secret, form body `grant_type=client_credentials`.
 */
export function handleTokenRequest(
  state: EmulatorState,
  tokens: TokenStore,
  authorization: string | undefined,
  body: string,
): HttpResult {
  const creds = basicCredentials(authorization);
  if (!creds) return { status: 401, body: AUTH_FAILED };
  const org = state.orgOfClient(creds.id);
  const client = org?.clients.get(creds.id);
  if (!org || !client) return { status: 400, body: CLIENT_NOT_FOUND };
  // Throttling comes before the secret check: the login service refuses the request, not the client.
  if (org.faults.takeLoginThrottle()) return { status: 400, body: LOGIN_THROTTLED };
  if (client.secret !== creds.secret) return { status: 401, body: AUTH_FAILED };
  const grant = new URLSearchParams(body).get("grant_type");
  if (!grant) return oauthError(400, "invalid_request", "grant_type is required");
  if (grant !== "client_credentials")
    return oauthError(400, "unsupported_grant_type", `grant type '${grant}' is not supported`);
  const ttl = org.faults.current.tokenTtlSeconds ?? client.tokenTtlSeconds;
  const info = tokens.issue(org, { clientId: client.id, clientName: client.name }, ttl, state.now());
  return { status: 200, body: { access_token: info.token, token_type: "bearer", expires_in: ttl } };
}
