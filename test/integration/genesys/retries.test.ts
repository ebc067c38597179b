import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GenesysApiError, GenesysClient, NetworkError } from "../../../src/genesys/index.js";
import type { GenesysRequestEvent } from "../../../src/genesys/index.js";
import { silentLogger } from "../../../src/logger.js";
import { DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

describe("GenesysClient retries on 5xx, 408 and network errors", () => {
  let emu: EmulatorFixture;
  let flowId: string;
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed());
    flowId = (await emu.client(DEV_CLIENT).client.importFlow(inboundCallYaml("Retry Target"))).flowId;
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("retries a burst of 503s on an idempotent GET until it succeeds", async () => {
    const { client, requests } = emu.client(DEV_CLIENT);
    await emu.faults("dev", {
      errorBurst: { count: 2, status: 503, method: "GET", route: "/api/v2/flows/{flowId}" },
    });
    const flow = await client.getFlow(flowId);
    expect(flow?.name).toBe("Retry Target");
    const log = await emu.requests("dev");
    expect(count(log, "GET", "/api/v2/flows/{flowId}", 503)).toBe(2);
    expect(count(log, "GET", "/api/v2/flows/{flowId}", 200)).toBe(1);
    expect(requests.filter((e) => e.route === "/api/v2/flows/{flowId}").map((e) => e.status)).toEqual([
      503, 503, 200,
    ]);
  });

  it("retries 408 and 500/502/504 on listings", async () => {
    const { client } = emu.client(DEV_CLIENT);
    for (const status of [408, 500, 502, 504]) {
      await emu.faults(
        "dev",
        { errorBurst: { count: 1, status, method: "GET", route: "/api/v2/flows" } },
        "PUT",
      );
      expect((await client.listFlows()).map((f) => f.name)).toContain("Retry Target");
    }
    const log = await emu.requests("dev");
    expect(log.filter((e) => e.route === "/api/v2/flows").map((e) => e.status)).toEqual([
      408, 200, 500, 200, 502, 200, 504, 200,
    ]);
  });

  it("does not retry a POST that got a 5xx: it may have taken effect", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await emu.faults("dev", {
      errorBurst: { count: 1, status: 503, method: "POST", route: "/api/v2/flows/actions/checkout" },
    });
    const err = await client.checkoutFlow(flowId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GenesysApiError);
    expect(err).toMatchObject({ status: 503, reason: "Transient", path: "/api/v2/flows/actions/checkout" });
    expect((err as GenesysApiError).contextId).toMatch(/^[0-9a-f-]{36}$/);
    expect(count(await emu.requests("dev"), "POST", "/api/v2/flows/actions/checkout")).toBe(1);
  });

  it("does not retry the import-job registration on 5xx, but does retry the status polls", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await emu.faults("dev", {
      errorBurst: { count: 1, status: 502, method: "POST", route: "/api/v2/flows/jobs" },
    });
    await expect(client.importFlow(inboundCallYaml("Retry Target"))).rejects.toMatchObject({ status: 502 });
    expect(count(await emu.requests("dev"), "POST", "/api/v2/flows/jobs")).toBe(1);

    await emu.faults("dev", {
      errorBurst: { count: 2, status: 503, method: "GET", route: "/api/v2/flows/jobs/{jobId}" },
    });
    const result = await client.importFlow(inboundCallYaml("Retry Target"));
    expect(result.flowId).toBe(flowId);
    expect(count(await emu.requests("dev"), "GET", "/api/v2/flows/jobs/{jobId}", 503)).toBe(2);
  });

  it("gives up after the retry budget with a Transient GenesysApiError", async () => {
    const { client } = emu.client(DEV_CLIENT, { retry: { retries: 2 } });
    await emu.faults("dev", {
      errorBurst: { count: 10, status: 500, method: "GET", route: "/api/v2/organizations/me" },
    });
    await expect(client.organization()).rejects.toMatchObject({
      name: "GenesysApiError",
      status: 500,
      reason: "Transient",
    });
    expect(count(await emu.requests("dev"), "GET", "/api/v2/organizations/me", 500)).toBe(3);
  });

  it("does not retry 4xx answers", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await expect(client.publishFlow(flowId, "99.0")).rejects.toMatchObject({
      status: 404,
      code: "architect.flow.version.missing",
      reason: "Stalled",
    });
    expect(count(await emu.requests("dev"), "POST", "/api/v2/flows/actions/publish")).toBe(1);
  });

  it("retries connection failures of idempotent calls and then reports a NetworkError", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const events: GenesysRequestEvent[] = [];
    const client = new GenesysClient(
      { baseUrl: `http://127.0.0.1:${port}`, clientId: "c", clientSecret: "s3cret-value" },
      {
        logger: silentLogger(),
        retry: { retries: 2, baseDelayMs: 5 },
        observer: { request: (e) => events.push(e) },
      },
    );
    const err = await client.organization().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ reason: "Transient", errorCode: "ECONNREFUSED" });
    expect(events.map((e) => [e.route, e.status])).toEqual([
      ["/oauth/token", 0],
      ["/oauth/token", 0],
      ["/oauth/token", 0],
    ]);
  });
});
