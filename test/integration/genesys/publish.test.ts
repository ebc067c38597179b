import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PublishFailedError } from "../../../src/genesys/index.js";
import { DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

describe("GenesysClient.publishFlow waits for the publish operation", () => {
  let emu: EmulatorFixture;
  let flowId = "";
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed());
    const { client } = emu.client(DEV_CLIENT);
    await client.importFlow(inboundCallYaml("Waited On", { queue: "Support" }));
    ({ flowId } = await client.importFlow(inboundCallYaml("Waited On", { queue: "Sales" })));
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("returns only once the operation completed, with the version published", async () => {
    await emu.faults("dev", { publishDelayMs: 250 });
    const { client } = emu.client(DEV_CLIENT);
    const op = await client.publishFlow(flowId, "1.0");
    expect(op).toMatchObject({ actionName: "PUBLISH", actionStatus: "SUCCESS", complete: true });
    expect((await client.getFlow(flowId))?.publishedVersion?.id).toBe("1.0");
    // It watched the flow's currentOperation, with backoff rather than a busy loop.
    const polls = count(await emu.requests("dev"), "GET", "/api/v2/flows/{flowId}");
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(polls).toBeLessThan(15);
  });

  it("throws PublishFailedError (Transient) when the operation fails after the 202", async () => {
    await emu.faults("dev", { failPublish: { count: 1, errorMessage: "backend said no" } });
    const { client } = emu.client(DEV_CLIENT);
    const err = await client.publishFlow(flowId, "2.0").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishFailedError);
    expect(err).toMatchObject({
      code: "PublishFailed",
      reason: "Transient",
      flowId,
      apiErrorCode: "architect.external.publish.error",
    });
    expect((err as Error).message).toMatch(/backend said no/);
    expect((await client.getFlow(flowId))?.publishedVersion?.id).toBe("1.0");
    // Publishing again is safe and now goes through.
    await expect(client.publishFlow(flowId, "2.0")).resolves.toMatchObject({ actionStatus: "SUCCESS" });
    expect((await client.getFlow(flowId))?.publishedVersion?.id).toBe("2.0");
  });

  it("without a switch behaves as before: the version is published when it returns", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await expect(client.publishFlow(flowId, "1.0")).resolves.toMatchObject({ actionStatus: "SUCCESS" });
    expect((await client.getFlow(flowId))?.publishedVersion?.id).toBe("1.0");
  });

  it("gives up after the poll timeout with a JobTimeoutError", async () => {
    await emu.faults("dev", { publishDelayMs: 5_000 });
    const { client } = emu.client(DEV_CLIENT, { pollIntervalMs: { initial: 10, max: 50, timeout: 200 } });
    await expect(client.publishFlow(flowId, "2.0")).rejects.toMatchObject({ code: "GenesysJobTimeout" });
  });
});
