import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  apiCaller,
  eventually,
  getToken,
  importYaml,
  startTestEmulator,
  type AdminOrg,
  type TestEmulator,
} from "../../helpers/emulator.js";
import {
  DEV_CLIENT,
  PROD_CLIENT,
  commonModuleYaml,
  inboundCallYaml,
  twoOrgSeed,
} from "../../helpers/seeds.js";

const DependencySchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  version: z.string().optional(),
  deleted: z.boolean(),
});
const DependencyListSchema = z.object({
  entities: z.array(DependencySchema),
  total: z.number(),
  pageCount: z.number(),
});
const BASE = "/api/v2/architect/dependencytracking";

describe("dependency tracking", () => {
  let emu: TestEmulator;
  const calls: Record<string, ReturnType<typeof apiCaller>> = {};
  const ids: Record<string, { main: string; module: string }> = {};
  const orgs: Record<string, AdminOrg> = {};
  const yaml = inboundCallYaml("Main IVR", {
    queue: "Support",
    dataAction: { category: "Web Services", name: "Lookup Account" },
    scheduleGroup: "Business Hours",
    prompt: "Welcome_Prompt",
    commonModule: "Shared",
  });

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
    for (const [org, client] of [
      ["dev", DEV_CLIENT],
      ["prod", PROD_CLIENT],
    ] as const) {
      const token = await getToken(emu.url, client);
      calls[org] = apiCaller(emu.url, token);
      const module = await importYaml(emu.url, token, commonModuleYaml("Shared"));
      const main = await importYaml(emu.url, token, yaml);
      ids[org] = { main: main.flow?.id ?? "", module: module.flow?.id ?? "" };
      orgs[org] = await emu.admin.org(org);
    }
  });
  afterAll(() => emu.close());

  const consumed = (org: string, query: string) => calls[org]?.("GET", `${BASE}/consumedresources?${query}`);

  it("lists what a flow version consumes, resolved to each org's own object ids", async () => {
    for (const org of ["dev", "prod"]) {
      const res = await consumed(
        org,
        `id=${ids[org]?.main}&version=1.0&objectType=INBOUNDCALLFLOW&pageSize=100`,
      );
      expect(res?.status).toBe(200);
      const list = DependencyListSchema.parse(res?.body);
      const byType = Object.fromEntries(list.entities.map((d) => [d.type, d]));
      const objects = orgs[org]?.objects ?? {};
      expect(byType.QUEUE).toMatchObject({
        name: "Support",
        id: objects.queues?.find((q) => q.name === "Support")?.id,
        deleted: false,
      });
      expect(byType.DATAACTION).toMatchObject({ name: "Lookup Account", id: objects.dataActions?.[0]?.id });
      expect(byType.SCHEDULEGROUP).toMatchObject({ name: "Business Hours" });
      expect(byType.USERPROMPT).toMatchObject({ name: "Welcome_Prompt" });
      expect(byType.COMMONMODULEFLOW).toMatchObject({ name: "Shared", id: ids[org]?.module, version: "1.0" });
      expect(list.total).toBe(5);
    }
    expect(orgs.dev?.objects.queues?.[0]?.id).not.toBe(orgs.prod?.objects.queues?.[0]?.id);
  });

  it("filters consumed resources by resourceType", async () => {
    const res = await consumed(
      "dev",
      `id=${ids.dev?.main}&version=1.0&objectType=INBOUNDCALLFLOW&resourceType=QUEUE`,
    );
    expect(DependencyListSchema.parse(res?.body).entities.map((d) => d.type)).toEqual(["QUEUE"]);
  });

  it("answers bad requests with the documented codes", async () => {
    const badType = await consumed("dev", `id=${ids.dev?.main}&version=1.0&objectType=NOTATYPE`);
    expect(badType?.body).toMatchObject({ status: 400, code: "architect.dependency.object.invalid.type" });
    const unversioned = await consumed("dev", `id=${ids.dev?.main}&version=1.0&objectType=QUEUE`);
    expect(unversioned?.body).toMatchObject({
      status: 400,
      code: "architect.dependency.object.invalid.type",
    });
    const noVersion = await consumed("dev", `id=${ids.dev?.main}&objectType=INBOUNDCALLFLOW`);
    expect(noVersion?.body).toMatchObject({
      status: 400,
      code: "architect.dependency.object.version.not.specified",
    });
    const noFlow = await consumed(
      "dev",
      "id=4c0b3c7e-0000-4000-8000-000000000000&version=1.0&objectType=INBOUNDCALLFLOW",
    );
    expect(noFlow?.body).toMatchObject({ status: 404, code: "architect.dependency.object.not.found" });
    const noSuchVersion = await consumed("dev", `id=${ids.dev?.main}&version=3.0&objectType=INBOUNDCALLFLOW`);
    expect(noSuchVersion?.status).toBe(404);
  });

  it("lists who consumes a queue and a common module", async () => {
    const queueId = orgs.dev?.objects.queues?.find((q) => q.name === "Support")?.id;
    const byQueue = DependencyListSchema.parse(
      (await calls.dev?.("GET", `${BASE}/consumingresources?id=${queueId}&objectType=QUEUE`))?.body,
    );
    expect(byQueue.entities).toEqual([
      expect.objectContaining({
        id: ids.dev?.main,
        name: "Main IVR",
        type: "INBOUNDCALLFLOW",
        version: "1.0",
      }),
    ]);
    const byModule = DependencyListSchema.parse(
      (
        await calls.dev?.(
          "GET",
          `${BASE}/consumingresources?id=${ids.dev?.module}&objectType=COMMONMODULEFLOW&flowFilter=published`,
        )
      )?.body,
    );
    expect(byModule.entities.map((d) => d.id)).toEqual([ids.dev?.main]);
  });

  it("describes one object with its consumed and consuming resources, and searches by name", async () => {
    const obj = await calls.dev?.(
      "GET",
      `${BASE}/object?id=${ids.dev?.module}&consumingResources=true&consumedResources=true`,
    );
    expect(obj?.body).toMatchObject({
      id: ids.dev?.module,
      type: "COMMONMODULEFLOW",
      consumedResources: [],
      consumingResources: [{ id: ids.dev?.main }],
    });
    expect((await calls.dev?.("GET", `${BASE}/object?id=nope`))?.status).toBe(404);
    const search = DependencyListSchema.parse((await calls.dev?.("GET", `${BASE}?name=main`))?.body);
    expect(search.entities.map((d) => d.name)).toContain("Main IVR");
    expect((await calls.dev?.("GET", BASE))?.body).toMatchObject({
      code: "architect.dependency.object.name.not.specified",
    });
  });

  it("marks a consumed object that was removed from the org as deleted", async () => {
    await emu.admin.removeObject("prod", "scheduleGroup", "Business Hours");
    const list = DependencyListSchema.parse(
      (await consumed("prod", `id=${ids.prod?.main}&version=1.0&objectType=INBOUNDCALLFLOW`))?.body,
    );
    expect(list.entities.find((d) => d.type === "SCHEDULEGROUP")).toMatchObject({
      name: "Business Hours",
      deleted: true,
    });
  });

  it("lists types, and runs a rebuild: 202, 409 while running, 206 listings, then OPERATIONAL", async () => {
    const types = z
      .object({ entities: z.array(z.object({ id: z.string(), versioned: z.boolean() })) })
      .parse((await calls.dev?.("GET", `${BASE}/types?pageSize=200`))?.body);
    expect(types.entities).toContainEqual(
      expect.objectContaining({ id: "INBOUNDCALLFLOW", versioned: true }),
    );
    expect(types.entities).toContainEqual(expect.objectContaining({ id: "QUEUE", versioned: false }));
    await emu.admin.patchFaults("dev", { jobDurationMs: 1500 });
    expect((await calls.dev?.("POST", `${BASE}/build`))?.status).toBe(202);
    const again = await calls.dev?.("POST", `${BASE}/build`);
    expect(again?.body).toMatchObject({ status: 409, code: "architect.dependencies.build.in.progress" });
    expect(
      (await consumed("dev", `id=${ids.dev?.main}&version=1.0&objectType=INBOUNDCALLFLOW`))?.status,
    ).toBe(206);
    expect((await calls.dev?.("GET", `${BASE}/build`))?.body).toMatchObject({ status: "BUILDINPROGRESS" });
    await eventually(async () => {
      const status = await calls.dev?.("GET", `${BASE}/build`);
      return z.object({ status: z.string() }).parse(status?.body).status === "OPERATIONAL" ? true : undefined;
    });
    await emu.admin.setFaults("dev", {});
  });
});
