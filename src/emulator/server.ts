import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isPromoterError } from "../errors.js";
import { handleTokenRequest, tokenRequestClient, type TokenStore } from "./auth.js";
import type { ApiContext, ApiHandler } from "./context.js";
import { ApiError, badRequest, errorBody, genericError, tooManyRequests } from "./errors.js";
import type { RateLimiter } from "./rate-limit.js";
import type { RequestLog } from "./request-log.js";
import type { AdminHandler } from "./routes/admin.js";
import type { HttpResult, Router } from "./router.js";
import type { PresignedStore } from "./s3.js";
import type { EmulatorState, OrgState } from "./state.js";

/** Largest request body accepted (flows are at most 2 MiB; leave room). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The parts the request pipeline works with. */
export interface ServerDeps {
  state: EmulatorState;
  tokens: TokenStore;
  rateLimiter: RateLimiter;
  s3: PresignedStore;
  log: RequestLog;
  api: Router<ApiHandler>;
  admin: Router<AdminHandler>;
}

/** Who and what a request turned out to be, for the request log. */
interface Trace {
  route: string;
  org?: OrgState;
  clientId?: string;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => (size > MAX_BODY_BYTES ? reject(genericError(413)) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

function jsonOf(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw badRequest("Unable to parse the request body as JSON.");
  }
}

/** `/api/v2/...`: bearer check, storm, rate limit, latency, injected errors, then the handler. */
async function runApi(
  deps: ServerDeps,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  base: { baseUrl: string; correlationId: string },
  trace: Trace,
): Promise<HttpResult> {
  const method = req.method ?? "GET";
  const match = deps.api.match(method, url.pathname);
  trace.route = match.route ?? url.pathname;
  const now = deps.state.now();
  const token = deps.tokens.authenticate(req.headers.authorization, now);
  const org = token.org;
  trace.org = org;
  trace.clientId = token.principal.clientId;
  const storm = org.faults.takeStorm();
  if (storm) throw storm;
  const decision = deps.rateLimiter.hit(token.token, org.rateLimit, now);
  if (!decision.ok) throw tooManyRequests(decision.retryAfterSeconds);
  if (!match.found)
    throw match.methodNotAllowed
      ? genericError(405)
      : genericError(404, `No resource found for ${method} ${url.pathname}.`);
  const latency = org.faults.current.latencyMs ?? 0;
  if (latency > 0) await deps.state.scheduler.sleep(latency);
  const injected = org.faults.takeError(method, match.found.route);
  if (injected) throw injected;
  const ctx: ApiContext = {
    org,
    principal: token.principal,
    params: match.found.params,
    query: url.searchParams,
    path: url.pathname,
    baseUrl: base.baseUrl,
    correlationId: base.correlationId,
    now,
    s3: deps.s3,
    json: () => jsonOf(body),
  };
  return match.found.handler(ctx);
}

function runAdmin(
  deps: ServerDeps,
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  baseUrl: string,
): HttpResult {
  const match = deps.admin.match(req.method ?? "GET", url.pathname);
  if (!match.found)
    return {
      status: match.methodNotAllowed ? 405 : 404,
      body: { error: `no admin route ${req.method} ${url.pathname}` },
    };
  try {
    return match.found.handler({
      state: deps.state,
      log: deps.log,
      params: match.found.params,
      query: url.searchParams,
      baseUrl,
      json: () => jsonOf(body),
    });
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: { error: err.message } };
    if (isPromoterError(err)) return { status: 400, body: { error: err.message } };
    throw err;
  }
}

function send(res: ServerResponse, result: HttpResult, correlationId: string): void {
  const headers: Record<string, string> = { "ININ-Correlation-Id": correlationId, ...result.headers };
  let payload: Uint8Array | string | undefined = result.raw;
  if (payload === undefined && result.body !== undefined && result.status !== 204) {
    payload = JSON.stringify(result.body);
    headers["Content-Type"] ??= "application/json";
  }
  if (payload !== undefined) headers["Content-Length"] = String(Buffer.byteLength(payload));
  res.writeHead(result.status, headers);
  res.end(payload);
}

function errorResult(err: ApiError, correlationId: string): HttpResult {
  return { status: err.status, body: errorBody(err, correlationId), headers: err.extras.headers };
}

/** Builds the `request` listener of the emulator's HTTP server. */
export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const correlationId = randomUUID();
    const url = new URL(req.url ?? "/", "http://emulator.invalid");
    const baseUrl = `http://${req.headers.host ?? "127.0.0.1"}`;
    const trace: Trace = { route: url.pathname };
    const isAdmin = url.pathname.startsWith("/__admin/");
    void (async (): Promise<HttpResult> => {
      const body = await readBody(req);
      if (isAdmin) return runAdmin(deps, req, url, body, baseUrl);
      if (url.pathname.startsWith("/__s3/")) {
        trace.route = `/__s3/${url.pathname.split("/")[2] ?? ""}/{key}`;
        return deps.s3.handle(req.method ?? "GET", url, req.headers, body);
      }
      if (url.pathname === "/oauth/token") {
        Object.assign(trace, tokenRequestClient(deps.state, req.headers.authorization));
        if (req.method !== "POST") throw genericError(405);
        return handleTokenRequest(deps.state, deps.tokens, req.headers.authorization, body.toString("utf8"));
      }
      if (url.pathname.startsWith("/api/v2/"))
        return runApi(deps, req, url, body, { baseUrl, correlationId }, trace);
      throw genericError(404, `No resource found for ${req.method} ${url.pathname}.`);
    })()
      .catch((err: unknown): HttpResult => {
        if (err instanceof ApiError) return errorResult(err, correlationId);
        deps.state.logger.error({ err, path: url.pathname }, "emulator request failed");
        return errorResult(genericError(500), correlationId);
      })
      .then((result) => {
        if (!res.headersSent && !res.destroyed) send(res, result, correlationId);
        if (isAdmin) return;
        deps.log.add({
          time: new Date().toISOString(),
          org: trace.org?.name ?? null,
          clientId: trace.clientId ?? null,
          method: req.method ?? "GET",
          path: req.url ?? "/",
          route: trace.route,
          status: result.status,
          correlationId,
        });
      })
      .catch((err: unknown) => deps.state.logger.error({ err }, "emulator could not send a response"));
  };
}
