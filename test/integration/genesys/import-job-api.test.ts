import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

const UPLOAD = "/__s3/uploads/{key}";

describe("GenesysClient import-job API for crash recovery", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed({ jobDurationMs: 100 }));
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("awaits onRegistered with the job id after registering and before uploading", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const seen: Array<{ jobId: string; status: string | undefined; uploads: number }> = [];
    const result = await client.importFlow(inboundCallYaml("Journaled"), {
      onRegistered: async (jobId) => {
        const state = await client.getImportJob(jobId);
        seen.push({ jobId, status: state?.status, uploads: count(await emu.requests(), "PUT", UPLOAD) });
      },
    });
    expect(seen).toEqual([{ jobId: result.jobId, status: "Registered", uploads: 0 }]);
    expect(result).toMatchObject({ status: "Success", command: "Create" });
  });

  it("uploads nothing when onRegistered throws: the job stays Registered and the error propagates", async () => {
    const { client } = emu.client(DEV_CLIENT);
    let registered = "";
    const boom = new Error("journal write failed");
    await expect(
      client.importFlow(inboundCallYaml("Never Uploaded"), {
        onRegistered: (jobId) => {
          registered = jobId;
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(count(await emu.requests(), "PUT", UPLOAD)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 250)); // longer than the job would take
    expect((await client.getImportJob(registered))?.status).toBe("Registered");
    expect(await client.listFlows({ name: "Never Uploaded" })).toEqual([]);
  });

  it("getImportJob: one status call with messages; undefined for an unknown job", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const { jobId, flowId } = await client.importFlow(inboundCallYaml("Looked Up"));
    await emu.clearRequests();
    expect(await client.getImportJob(jobId)).toMatchObject({
      id: jobId,
      status: "Success",
      flow: { id: flowId },
      messages: [],
    });
    expect(await client.getImportJob("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    // One call each: the found job and the unknown one (404 answered, not retried).
    expect(count(await emu.requests("dev"), "GET", "/api/v2/flows/jobs/{jobId}")).toBe(2);
  });

  it("waitForImportJob: another client picks up a job it did not start and waits for its end", async () => {
    const starter = emu.client(DEV_CLIENT).client;
    const recoverer = emu.client(DEV_CLIENT).client;
    let jobId = "";
    const started = starter.importFlow(inboundCallYaml("Picked Up"), {
      onRegistered: (id) => {
        jobId = id;
      },
    });
    await expect.poll(() => jobId).not.toBe("");
    const state = await recoverer.waitForImportJob(jobId);
    const result = await started;
    expect(state).toMatchObject({ id: jobId, status: "Success", flow: { id: result.flowId } });
    expect(await recoverer.waitForImportJob("00000000-0000-4000-8000-000000000000")).toBeUndefined();
  });

  it("a held job outlives the client that gave up on it: released, it publishes and waitForImportJob sees it", async () => {
    await emu.faults("dev", { holdJobsForFlows: ["Held Menu"] });
    const { client } = emu.client(DEV_CLIENT, { pollIntervalMs: { initial: 10, max: 20, timeout: 150 } });
    let jobId = "";
    await expect(
      client.importFlow(inboundCallYaml("Held Menu"), {
        onRegistered: (id) => {
          jobId = id;
        },
      }),
    ).rejects.toMatchObject({ code: "GenesysJobTimeout" });
    expect((await client.getImportJob(jobId))?.status).toBe("Started");
    expect(await emu.releaseJobs("dev", { jobId })).toMatchObject([{ id: jobId, status: "Success" }]);
    const state = await client.waitForImportJob(jobId);
    expect(state).toMatchObject({ status: "Success", command: "Create" });
    const flow = await client.getFlow(state?.flow?.id ?? "");
    expect(flow?.publishedVersion?.id).toBe("1.0");
  });

  it("waitForImportJob returns a Failure instead of throwing, and times out when asked", async () => {
    const { client } = emu.client(DEV_CLIENT);
    await emu.faults("dev", { failJobsForFlows: ["Doomed Job"] });
    let jobId = "";
    await expect(
      client.importFlow(inboundCallYaml("Doomed Job"), {
        onRegistered: (id) => {
          jobId = id;
        },
      }),
    ).rejects.toMatchObject({ code: "ImportJobFailed" });
    const state = await client.waitForImportJob(jobId);
    expect(state?.status).toBe("Failure");
    expect(state?.messages?.[0]?.text).toMatch(/failJobsForFlows/);

    await emu.faults("dev", { jobDurationMs: 5_000 }, "PUT");
    let slow = "";
    const pending = client.importFlow(inboundCallYaml("Slow Job"), {
      onRegistered: (id) => {
        slow = id;
      },
    });
    pending.catch(() => undefined);
    await expect.poll(() => slow).not.toBe("");
    await expect(client.waitForImportJob(slow, { timeoutMs: 150 })).rejects.toMatchObject({
      code: "GenesysJobTimeout",
    });
    const aborted = AbortSignal.timeout(50);
    await expect(client.waitForImportJob(slow, { signal: aborted })).rejects.toBeDefined();
  });
});
