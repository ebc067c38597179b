import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiCaller, getToken, startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { DEV_CLIENT, commonModuleYaml, inboundCallYaml } from "../../helpers/seeds.js";

const TOTAL = 1000;
const ListingSchema = z.object({
  entities: z.array(z.object({ id: z.string(), name: z.string(), type: z.string(), deleted: z.boolean() })),
  pageSize: z.number(),
  pageNumber: z.number(),
  total: z.number(),
  pageCount: z.number(),
  firstUri: z.string(),
  selfUri: z.string(),
  lastUri: z.string(),
  nextUri: z.string().optional(),
  previousUri: z.string().optional(),
});

/** Flow i: every third one is a common module, the others inbound call flows. */
const flowName = (i: number): string => `Flow ${String(i).padStart(4, "0")}`;
const flowYaml = (i: number): string =>
  i % 3 === 0 ? commonModuleYaml(flowName(i)) : inboundCallYaml(flowName(i));

describe("GET /api/v2/flows over 1,000 flows", () => {
  let emu: TestEmulator;
  let call: ReturnType<typeof apiCaller>;
  const list = async (query: string) => {
    const res = await call("GET", `/api/v2/flows${query}`);
    expect(res.status).toBe(200);
    return ListingSchema.parse(res.body);
  };

  beforeAll(async () => {
    const flows = Array.from({ length: TOTAL }, (_, i) => ({ yaml: flowYaml(i) }));
    emu = await startTestEmulator({
      orgs: [
        {
          name: "dev",
          clients: [{ ...DEV_CLIENT }],
          rateLimit: { requests: 100_000, windowSeconds: 60 },
          flows,
        },
      ],
    });
    call = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
  }, 120_000);
  afterAll(() => emu.close());

  it("walks every page through nextUri and sees each flow exactly once", async () => {
    const seen = new Set<string>();
    let page = await list("?pageSize=100");
    expect(page).toMatchObject({ total: TOTAL, pageCount: 10, pageNumber: 1, pageSize: 100 });
    expect(page.firstUri).toBe("/api/v2/flows?pageSize=100&pageNumber=1");
    expect(page.lastUri).toBe("/api/v2/flows?pageSize=100&pageNumber=10");
    expect(page.previousUri).toBeUndefined();
    for (let n = 1; ; n++) {
      expect(page.selfUri).toBe(`/api/v2/flows?pageSize=100&pageNumber=${n}`);
      for (const f of page.entities) seen.add(f.id);
      if (!page.nextUri) break;
      expect(page.nextUri).toBe(`/api/v2/flows?pageSize=100&pageNumber=${n + 1}`);
      page = ListingSchema.parse((await call("GET", page.nextUri)).body);
      expect(page.previousUri).toBe(`/api/v2/flows?pageSize=100&pageNumber=${n}`);
    }
    expect(page.pageNumber).toBe(10);
    expect(seen.size).toBe(TOTAL);
  });

  it("defaults to 25 per page, serves an empty page past the end and refuses bad page sizes", async () => {
    expect(await list("")).toMatchObject({ pageSize: 25, pageNumber: 1, pageCount: 40 });
    const past = await list("?pageNumber=41");
    expect(past.entities).toEqual([]);
    expect(past.nextUri).toBeUndefined();
    expect((await call("GET", "/api/v2/flows?pageSize=501")).status).toBe(400);
    expect((await call("GET", "/api/v2/flows?pageSize=abc")).body).toMatchObject({
      status: 400,
      code: "invalid.value",
    });
    expect((await list("?pageSize=500&pageNumber=2")).entities).toHaveLength(500);
  });

  it("filters by repeated lowercase type (and the SDK's comma form), answering UPPERCASE types", async () => {
    const modules = await list("?type=commonmodule&pageSize=500");
    expect(modules.total).toBe(334);
    expect(new Set(modules.entities.map((f) => f.type))).toEqual(new Set(["COMMONMODULE"]));
    expect(modules.firstUri).toBe("/api/v2/flows?pageSize=500&pageNumber=1&type=commonmodule");
    expect((await list("?type=inboundcall&type=commonmodule")).total).toBe(TOTAL);
    expect((await list("?type=inboundcall,commonmodule")).total).toBe(TOTAL);
    expect((await list("?type=inqueuecall")).total).toBe(0);
    const bad = await call("GET", "/api/v2/flows?type=INBOUNDCALL");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "invalid.value" });
  });

  it("matches name case-insensitively anywhere in the name, so clients must re-filter for exact names", async () => {
    const exact = await list(`?name=${encodeURIComponent("flow 0042")}`);
    expect(exact.entities.map((f) => f.name)).toEqual(["Flow 0042"]);
    const partial = await list(`?name=${encodeURIComponent("Flow 004")}&sortBy=name`);
    expect(partial.entities.map((f) => f.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => flowName(40 + i)),
    );
  });

  it("sorts by name or id in either order, and looks flows up by id", async () => {
    const desc = await list("?sortBy=name&sortOrder=desc&pageSize=3");
    expect(desc.entities.map((f) => f.name)).toEqual([flowName(999), flowName(998), flowName(997)]);
    const byId = await list("?sortBy=id&pageSize=500");
    const ids = byId.entities.map((f) => f.id);
    expect(ids).toEqual([...ids].sort());
    expect((await call("GET", "/api/v2/flows?sortBy=colour")).status).toBe(400);
    const picked = ids.slice(0, 3);
    const viaId = await list(`?${picked.map((id) => `id=${id}`).join("&")}&type=workflow`);
    expect(viaId.entities.map((f) => f.id).sort()).toEqual([...picked].sort());
    const lookup = ListingSchema.parse((await call("GET", `/api/v2/flows/lookup?id=${picked[0]}`)).body);
    expect(lookup.entities.map((f) => f.id)).toEqual([picked[0]]);
    expect((await call("GET", "/api/v2/flows/lookup")).body).toMatchObject({
      status: 400,
      code: "architect.query.parameter.missing",
    });
  });

  it("leaves deleted flows out unless deleted=true", async () => {
    const victim = (await list(`?name=${encodeURIComponent(flowName(1))}`)).entities[0];
    expect(victim).toBeDefined();
    expect((await call("DELETE", `/api/v2/flows/${victim?.id}`)).status).toBe(204);
    expect((await list("")).total).toBe(TOTAL - 1);
    const withDeleted = await list(`?deleted=true&name=${encodeURIComponent(flowName(1))}`);
    expect(withDeleted.entities.find((f) => f.id === victim?.id)).toMatchObject({ deleted: true });
  });
});
