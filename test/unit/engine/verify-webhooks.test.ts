import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EndpointAllowList } from "../../../src/genesys/endpoint-policy.js";
import { WebhookNotAllowedError, callWebhooks } from "../../../src/engine/verify/webhooks.js";

/** A real HTTP server: /ok answers 200, /fail 500, /redirect 302 to /ok; records what it received. */
let server: Server;
let base = "";
const received: Array<{ path: string; body: string; auth: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body, auth: req.headers.authorization });
      if (req.url === "/ok") res.writeHead(200).end("ok");
      else if (req.url === "/redirect") res.writeHead(302, { location: `${base}/ok` }).end();
      else res.writeHead(500).end("no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const allow = new EndpointAllowList(["http://127.0.0.1:*"]);
const egress = (url: string) => allow.check(url);
const hook = (name: string, path: string) => ({ name, url: `${base}${path}`, timeoutMs: 2_000 });

describe("verification webhooks", () => {
  it("a 2xx passes, another answer fails, a redirect is not followed, and nothing secret is sent", async () => {
    received.length = 0;
    const round = await callWebhooks(
      [hook("ok", "/ok"), hook("fail", "/fail"), hook("moved", "/redirect")],
      { phase: "check", revision: "main@sha1:ab12cd34", namespace: "cx" },
      egress,
    );
    expect(round.failures.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: "fail", detail: "HTTP 500" },
      { name: "moved", detail: "HTTP 302" },
    ]);
    expect(round.unreachable).toEqual([]);
    expect(received.map((r) => r.path).sort()).toEqual(["/fail", "/ok", "/redirect"]);
    expect(JSON.parse(received.find((r) => r.path === "/ok")?.body ?? "{}")).toEqual({
      webhook: "ok",
      phase: "check",
      revision: "main@sha1:ab12cd34",
      namespace: "cx",
    });
    expect(received.every((r) => r.auth === undefined)).toBe(true);
  });

  it("no answer is 'no data', not a failure", async () => {
    const round = await callWebhooks(
      [{ name: "gone", url: "http://127.0.0.1:1/x", timeoutMs: 1_000 }],
      {},
      egress,
    );
    expect(round.failures).toEqual([]);
    expect(round.unreachable.map((u) => u.name)).toEqual(["gone"]);
  });

  it("refuses a URL outside the egress allow-list before sending anything", async () => {
    received.length = 0;
    const port = new URL(base).port;
    await expect(
      callWebhooks([{ name: "elsewhere", url: `http://localhost:${port}/ok`, timeoutMs: 1_000 }], {}, egress),
    ).rejects.toThrow(WebhookNotAllowedError);
    expect(received).toEqual([]);
  });
});
