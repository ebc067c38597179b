import { unzipSync, strFromU8 } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const ExportStateSchema = z.object({
  id: z.string(),
  status: z.string(),
  command: z.string(),
  downloadUrl: z.string().optional(),
  messages: z.array(z.object({ type: z.string(), text: z.string() })).optional(),
  selfUri: z.string(),
});

describe("Architect export and validate jobs", () => {
  let emu: TestEmulator;
  let call: ReturnType<typeof apiCaller>;
  const v1 = inboundCallYaml("Exported", { queue: "Support", description: "first" });
  const v2 = inboundCallYaml("Exported", { queue: "Support", description: "second" });
  const moduleYaml = commonModuleYaml("Exported Module");
  let flowId = "";
  let moduleId = "";

  /** Registers a job of `kind` and polls it until it is no longer Started. */
  const runJob = async (kind: "export" | "validate", body: unknown) => {
    const res = await call("POST", `/api/v2/flows/${kind}/jobs`, body);
    expect(res.status).toBe(202);
    const registered = z
      .object({ id: z.string(), status: z.string(), totalFlows: z.number(), selfUri: z.string() })
      .parse(res.body);
    expect(registered.selfUri).toBe(`/api/v2/flows/${kind}/jobs/${registered.id}`);
    return eventually(async () => {
      const state = ExportStateSchema.parse(
        (await call("GET", `${registered.selfUri}?expand=messages`)).body,
      );
      return state.status === "Started" ? undefined : state;
    });
  };

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
    const token = await getToken(emu.url, DEV_CLIENT);
    call = apiCaller(emu.url, token);
    flowId = (await importYaml(emu.url, token, v1)).flow?.id ?? "";
    await importYaml(emu.url, token, v2);
    moduleId = (await importYaml(emu.url, token, moduleYaml)).flow?.id ?? "";
  });
  afterAll(() => emu.close());

  it("exports one flow's published version as the stored YAML, downloadable without a bearer", async () => {
    const state = await runJob("export", { flows: [{ flow: { id: flowId } }] });
    expect(state).toMatchObject({ status: "Success", command: "Export", messages: [] });
    const download = await fetch(state.downloadUrl ?? "");
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(v2);
  });

  it("exports an older version, and finds a flow by name and type", async () => {
    const older = await runJob("export", { flows: [{ flow: { id: flowId, version: "1.0" } }] });
    expect(await (await fetch(older.downloadUrl ?? "")).text()).toBe(v1);
    const byName = await runJob("export", {
      flows: [{ flow: { name: "Exported Module", type: "COMMONMODULE" } }],
    });
    expect(await (await fetch(byName.downloadUrl ?? "")).text()).toBe(moduleYaml);
  });

  it("zips several flows into one download", async () => {
    const state = await runJob("export", {
      flows: [{ flow: { id: flowId } }, { flow: { id: moduleId }, fileName: "module_file" }],
    });
    const download = await fetch(state.downloadUrl ?? "");
    expect(download.headers.get("content-type")).toBe("application/zip");
    const files = unzipSync(new Uint8Array(await download.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(["Exported.yaml", "module_file.yaml"]);
    expect(strFromU8(files["module_file.yaml"] ?? new Uint8Array())).toBe(moduleYaml);
  });

  it("fails for an unknown flow with 'could not find the flow with id ...'", async () => {
    const unknown = "0d5a3c55-0000-4000-8000-000000000000";
    const state = await runJob("export", { flows: [{ flow: { id: unknown } }] });
    expect(state.status).toBe("Failure");
    expect(state.downloadUrl).toBeUndefined();
    expect(state.messages?.[0]?.text).toBe(`could not find the flow with id ${unknown}`);
  });

  it("refuses malformed bodies with 400", async () => {
    expect((await call("POST", "/api/v2/flows/export/jobs", { flows: [] })).status).toBe(400);
    const nameOnly = await call("POST", "/api/v2/flows/export/jobs", {
      flows: [{ flow: { name: "Exported" } }],
    });
    expect(nameOnly.body).toMatchObject({
      status: 400,
      message: expect.stringContaining("both the name and type"),
    });
  });

  it("guards the download URL's signature", async () => {
    const state = await runJob("export", { flows: [{ flow: { id: flowId } }] });
    const tampered = (state.downloadUrl ?? "").replace(/X-Amz-Signature=[0-9a-f]+/, "X-Amz-Signature=bad");
    expect((await fetch(tampered)).status).toBe(403);
  });

  it("validates flows: Success while references resolve, Failure once one is gone", async () => {
    const good = await runJob("validate", { flows: [{ flow: { id: flowId } }] });
    expect(good).toMatchObject({ status: "Success", command: "Validate", messages: [] });
    await emu.admin.removeObject("dev", "queue", "Support");
    const bad = await runJob("validate", { flows: [{ flow: { id: flowId } }] });
    expect(bad.status).toBe("Failure");
    expect(bad.messages?.[0]?.text).toContain("queue 'Support'");
    await emu.admin.addObjects("dev", { queues: [{ name: "Support" }] });
  });
});
