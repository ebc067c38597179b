import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ImportJobFailedError, JobFailedError } from "../../../src/genesys/index.js";
import { parseArchyFlow } from "../../../src/flowset/archy.js";
import { commonModuleYaml, DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

const JOB = "/api/v2/flows/jobs/{jobId}";

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("GenesysClient Architect jobs", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed({ jobDurationMs: 200 }));
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("imports with one register, one upload and few status polls", async () => {
    // Default polling (50 ms growing to 2 s) against a 200 ms job.
    const { client, requests } = emu.client(DEV_CLIENT, { pollIntervalMs: {} });
    const result = await client.importFlow(inboundCallYaml("Polled", { queue: "Support" }));
    expect(result).toMatchObject({ status: "Success", command: "Create", messages: [] });
    const log = await emu.requests("dev");
    expect(count(log, "POST", "/api/v2/flows/jobs")).toBe(1);
    expect(count(await emu.requests(), "PUT", "/__s3/uploads/{key}", 200)).toBe(1); // S3 calls carry no org
    const polls = count(log, "GET", JOB);
    expect(polls).toBeGreaterThanOrEqual(2); // the job takes 200 ms; the first poll is at 50 ms
    expect(polls).toBeLessThanOrEqual(5);
    expect(requests.find((e) => e.route === "presigned:upload")?.status).toBe(200);
  });

  it("fails with the job's messages and the flow name when the job fails (failJobsForFlows)", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await emu.faults("dev", { failJobsForFlows: ["Broken Flow"] });
    const err = await failure(client.importFlow(inboundCallYaml("Broken Flow")));
    expect(err).toBeInstanceOf(ImportJobFailedError);
    const job = err as ImportJobFailedError;
    expect([job.code, job.reason, job.flowName]).toEqual(["ImportJobFailed", "Stalled", "Broken Flow"]);
    expect(job.messages.length).toBeGreaterThan(0);
    expect(job.messages[0]).toMatchObject({ type: "Error", text: expect.stringContaining("Broken Flow") });
    expect(job.message).toContain(job.messages[0]?.text ?? "(missing)");
  });

  it("fails with a Stalled error naming a missing queue (unresolvable by-name reference)", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const err = await failure(client.importFlow(inboundCallYaml("Needs Queue", { queue: "No Such Queue" })));
    expect(err).toBeInstanceOf(ImportJobFailedError);
    const job = err as ImportJobFailedError;
    expect(job.reason).toBe("Stalled");
    expect(job.message).toMatch(/No Such Queue/);
    expect(job.messages.some((m) => (m.details?.length ?? 0) > 0)).toBe(true);
    expect(await client.listFlows({ name: "Needs Queue" })).toEqual([]);
  });

  it("stops polling when the signal aborts", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await emu.faults("dev", { jobDurationMs: 10_000 });
    const controller = new AbortController();
    const pending = client.importFlow(inboundCallYaml("Abandoned"), { signal: controller.signal });
    await expect.poll(async () => count(await emu.requests("dev"), "GET", JOB)).toBeGreaterThan(0);
    controller.abort(new Error("shutting down"));
    await expect(pending).rejects.toThrow("shutting down");
  });

  it("exports one flow as YAML", async () => {
    const { client, requests } = emu.client(DEV_CLIENT);
    const yaml = inboundCallYaml("Exported Single", { queue: "Support" });
    const { flowId } = await client.importFlow(yaml);
    const [exported, ...rest] = await client.exportFlows([{ id: flowId }]);
    expect(rest).toEqual([]);
    expect(exported).toMatchObject({ id: flowId, name: "Exported Single", type: "INBOUNDCALL" });
    expect(parseArchyFlow(exported?.yaml ?? "").references).toEqual(parseArchyFlow(yaml).references);
    expect(exported?.fileName).toMatch(/\.yaml$/);
    expect(requests.find((e) => e.route === "presigned:download")?.status).toBe(200);
  });

  it("exports several flows as a zip and maps every file back to its flow", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const a = await client.importFlow(inboundCallYaml("Zip A"));
    const b = await client.importFlow(commonModuleYaml("Zip B"));
    const c = await client.importFlow(inboundCallYaml("Zip C", { commonModule: "Zip B" }));
    const exported = await client.exportFlows([
      { id: a.flowId },
      { id: b.flowId, version: "1.0" },
      { id: c.flowId },
    ]);
    expect(exported.map((e) => [e.id, e.name, e.type]).sort()).toEqual(
      [
        [a.flowId, "Zip A", "INBOUNDCALL"],
        [b.flowId, "Zip B", "COMMONMODULE"],
        [c.flowId, "Zip C", "INBOUNDCALL"],
      ].sort(),
    );
    expect(exported.every((e) => e.yaml.includes(`name: "${e.name}"`))).toBe(true);
  });

  it("reports an export of an unknown flow as a failed job with the server's message", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const err = await failure(client.exportFlows([{ id: "00000000-0000-4000-8000-000000000000" }]));
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err).toMatchObject({ code: "ExportJobFailed", message: expect.stringMatching(/could not find/i) });
  });

  it("validates flows: Success while references resolve, Failure with messages once a queue is gone", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await client.importFlow(inboundCallYaml("Validated", { queue: "Sales" }));
    const [flow] = await client.listFlows({ name: "Validated" });
    if (!flow) throw new Error("flow missing");
    expect(await client.validateFlows([{ id: flow.id }])).toMatchObject({ status: "Success", messages: [] });
    await emu.removeObject("dev", "queue", "Sales");
    const result = await client.validateFlows([{ id: flow.id }]);
    expect(result.status).toBe("Failure");
    expect(result.messages.map((m) => m.text).join("\n")).toMatch(/Sales/);
  });
});
