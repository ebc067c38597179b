import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { PromoterError, type ErrorReason } from "../errors.js";
import { oneLine } from "../redact.js";

/**
 * A small HTTP layer over the kubeconfig's TLS material and credentials, used by the watch and the
 * leader elector instead of the generated clients: it gives us what they hide and what a long-lived
 * watch needs — abort at any moment (even while connecting), the HTTP status and `Retry-After`, the
 * Kubernetes `Status` reason (410 Expired/Gone), line-by-line streaming, and zod-parsed bodies.
 */

/** Query values; `undefined` entries are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One request to the API server. */
export interface KubeRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the server URL, e.g. `/apis/coordination.k8s.io/v1/namespaces/ns/leases/name`. */
  path: string;
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Bound for the whole request (default 30 s); streams pass 0 for none. */
  timeoutMs?: number;
}

const StatusSchema = z.looseObject({
  kind: z.literal("Status").optional(),
  code: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** A Kubernetes `Status` object, as sent in error bodies and in watch ERROR events. */
export type KubeStatus = z.infer<typeof StatusSchema>;

function reasonOfStatus(status: number): ErrorReason {
  if (status === 429 || status === 409) return "Waiting";
  if (status === 0 || status >= 500) return "Transient";
  return "Stalled";
}

/** The API server answered with an error status (or a watch stream carried an ERROR event). */
export class KubeApiError extends PromoterError {
  /** HTTP status, or the `code` of the Status object. */
  readonly status: number;
  /** Kubernetes reason, e.g. `Expired`, `Gone`, `Conflict`, `NotFound`. */
  readonly statusReason: string | undefined;

  constructor(status: number, statusReason: string | undefined, message: string, retryAfterMs?: number) {
    super("KubeApi", reasonOfStatus(status), `kube-apiserver: ${status} ${statusReason ?? ""}: ${message}`, {
      retryAfterMs,
    });
    this.status = status;
    this.statusReason = statusReason;
  }

  /** Builds the error from a Status object (body of an error response or of a watch ERROR event). */
  static fromStatus(httpStatus: number, body: unknown, retryAfterMs?: number): KubeApiError {
    const parsed = StatusSchema.safeParse(body);
    const status = parsed.success ? parsed.data : {};
    return new KubeApiError(
      status.code ?? httpStatus,
      status.reason,
      oneLine(status.message ?? "no message", 500),
      retryAfterMs,
    );
  }
}

/** True for "your resourceVersion is too old": 410 Gone / Expired, on a watch or a list continue token. */
export function isGone(err: unknown): boolean {
  return err instanceof KubeApiError && (err.status === 410 || err.statusReason === "Expired");
}

/** True for a 404 from the API server. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

/** True for a 409 (optimistic-concurrency conflict or AlreadyExists). */
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

function retryAfterMs(res: IncomingMessage): number | undefined {
  const raw = res.headers["retry-after"];
  const seconds = typeof raw === "string" ? Number(raw) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function buildUrl(kc: KubeConfig, path: string, query: Query = {}): URL {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApiError(0, "NoCluster", "the kubeconfig has no current cluster");
  const url = new URL(cluster.server.replace(/\/+$/, "") + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url;
}

function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal | undefined {
  if (timeoutMs <= 0) return signal;
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** Sends the request; resolves with the response once headers arrived. */
async function open(kc: KubeConfig, req: KubeRequest): Promise<IncomingMessage> {
  const url = buildUrl(kc, req.path, req.query);
  const options: RequestOptions = { headers: {} };
  // Applies CA, client certificate, bearer token (refreshing exec/OIDC tokens) and a per-call agent.
  await kc.applyToHTTPSOptions(options);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  options.method = req.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (typeof value === "string") headers[name] = value;
  }
  if (payload !== undefined) headers["content-type"] = "application/json";
  options.headers = headers;
  const signal = withTimeout(req.signal, req.timeoutMs ?? 30_000);
  if (signal) options.signal = signal;
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const request = send(url, options, resolve);
    request.on("error", (err) => reject(signal?.aborted ? abortReason(signal, err) : err));
    request.end(payload);
  });
}

function abortReason(signal: AbortSignal, fallback: unknown): unknown {
  return signal.reason ?? fallback;
}

async function readBody(res: IncomingMessage): Promise<string> {
  res.setEncoding("utf8");
  let body = "";
  for await (const chunk of res) body += String(chunk);
  return body;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}

async function failure(res: IncomingMessage): Promise<KubeApiError> {
  const body = await readBody(res).catch(() => "");
  return KubeApiError.fromStatus(res.statusCode ?? 0, parseJson(body), retryAfterMs(res));
}

/** Sends a request and returns the parsed JSON body; any non-2xx status throws {@link KubeApiError}. */
export async function kubeJson(kc: KubeConfig, req: KubeRequest): Promise<unknown> {
  const res = await open(kc, req);
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw await failure(res);
  return parseJson(await readBody(res));
}

/**
 * Opens a streaming GET (a watch) and calls `onLine` for every newline-terminated line. `onOpen` runs
 * once the server accepted the request (HTTP 200). Resolves when the server ends the stream; rejects
 * on transport errors, on abort (with the signal's reason) and with {@link KubeApiError} on error statuses.
 * An exception thrown by `onLine` ends the stream and rejects with it.
 */
export async function kubeStream(
  kc: KubeConfig,
  req: KubeRequest,
  onOpen: () => void,
  onLine: (line: string) => void,
): Promise<void> {
  const res = await open(kc, { ...req, timeoutMs: req.timeoutMs ?? 0 });
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) throw await failure(res);
  onOpen();
  res.setEncoding("utf8");
  let buffered = "";
  try {
    for await (const chunk of res) {
      buffered += String(chunk);
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onLine(line);
        newline = buffered.indexOf("\n");
      }
    }
  } catch (err) {
    res.destroy();
    throw req.signal?.aborted ? abortReason(req.signal, err) : err;
  }
  if (!res.complete) throw new Error("watch stream closed before the server finished it");
}
