import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  apiCaller,
  eventually,
  getToken,
  importYaml,
  parseJobState,
  startTestEmulator,
  type TestEmulator,
} from "../../helpers/emulator.js";
import {
  DEV_CLIENT,
  PROD_CLIENT,
  commonModuleYaml,
  inboundCallYaml,
  twoOrgSeed,
} from "../../helpers/seeds.js";

const RegisteredSchema = z.object({
  id: z.string(),
  presignedUrl: z.string(),
  headers: z.record(z.string(), z.string()),
  selfUri: z.string(),
});

describe("Architect import jobs", () => {
  let emu: TestEmulator;
  let token: string;
  let call: ReturnType<typeof apiCaller>;
  const register = async () => {
    const res = await call("POST", "/api/v2/flows/jobs");
    expect(res.status).toBe(202);
    return RegisteredSchema.parse(res.body);
  };
  const flowCount = async (org = "dev") => (await emu.admin.org(org)).flows.filter((f) => !f.deleted).length;

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
    token = await getToken(emu.url, DEV_CLIENT);
    call = apiCaller(emu.url, token);
  });
  beforeEach(() => emu.admin.setFaults("dev", {}));
  afterAll(() => emu.close());

  it("goes Registered → Started → Success, creating then updating the flow with a new published version", async () => {
    // Long enough that the GET right after the upload sees Started even on a loaded machine.
    await emu.admin.patchFaults("dev", { jobDurationMs: 1500 });
    const job = await register();
    expect(job.selfUri).toBe(`/api/v2/flows/jobs/${job.id}`);
    expect(job.headers).toMatchObject({ "Content-Type": expect.any(String) });
    expect(parseJobState((await call("GET", `/api/v2/flows/jobs/${job.id}`)).body).status).toBe("Registered");
    const yaml = inboundCallYaml("Lifecycle", {
      queue: "Support",
      dataAction: { category: "Web Services", name: "Lookup Account" },
    });
    const upload = await fetch(job.presignedUrl, { method: "PUT", headers: job.headers, body: yaml });
    expect(upload.status).toBe(200);
    expect(parseJobState((await call("GET", `/api/v2/flows/jobs/${job.id}`)).body).status).toBe("Started");
    const done = await eventually(async () => {
      const state = parseJobState((await call("GET", `/api/v2/flows/jobs/${job.id}`)).body);
      return state.status === "Started" ? undefined : state;
    });
    expect(done).toMatchObject({
      status: "Success",
      command: "Create",
      flow: { id: expect.any(String), selfUri: expect.stringMatching(/^\/api\/v2\/flows\//) },
    });
    expect(done.messages).toBeUndefined();
    const withMessages = parseJobState(
      (await call("GET", `/api/v2/flows/jobs/${job.id}?expand=messages`)).body,
    );
    expect(withMessages.messages).toEqual([]);
    const flow = await call("GET", `/api/v2/flows/${done.flow?.id}`);
    expect(flow.body).toMatchObject({
      name: "Lifecycle",
      type: "INBOUNDCALL",
      publishedVersion: { id: "1.0" },
      checkedInVersion: { id: "1.0" },
    });

    await emu.admin.patchFaults("dev", { jobDurationMs: 20 });
    const update = await importYaml(emu.url, token, yaml.replace("Flow Lifecycle", "Flow Lifecycle v2"));
    expect(update).toMatchObject({ status: "Success", command: "Update", flow: { id: done.flow?.id } });
    expect((await call("GET", `/api/v2/flows/${done.flow?.id}`)).body).toMatchObject({
      publishedVersion: { id: "2.0" },
      description: "Flow Lifecycle v2",
    });
    expect(
      (await call("GET", `/api/v2/flows/${done.flow?.id}/versions/1.0/configuration`)).body,
    ).toMatchObject({ inboundCall: { name: "Lifecycle" } });
  });

  it("finishes a job on its own even when nobody polls", async () => {
    const job = await register();
    await fetch(job.presignedUrl, {
      method: "PUT",
      headers: job.headers,
      body: commonModuleYaml("Unpolled"),
    });
    const org = await eventually(async () => {
      const state = await emu.admin.org("dev");
      return state.jobs.find((j) => j.id === job.id && j.status === "Success") ? state : undefined;
    });
    expect(org.flows.find((f) => f.name === "Unpolled")).toMatchObject({
      publishedVersion: "1.0",
      type: "COMMONMODULE",
    });
  });

  it("guards the presigned URL like S3: signed headers and signature are required, no bearer is needed", async () => {
    const job = await register();
    const noHeaders = await fetch(job.presignedUrl, { method: "PUT", body: "x" });
    expect(noHeaders.status).toBe(403);
    expect(await noHeaders.text()).toContain("<Error><Code>");
    const badSig = await fetch(job.presignedUrl.replace(/X-Amz-Signature=[0-9a-f]+/, "X-Amz-Signature=00"), {
      method: "PUT",
      headers: job.headers,
      body: "x",
    });
    expect(badSig.status).toBe(403);
    expect(parseJobState((await call("GET", `/api/v2/flows/jobs/${job.id}`)).body).status).toBe("Registered");
  });

  it("answers 404 for an unknown job", async () => {
    const res = await call("GET", "/api/v2/flows/jobs/5e0e2f43-0000-4000-8000-000000000000?expand=messages");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 404, contextId: res.headers.get("inin-correlation-id") });
  });

  it("fails on YAML that does not parse, with the parser's message, and changes nothing", async () => {
    const before = await flowCount();
    const job = await importYaml(emu.url, token, "inboundCall:\n  name: [unclosed\n");
    expect(job.status).toBe("Failure");
    expect(job.messages?.[0]).toMatchObject({ type: "Error", text: expect.stringMatching(/YAML/i) });
    const notAFlow = await importYaml(emu.url, token, "queues:\n  - Support\n");
    expect(notAFlow.messages?.[0]?.text).toMatch(/not an Architect flow/);
    expect(await flowCount()).toBe(before);
  });

  it("fails when another client holds the flow's lock, with Archy's --forceUnlock message", async () => {
    const first = await importYaml(emu.url, token, inboundCallYaml("Locked Flow"));
    await emu.admin.lockFlow("dev", first.flow?.id ?? "", "Someone in Architect");
    const job = await importYaml(emu.url, token, inboundCallYaml("Locked Flow", { description: "changed" }));
    expect(job.status).toBe("Failure");
    expect(job.messages?.map((m) => m.text)).toEqual([
      "Flow 'Locked Flow' (type: 'inboundcall' ) is locked by another entity. You can use the --forceUnlock command line parameter if you wish to publish flows locked by another entity.",
    ]);
    expect((await emu.admin.org("dev")).flows.find((f) => f.id === first.flow?.id)?.versions).toEqual([
      "1.0",
    ]);
  });

  it("fails on each unresolvable by-name reference with a NetworkDiagnostic detail", async () => {
    const yaml = inboundCallYaml("Broken Refs", {
      queue: "No Such Queue",
      dataAction: { category: "Web Services", name: "Missing Action" },
      scheduleGroup: "Night Hours",
      prompt: "Missing_Prompt",
      commonModule: "Absent Module",
      transferToFlow: "Nowhere",
    });
    const job = await importYaml(emu.url, token, yaml);
    expect(job.status).toBe("Failure");
    const texts = job.messages?.map((m) => m.text) ?? [];
    expect(texts).toHaveLength(6);
    for (const fragment of [
      "queue 'No Such Queue'",
      "data action 'Web Services/Missing Action'",
      "schedule group 'Night Hours'",
      "prompt 'Missing_Prompt'",
      "commonmodule flow 'Absent Module'",
      "flow 'Nowhere'",
    ]) {
      expect(texts.some((t) => t.includes(fragment))).toBe(true);
    }
    const queueMessage = job.messages?.find((m) => m.text.includes("No Such Queue"));
    expect(queueMessage?.details).toEqual([
      expect.objectContaining({
        type: "NetworkDiagnostic",
        method: "GET",
        statusCode: 404,
        url: `${emu.url}/api/v2/routing/queues?name=No+Such+Queue`,
      }),
    ]);
    expect((await emu.admin.org("dev")).flows.some((f) => f.name === "Broken Refs")).toBe(false);
  });

  it("resolves objects added at runtime, built-in system prompts, and other flows by name and type", async () => {
    await emu.admin.addObjects("dev", { queues: [{ name: "Late Queue" }] });
    const module = await importYaml(emu.url, token, commonModuleYaml("Helper Module"));
    const target = await importYaml(emu.url, token, inboundCallYaml("Transfer Target"));
    expect([module.status, target.status]).toEqual(["Success", "Success"]);
    const yaml = inboundCallYaml("Resolves All", {
      queue: "late queue",
      commonModule: "Helper Module",
      transferToFlow: "Transfer Target",
    }).replace("tts: Welcome", "exp: ToAudio(PromptSystem.on_hold_music)");
    const job = await importYaml(emu.url, token, yaml);
    expect(job.messages).toEqual([]);
    expect(job.status).toBe("Success");
  });

  it("fails jobs for the flows named in failJobsForFlows", async () => {
    await emu.admin.patchFaults("dev", { failJobsForFlows: ["Doomed"] });
    const job = await importYaml(emu.url, token, inboundCallYaml("Doomed"));
    expect(job).toMatchObject({
      status: "Failure",
      messages: [{ type: "Error", text: expect.stringContaining("Doomed") }],
    });
    expect((await importYaml(emu.url, token, inboundCallYaml("Survivor"))).status).toBe("Success");
  });

  it("gives the same YAML different ids in each org", async () => {
    const yaml = inboundCallYaml("Promoted", { queue: "Support" });
    const dev = await importYaml(emu.url, token, yaml);
    const prod = await importYaml(emu.url, await getToken(emu.url, PROD_CLIENT), yaml);
    expect(dev.status).toBe("Success");
    expect(prod.status).toBe("Success");
    expect(dev.flow?.id).not.toBe(prod.flow?.id);
    const prodOrg = await emu.admin.org("prod");
    expect(prodOrg.flows.map((f) => f.name)).toEqual(["Promoted"]);
  });
});
