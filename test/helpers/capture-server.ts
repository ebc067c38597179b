import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A tiny HTTP server on 127.0.0.1 that records every request it gets (method, path, headers, body):
 * the "attacker's server" of the tenant-security tests, which assert it was never contacted, or never
 * saw an Authorization header or a client secret. Optionally it answers with a redirect, to play the
 * trusted server that sends the client elsewhere.
 */

/** One recorded request. */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A running capture server. */
export interface CaptureServer {
  url: string;
  port: number;
  requests: CapturedRequest[];
  /** Requests that carried credentials: an Authorization header, or a body naming a secret. */
  withCredentials(secrets?: readonly string[]): CapturedRequest[];
  close(): Promise<void>;
}

/** Options: `redirectTo` makes every answer a `status` redirect to that base URL plus the request's path. */
export interface CaptureOptions {
  redirectTo?: string;
  status?: 301 | 302 | 307 | 308;
}

/** Starts a capture server on an ephemeral loopback port. */
export async function startCaptureServer(options: CaptureOptions = {}): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      requests.push({
        method: req.method ?? "",
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      if (options.redirectTo) {
        res.writeHead(options.status ?? 302, { Location: `${options.redirectTo}${path}` });
        res.end();
        return;
      }
      // Ask for credentials, as a real server would, so a client willing to send them does.
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="capture"', "Content-Type": "text/plain" });
      res.end("unauthorized\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    withCredentials: (secrets = []) =>
      requests.filter(
        (r) =>
          r.headers.authorization !== undefined ||
          secrets.some((s) => r.body.includes(s) || JSON.stringify(r.headers).includes(s)),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
