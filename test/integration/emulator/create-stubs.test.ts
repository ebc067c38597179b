import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCaller, getToken, startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator(twoOrgSeed({ jobDurationMs: 0 }));
});
afterAll(async () => {
  await emulator.close();
});

async function runJob(
  yaml: string,
  body: unknown,
): Promise<{ status: string; messages?: Array<{ text: string }> }> {
  const token = await getToken(emulator.url, PROD_CLIENT);
  const call = apiCaller(emulator.url, token);
  const job = (await call("POST", "/api/v2/flows/jobs", body)).body as {
    id: string;
    presignedUrl: string;
    headers: Record<string, string>;
  };
  const put = await fetch(job.presignedUrl, { method: "PUT", headers: job.headers, body: yaml });
  expect(put.status).toBe(200);
  for (;;) {
    const state = (await call("GET", `/api/v2/flows/jobs/${job.id}?expand=messages`)).body as {
      status: string;
      messages?: Array<{ text: string }>;
    };
    if (state.status === "Success" || state.status === "Failure") return state;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("import jobs with createStubs", () => {
  const yaml = inboundCallYaml("Front Desk", { transferToFlow: "Back Office" });

  it("fail on a flow reference that does not exist without it", async () => {
    const state = await runJob(yaml, {});
    expect(state.status).toBe("Failure");
    expect(state.messages?.[0]?.text).toMatch(/Unable to resolve the flow 'Back Office'/);
    expect((await emulator.admin.org("prod")).flows).toEqual([]);
  });

  it("create the missing flow as a published stub of the referencing flow's type, then publish", async () => {
    const state = await runJob(yaml, { createStubs: true });
    expect(state.status).toBe("Success");
    const flows = (await emulator.admin.org("prod")).flows.map((f) => [f.name, f.type, f.publishedVersion]);
    expect(flows.sort()).toEqual([
      ["Back Office", "INBOUNDCALL", "1.0"],
      ["Front Desk", "INBOUNDCALL", "1.0"],
    ]);
    // The real flow's own import then replaces the stub with version 2.0.
    const real = await runJob(inboundCallYaml("Back Office", { transferToFlow: "Front Desk" }), {});
    expect(real.status).toBe("Success");
    const back = (await emulator.admin.org("prod")).flows.find((f) => f.name === "Back Office");
    expect(back?.publishedVersion).toBe("2.0");
  });

  it("still fail when a missing reference is not a flow", async () => {
    const state = await runJob(
      inboundCallYaml("Other Desk", { transferToFlow: "Nowhere", queue: "No Such Queue" }),
      {
        createStubs: true,
      },
    );
    expect(state.status).toBe("Failure");
    expect((await emulator.admin.org("prod")).flows.map((f) => f.name)).not.toContain("Nowhere");
  });
});
