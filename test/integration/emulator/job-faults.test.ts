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
import { DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";

describe("import-job faults: held jobs and realistic durations", () => {
  let emu: TestEmulator;
  let token = "";
  let call: ReturnType<typeof apiCaller>;

  /** Registers and uploads a job, without polling it (like a client that crashed after the upload). */
  const upload = async (yaml: string): Promise<string> => {
    const reg = z
      .object({ id: z.string(), presignedUrl: z.string(), headers: z.record(z.string(), z.string()) })
      .parse((await call("POST", "/api/v2/flows/jobs")).body);
    const res = await fetch(reg.presignedUrl, { method: "PUT", headers: reg.headers, body: yaml });
    expect(res.status).toBe(200);
    return reg.id;
  };
  const job = async (id: string) =>
    parseJobState((await call("GET", `/api/v2/flows/jobs/${id}?expand=messages`)).body);

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed({ jobDurationMs: 20 }));
    token = await getToken(emu.url, DEV_CLIENT);
    call = apiCaller(emu.url, token);
  });
  beforeEach(() => emu.admin.setFaults("dev", {}));
  afterAll(() => emu.close());

  it("holds the jobs of named flows in Started, lists them, and a release publishes without anyone polling", async () => {
    await emu.admin.setFaults("dev", { holdJobsForFlows: ["Frozen Menu"] });
    const held = await upload(inboundCallYaml("Frozen Menu"));
    const free = await upload(inboundCallYaml("Free Menu"));
    await eventually(async () => ((await job(free)).status === "Success" ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 100)); // well past the 20 ms job duration
    expect((await job(held)).status).toBe("Started");
    const list = await emu.admin.heldJobs("dev");
    expect(list).toEqual([{ id: held, flowName: "Frozen Menu", heldSince: expect.any(String) }]);

    const released = await emu.admin.releaseJobs("dev", { flowName: "frozen menu" });
    expect(released).toEqual([
      { id: held, flowName: "Frozen Menu", status: "Success", flowId: expect.any(String) },
    ]);
    const flow = (await emu.admin.org("dev")).flows.find((f) => f.name === "Frozen Menu");
    expect(flow?.publishedVersion).toBe("1.0");
    expect(await emu.admin.heldJobs("dev")).toEqual([]);
  });

  it("holds the n-th job from now, and releases one job by id", async () => {
    await emu.admin.setFaults("dev", { holdNthJob: { n: 2 } });
    const first = await upload(inboundCallYaml("Nth One"));
    const second = await upload(inboundCallYaml("Nth Two"));
    const third = await upload(inboundCallYaml("Nth Three"));
    await eventually(async () => ((await job(third)).status === "Success" ? true : undefined));
    expect((await job(first)).status).toBe("Success");
    expect((await job(second)).status).toBe("Started");
    expect((await emu.admin.org("dev")).faults).not.toHaveProperty("holdNthJob");
    await expect(emu.admin.releaseJobs("dev", { jobId: "no-such-job" })).rejects.toThrow(/404/);
    expect(await emu.admin.releaseJobs("dev", { jobId: second })).toMatchObject([
      { id: second, status: "Success" },
    ]);
  });

  it("a released job runs the import as it would have: a flow locked by another client fails it", async () => {
    const { flow } = await importYaml(emu.url, token, inboundCallYaml("Locked While Held"));
    await emu.admin.setFaults("dev", { holdJobsForFlows: ["Locked While Held"] });
    const held = await upload(inboundCallYaml("Locked While Held", { queue: "Sales" }));
    await emu.admin.lockFlow("dev", flow?.id ?? "", "Architect UI user");
    const [released] = await emu.admin.releaseJobs("dev");
    expect(released).toMatchObject({ id: held, status: "Failure" });
    expect((await job(held)).messages?.[0]?.text).toMatch(/locked by another entity/);
  });

  it("draws job durations from a seeded log-normal distribution with a long tail", async () => {
    await emu.admin.setFaults("dev", { jobDuration: { medianMs: 40, p95Ms: 400 }, randomSeed: 7 });
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => upload(inboundCallYaml(`Timed ${i}`))),
    );
    const started = Date.now();
    const finishedAt = new Map<string, number>();
    await eventually(
      async () => {
        for (const id of ids)
          if (!finishedAt.has(id) && (await job(id)).status === "Success")
            finishedAt.set(id, Date.now() - started);
        return finishedAt.size === ids.length ? true : undefined;
      },
      15_000,
      5,
    );
    const times = [...finishedAt.values()].sort((a, b) => a - b);
    // Not all alike: the fastest and slowest differ by far more than the polling granularity.
    expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThan(30);
  });

  it("refuses a jobDuration whose p95 is below its median", async () => {
    await expect(emu.admin.setFaults("dev", { jobDuration: { medianMs: 100, p95Ms: 10 } })).rejects.toThrow(
      /400/,
    );
  });
});
