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
import { DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";

const OperationSchema = z.object({
  id: z.string(),
  complete: z.boolean(),
  actionName: z.string(),
  actionStatus: z.string(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
});
const FlowSchema = z.object({
  id: z.string(),
  publishedVersion: z.object({ id: z.string() }).optional(),
  currentOperation: OperationSchema.optional(),
});

describe("publish as an asynchronous operation (publishDelayMs, failPublish)", () => {
  let emu: TestEmulator;
  let call: ReturnType<typeof apiCaller>;
  let flowId = "";
  const getFlow = async () => FlowSchema.parse((await call("GET", `/api/v2/flows/${flowId}`)).body);

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
    const token = await getToken(emu.url, DEV_CLIENT);
    call = apiCaller(emu.url, token);
    await importYaml(emu.url, token, inboundCallYaml("Publish Me", { queue: "Support" }));
    const job = await importYaml(emu.url, token, inboundCallYaml("Publish Me", { queue: "Sales" }));
    flowId = job.flow?.id ?? "";
  });
  beforeEach(() => emu.admin.setFaults("dev", {}));
  afterAll(() => emu.close());

  it("answers 202 with an incomplete Operation and publishes only when it completes", async () => {
    await emu.admin.setFaults("dev", { publishDelayMs: 300 });
    const res = await call("POST", `/api/v2/flows/actions/publish?flow=${flowId}&version=1.0`);
    expect(res.status).toBe(202);
    const op = OperationSchema.parse(res.body);
    expect(op).toMatchObject({ complete: false, actionName: "PUBLISH", actionStatus: "STARTED" });
    const during = await getFlow();
    expect(during.currentOperation).toMatchObject({ id: op.id, complete: false });
    expect(during.publishedVersion?.id).toBe("2.0");
    const done = await eventually(async () => {
      const flow = await getFlow();
      return flow.currentOperation?.complete ? flow : undefined;
    });
    expect(done.currentOperation).toMatchObject({ id: op.id, actionStatus: "SUCCESS" });
    expect(done.publishedVersion?.id).toBe("1.0");
  });

  it("fails the next publish of a named flow after the 202, leaving the published version", async () => {
    const before = (await getFlow()).publishedVersion?.id;
    await emu.admin.setFaults("dev", { failPublish: { count: 1, flows: ["publish me"] } });
    const res = await call("POST", `/api/v2/flows/actions/publish?flow=${flowId}&version=2.0`);
    expect(res.status).toBe(202);
    const op = OperationSchema.parse(res.body);
    const done = await eventually(async () => {
      const flow = await getFlow();
      return flow.currentOperation?.complete ? flow : undefined;
    });
    expect(done.currentOperation).toMatchObject({
      id: op.id,
      actionStatus: "FAILURE",
      errorCode: "architect.external.publish.error",
    });
    expect(done.currentOperation?.errorMessage).toMatch(/could not be published/);
    expect(done.publishedVersion?.id).toBe(before);
    // The count is spent: the switch is gone and the next publish goes through.
    expect((await emu.admin.org("dev")).faults).not.toHaveProperty("failPublish");
  });

  it("does not fail publishes of other flows", async () => {
    await emu.admin.setFaults("dev", { failPublish: { count: 1, flows: ["Someone Else"] } });
    const res = await call("POST", `/api/v2/flows/actions/publish?flow=${flowId}&version=2.0`);
    expect(OperationSchema.parse(res.body).actionStatus).toBe("STARTED");
    const done = await eventually(async () => {
      const flow = await getFlow();
      return flow.currentOperation?.complete ? flow : undefined;
    });
    expect(done.currentOperation?.actionStatus).toBe("SUCCESS");
    expect((await emu.admin.org("dev")).faults).toMatchObject({ failPublish: { count: 1 } });
  });
});
