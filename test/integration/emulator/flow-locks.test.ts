import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  apiCaller,
  eventually,
  getToken,
  importYaml,
  startTestEmulator,
  type TestEmulator,
} from "../../helpers/emulator.js";
import { DEV_CLIENT, commonModuleYaml, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";

const FlowSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  lockedClient: z.object({ id: z.string(), name: z.string() }).optional(),
  publishedVersion: z.object({ id: z.string() }).optional(),
  checkedInVersion: z.object({ id: z.string() }).optional(),
  savedVersion: z.object({ id: z.string() }).optional(),
  currentOperation: z
    .object({ actionName: z.string(), actionStatus: z.string(), complete: z.boolean() })
    .optional(),
});

describe("flow locks, versions and publishing", () => {
  let emu: TestEmulator;
  let call: ReturnType<typeof apiCaller>;
  let n = 0;

  /** Creates a fresh flow (checked out to us) and returns it. */
  const create = async (type = "INBOUNDCALL") => {
    n += 1;
    const res = await call("POST", "/api/v2/flows", {
      name: `Lock test ${n}`,
      type,
      description: "made by a test",
    });
    expect(res.status).toBe(200);
    return FlowSchema.parse(res.body);
  };
  const getFlow = async (id: string) => FlowSchema.parse((await call("GET", `/api/v2/flows/${id}`)).body);

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
    call = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
  });
  beforeEach(() => emu.admin.setFaults("dev", {}));
  afterAll(() => emu.close());

  it("creates a flow checked out to the caller, UPPERCASE type, and refuses a duplicate (type, name)", async () => {
    const flow = await create();
    expect(flow).toMatchObject({
      type: "INBOUNDCALL",
      lockedClient: { id: DEV_CLIENT.id, name: DEV_CLIENT.name },
    });
    const dup = await call("POST", "/api/v2/flows", { name: flow.name.toUpperCase(), type: "inboundcall" });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: "architect.flow.already.exists" });
    expect((await call("POST", "/api/v2/flows", { name: flow.name, type: "INQUEUECALL" })).status).toBe(200);
  });

  it.each([
    [{ type: "INBOUNDCALL" }, "architect.flow.validate.failed.missing.name"],
    [{ name: "a/b", type: "INBOUNDCALL" }, "architect.flow.validate.failed.invalid.name.contains.slash"],
    [
      { name: "main-debug", type: "INBOUNDCALL" },
      "architect.flow.validate.failed.invalid.name.contains.debug",
    ],
    [{ name: "---", type: "INBOUNDCALL" }, "architect.flow.validate.failed.invalid.name.no.alpha"],
    [{ name: "No type" }, "architect.flow.validate.failed.missing.type"],
  ])("refuses %j with 400 %s", async (body, code) => {
    const res = await call("POST", "/api/v2/flows", body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code, status: 400 });
  });

  it("saves, checks in and versions a configuration; latestconfiguration follows", async () => {
    const flow = await create();
    const none = await call("GET", `/api/v2/flows/${flow.id}/latestconfiguration`);
    expect(none.body).toMatchObject({ status: 404, code: "flow.no.config.available" });
    const empty = await call("POST", `/api/v2/flows/actions/checkin?flow=${flow.id}`);
    expect(empty.body).toMatchObject({ status: 409, code: "architect.flow.cannot.checkin.missing.config" });
    const saved = await call("POST", `/api/v2/flows/${flow.id}/versions`, { greeting: "hello" });
    expect(saved.body).toMatchObject({ id: "1.0", type: "SAVE" });
    expect((await getFlow(flow.id)).savedVersion).toMatchObject({ id: "1.0" });
    const checkin = await call("POST", `/api/v2/flows/actions/checkin?flow=${flow.id}`);
    expect(checkin.status).toBe(200);
    expect(checkin.body).toMatchObject({ actionName: "CHECKIN", actionStatus: "SUCCESS", complete: true });
    const after = await getFlow(flow.id);
    expect(after.checkedInVersion).toMatchObject({ id: "1.0" });
    expect(after.lockedClient).toBeUndefined();
    expect(after.savedVersion).toBeUndefined();
    expect((await call("GET", `/api/v2/flows/${flow.id}/latestconfiguration`)).body).toEqual({
      greeting: "hello",
    });
    expect((await call("GET", `/api/v2/flows/${flow.id}/versions/1.0/configuration`)).body).toEqual({
      greeting: "hello",
    });
    expect((await call("GET", `/api/v2/flows/${flow.id}/versions/1.0`)).body).toMatchObject({
      id: "1.0",
      dateCreated: expect.any(Number),
      dateCheckedIn: expect.any(Number),
    });
    expect((await call("GET", `/api/v2/flows/${flow.id}/versions/9.0`)).body).toMatchObject({
      status: 404,
      code: "architect.flow.version.missing",
    });
    const notLocked = await call("POST", `/api/v2/flows/${flow.id}/versions`, { greeting: "again" });
    expect(notLocked.body).toMatchObject({ status: 409, code: "architect.flow.not.locked.by.user" });
  });

  it("enforces another client's lock: checkout 409, PUT 409, versions 409, revert 409, DELETE 405; unlock clears it", async () => {
    const flow = await create();
    await call("POST", `/api/v2/flows/${flow.id}/versions`, { v: 1 });
    await call("POST", `/api/v2/flows/actions/checkin?flow=${flow.id}`);
    const locked = await emu.admin.lockFlow("dev", flow.id, "Architect UI user");
    expect(locked.lock).toMatchObject({ clientName: "Architect UI user" });
    const expectCode = async (method: string, path: string, status: number, code: string, body?: unknown) => {
      const res = await call(method, path, body);
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ code, status });
    };
    await expectCode(
      "POST",
      `/api/v2/flows/actions/checkout?flow=${flow.id}`,
      409,
      "architect.flow.locked.by.user",
    );
    await expectCode("PUT", `/api/v2/flows/${flow.id}`, 409, "architect.flow.not.locked.by.user", {
      name: "Renamed",
    });
    await expectCode("POST", `/api/v2/flows/${flow.id}/versions`, 409, "architect.flow.not.locked.by.user", {
      v: 2,
    });
    await expectCode(
      "POST",
      `/api/v2/flows/actions/revert?flow=${flow.id}`,
      409,
      "architect.flow.not.locked.by.user",
    );
    await expectCode(
      "POST",
      `/api/v2/flows/actions/publish?flow=${flow.id}`,
      409,
      "architect.flow.locked.by.user",
    );
    await expectCode(
      "DELETE",
      `/api/v2/flows/${flow.id}`,
      405,
      "architect.flow.cannot.delete.user.does.not.have.lock",
    );
    expect((await getFlow(flow.id)).lockedClient).toMatchObject({ name: "Architect UI user" });
    const unlocked = FlowSchema.parse(
      (await call("POST", `/api/v2/flows/actions/unlock?flow=${flow.id}`)).body,
    );
    expect(unlocked.lockedClient).toBeUndefined();
    const checkedOut = FlowSchema.parse(
      (await call("POST", `/api/v2/flows/actions/checkout?flow=${flow.id}`)).body,
    );
    expect(checkedOut.lockedClient).toMatchObject({ id: DEV_CLIENT.id });
    const renamed = await call("PUT", `/api/v2/flows/${flow.id}`, { name: `${flow.name} renamed` });
    expect(renamed.body).toMatchObject({ name: `${flow.name} renamed` });
    const reverted = FlowSchema.parse(
      (await call("POST", `/api/v2/flows/actions/revert?flow=${flow.id}`)).body,
    );
    expect(reverted.lockedClient).toBeUndefined();
  });

  it("publishes with a STARTED operation that completes, refuses a concurrent publish, and rolls back to an older version", async () => {
    const yaml = (greeting: string) =>
      inboundCallYaml("Rollback Flow", { queue: "Support", description: greeting });
    const first = await importYaml(emu.url, await getToken(emu.url, DEV_CLIENT), yaml("v1"));
    expect(first).toMatchObject({ status: "Success", command: "Create" });
    const second = await importYaml(emu.url, await getToken(emu.url, DEV_CLIENT), yaml("v2"));
    expect(second).toMatchObject({ status: "Success", command: "Update", flow: { id: first.flow?.id } });
    const id = first.flow?.id ?? "";
    expect((await getFlow(id)).publishedVersion).toMatchObject({ id: "2.0" });

    await emu.admin.patchFaults("dev", { jobDurationMs: 1500 });
    const op = await call("POST", `/api/v2/flows/actions/publish?flow=${id}&version=1.0`);
    expect(op.status).toBe(202);
    expect(op.body).toMatchObject({ actionName: "PUBLISH", actionStatus: "STARTED", complete: false });
    const again = await call("POST", `/api/v2/flows/actions/publish?flow=${id}`);
    expect(again.body).toMatchObject({ status: 409, code: "architect.operation.already.in.progress" });
    const done = await eventually(async () => {
      const f = await getFlow(id);
      return f.currentOperation?.actionStatus === "SUCCESS" ? f : undefined;
    });
    expect(done.publishedVersion).toMatchObject({ id: "1.0" });
    expect(done.checkedInVersion).toMatchObject({ id: "2.0" });
    expect(done.currentOperation).toMatchObject({ actionName: "PUBLISH", complete: true });
    const versions = z
      .object({ entities: z.array(z.object({ id: z.string() })), total: z.number() })
      .parse((await call("GET", `/api/v2/flows/${id}/versions`)).body);
    expect(versions.entities.map((v) => v.id).sort()).toEqual(["1.0", "2.0"]);
    const missing = await call("POST", `/api/v2/flows/actions/publish?flow=${id}&version=7.0`);
    expect(missing.body).toMatchObject({ status: 404, code: "architect.flow.version.missing" });
  });

  it("refuses to publish a version whose referenced object has disappeared", async () => {
    const token = await getToken(emu.url, DEV_CLIENT);
    await emu.admin.addObjects("dev", { queues: [{ name: "Temporary" }] });
    const job = await importYaml(emu.url, token, inboundCallYaml("Temp Flow", { queue: "Temporary" }));
    expect(job.status).toBe("Success");
    await emu.admin.removeObject("dev", "queue", "Temporary");
    const res = await call("POST", `/api/v2/flows/actions/publish?flow=${job.flow?.id}&version=1.0`);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      code: "architect.flow.cannot.publish.missing.dependencies",
      details: [{ entityName: "Temporary" }],
    });
  });

  it("deletes with 204, then answers 410 unless deleted=true; a used common module cannot be deleted", async () => {
    const token = await getToken(emu.url, DEV_CLIENT);
    const module = await importYaml(emu.url, token, commonModuleYaml("Shared Module"));
    const user = await importYaml(
      emu.url,
      token,
      inboundCallYaml("Module User", { commonModule: "Shared Module" }),
    );
    expect([module.status, user.status]).toEqual(["Success", "Success"]);
    const refused = await call("DELETE", `/api/v2/flows/${module.flow?.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: "architect.flow.cannot.delete.used.in.flows",
      details: [{ entityName: "Module User" }],
    });
    expect((await call("DELETE", `/api/v2/flows/${user.flow?.id}`)).status).toBe(204);
    expect((await call("GET", `/api/v2/flows/${user.flow?.id}`)).body).toMatchObject({
      status: 410,
      code: "architect.flow.deleted",
    });
    expect((await call("GET", `/api/v2/flows/${user.flow?.id}?deleted=true`)).body).toMatchObject({
      deleted: true,
      name: "Module User",
    });
    expect((await call("DELETE", `/api/v2/flows/${module.flow?.id}`)).status).toBe(204);
    expect((await call("DELETE", `/api/v2/flows/${module.flow?.id}`)).status).toBe(410);
    expect((await call("GET", "/api/v2/flows/2b4f0e63-0000-4000-8000-000000000000")).status).toBe(404);
  });
});
