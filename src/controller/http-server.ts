import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { Logger } from "../logger.js";

/**
 * The operator's HTTP endpoints on one port (node:http, no framework): Prometheus `/metrics`, liveness
 * `/healthz` and readiness `/readyz`, the probes controller-runtime and Flux expose.
 */

/** A probe's answer. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** Settings of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Address to bind; default 0.0.0.0 (kubelet probes the pod IP). */
  host?: string;
  /** Port; 0 picks a free one. */
  port: number;
  registry: Registry;
  /** Liveness: false when the process should be restarted (e.g. the watch is dead). */
  healthz: () => ProbeResult;
  /** Readiness: false until the process can serve (e.g. the first full list completed). */
  readyz: () => ProbeResult;
  /** Runs before every scrape, to refresh gauges computed on demand (e.g. last-event age). */
  beforeScrape?: () => void;
  logger: Logger;
}

/** A listening server. */
export interface RunningHttpServer {
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8") {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
  if (path === "/metrics") {
    options.beforeScrape?.();
    return send(res, 200, await options.registry.metrics(), options.registry.contentType);
  }
  const probe = path === "/healthz" ? options.healthz : path === "/readyz" ? options.readyz : undefined;
  if (!probe) return send(res, 404, "not found\n");
  const result = probe();
  // 500 like controller-runtime's healthz handler; the body says why, for `kubectl describe pod`.
  send(res, result.ok ? 200 : 500, `${result.ok ? "ok" : "not ok"}: ${result.detail}\n`);
}

/** Starts the server and resolves once it listens. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const host = options.host ?? "0.0.0.0";
  const server = createServer((req, res) => {
    route(req, res, options).catch((err: unknown) => {
      options.logger.error({ err, url: req.url }, "http handler failed");
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return {
    url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
