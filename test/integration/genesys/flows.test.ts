import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GenesysApiError, ImportJobFailedError } from "../../../src/genesys/index.js";
import { commonModuleYaml, DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

describe("GenesysClient flow operations", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed());
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("imports, re-imports (a new version), lists versions, publishes an older version", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const created = await client.importFlow(inboundCallYaml("Lifecycle", { queue: "Support" }));
    expect(created).toMatchObject({ status: "Success", command: "Create" });
    const updated = await client.importFlow(inboundCallYaml("Lifecycle", { queue: "Sales" }));
    expect(updated).toMatchObject({ status: "Success", command: "Update", flowId: created.flowId });

    const flow = await client.getFlow(created.flowId);
    expect(flow).toMatchObject({ name: "Lifecycle", type: "INBOUNDCALL", publishedVersion: { id: "2.0" } });
    const versions = await client.listFlowVersions(created.flowId);
    expect(versions.map((v) => v.id).sort()).toEqual(["1.0", "2.0"]);

    const op = await client.publishFlow(created.flowId, "1.0");
    expect(op.actionName).toBe("PUBLISH");
    await expect.poll(async () => (await client.getFlow(created.flowId))?.publishedVersion?.id).toBe("1.0");
  });

  it("checks out, checks in and unlocks", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const { flowId } = await client.importFlow(inboundCallYaml("Checkout Me"));
    const locked = await client.checkoutFlow(flowId);
    expect(locked.lockedClient?.id).toBe(DEV_CLIENT.id);
    const op = await client.checkinFlow(flowId);
    expect(op.actionName).toBe("CHECKIN");
    expect((await client.getFlow(flowId))?.lockedClient ?? undefined).toBeUndefined();
    await client.checkoutFlow(flowId);
    const unlocked = await client.unlockFlow(flowId);
    expect(unlocked.lockedClient ?? undefined).toBeUndefined();
  });

  it("reports lock conflicts as Waiting errors with the API's code", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const { flowId } = await client.importFlow(inboundCallYaml("Locked Elsewhere"));
    await emu.lock("dev", flowId, "Architect UI user");

    const checkout = await client.checkoutFlow(flowId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(checkout).toBeInstanceOf(GenesysApiError);
    expect(checkout).toMatchObject({ status: 409, code: "architect.flow.locked.by.user", reason: "Waiting" });

    await expect(client.checkinFlow(flowId)).rejects.toMatchObject({
      status: 409,
      code: "architect.flow.not.locked.by.user",
      reason: "Waiting",
    });
    await expect(client.deleteFlow(flowId)).rejects.toMatchObject({
      status: 405,
      code: "architect.flow.cannot.delete.user.does.not.have.lock",
      reason: "Waiting",
    });

    const imported = await client.importFlow(inboundCallYaml("Locked Elsewhere")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(imported).toBeInstanceOf(ImportJobFailedError);
    expect(imported).toMatchObject({ reason: "Waiting", flowName: "Locked Elsewhere" });
    expect((imported as ImportJobFailedError).message).toMatch(/locked by another entity/);

    // A forced unlock clears the way (what --forceUnlock / TF force_unlock do).
    await client.unlockFlow(flowId);
    await expect(client.importFlow(inboundCallYaml("Locked Elsewhere"))).resolves.toMatchObject({ flowId });
  });

  it("deletes idempotently and hides deleted flows unless asked", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const { flowId } = await client.importFlow(inboundCallYaml("Doomed"));
    await client.deleteFlow(flowId);
    expect(await client.getFlow(flowId)).toBeUndefined();
    expect(await client.getFlow(flowId, { deleted: true })).toMatchObject({ id: flowId, deleted: true });
    await expect(client.deleteFlow(flowId)).resolves.toBeUndefined();
    expect(await client.getFlow("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    await expect(client.deleteFlow("00000000-0000-4000-8000-000000000000")).resolves.toBeUndefined();
    expect((await client.listFlows({ name: "Doomed" })).map((f) => f.id)).not.toContain(flowId);
  });

  it("refuses to delete a common module that a flow still calls (Stalled 409)", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const module = await client.importFlow(commonModuleYaml("Shared Module"));
    await client.importFlow(inboundCallYaml("Module Caller", { commonModule: "Shared Module" }));
    const err = await client.deleteFlow(module.flowId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GenesysApiError);
    expect(err).toMatchObject({ status: 409, reason: "Stalled" });
    expect(await client.getFlow(module.flowId)).toBeDefined();
  });
});

describe("GenesysClient flow listing over 1,000 flows", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    const seed = twoOrgSeed();
    const dev = seed.orgs?.[0];
    if (!dev) throw new Error("seed without dev org");
    dev.flows = [
      ...Array.from({ length: 990 }, (_, i) => ({
        yaml: inboundCallYaml(`Bulk Flow ${String(i).padStart(4, "0")}`),
      })),
      ...Array.from({ length: 10 }, (_, i) => ({ yaml: commonModuleYaml(`Bulk Module ${i}`) })),
    ];
    emu = await EmulatorFixture.start(seed);
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());

  it("follows pageCount over every page, 500 at a time", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const flows = await client.listFlows();
    expect(flows).toHaveLength(1_000);
    expect(new Set(flows.map((f) => f.id)).size).toBe(1_000);
    expect(flows.map((f) => f.name)).toContain("Bulk Flow 0989");
    const pages = (await emu.requests("dev")).filter((e) => e.route === "/api/v2/flows");
    expect(pages.map((e) => new URL(e.path, emu.url).searchParams.get("pageNumber"))).toEqual(["1", "2"]);
    expect(pages.every((e) => new URL(e.path, emu.url).searchParams.get("pageSize") === "500")).toBe(true);
  });

  it("filters by type (any case, sent lowercase) and by name", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const modules = await client.listFlows({ types: ["COMMONMODULE"] });
    expect(modules).toHaveLength(10);
    expect(new Set(modules.map((f) => f.type))).toEqual(new Set(["COMMONMODULE"]));
    const both = await client.listFlows({ types: ["commonmodule", "InboundCall"] });
    expect(both).toHaveLength(1_000);
    const one = await client.listFlows({ name: "Bulk Flow 0042" });
    expect(one.map((f) => f.name)).toEqual(["Bulk Flow 0042"]);
    const log = await emu.requests("dev");
    const typed = log.find((e) => e.path.includes("type="));
    expect(typed && new URL(typed.path, emu.url).searchParams.getAll("type")).toEqual(["commonmodule"]);
    expect(count(log, "GET", "/api/v2/flows")).toBe(1 + 2 + 1);
  });
});
