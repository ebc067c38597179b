import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmbiguousObjectError } from "../../../src/genesys/index.js";
import { DEV_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { EmulatorFixture } from "./fixture.js";

/**
 * Lookups against name filters that are loose on the server (SDK parameter docs): the client's exact
 * re-filter and its several-matches path run for real, and each kind uses the endpoint and paging the
 * real API has (search for users and groups, cursors for knowledge bases, pages of 100).
 */
describe("GenesysClient lookups as the real API serves them", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    const seed = twoOrgSeed();
    const dev = seed.orgs?.[0];
    if (dev) {
      dev.queues = [{ name: "Sales" }, { name: "Sales EMEA" }, { name: "Pre-Sales" }];
      dev.dataActions = [
        { category: "CRM", name: "Get Account" },
        { category: "CRM", name: "Get Account Details" },
      ];
      dev.skills = [{ name: "French" }, { name: "French Canadian" }];
      dev.dataTables = [
        { name: "Holidays", id: "dt-1" },
        { name: "Holidays", id: "dt-2" },
        { name: "holidays", id: "dt-3" },
        { name: "Holidays 2027" },
      ];
      // Same-named knowledge bases (distinct ids) make one exact lookup span three cursor pages.
      dev.knowledgeBases = Array.from({ length: 230 }, (_, i) => ({ name: "FAQ", id: `kb-${i}` }));
      dev.contactLists = Array.from({ length: 150 }, (_, i) => ({ name: `List ${i}` }));
      dev.users = [{ name: "Jane Agent" }, { name: "Jane Agent Jr" }];
      dev.groups = [{ name: "Supervisors" }, { name: "Supervisors", id: "g-dup" }];
    }
    emu = await EmulatorFixture.start(seed);
  });
  afterAll(async () => emu?.close());

  it.each([
    ["queue", "Sales", "/api/v2/routing/queues?name=*Sales*", 3],
    ["dataAction", "Get Account", "/api/v2/integrations/actions?name=Get%20Account", 2],
    ["skill", "French", "/api/v2/routing/skills?name=French", 2],
    ["dataTable", "HOLIDAYS*", "/api/v2/flows/datatables?name=HOLIDAYS*", 4],
  ] as const)("the server's %s filter %j is loose", async (_kind, _filter, path, count) => {
    const res = await fetch(`${emu.url}${path}`, { headers: await bearer(emu) });
    const body = (await res.json()) as { entities: unknown[] };
    expect(body.entities).toHaveLength(count);
  });

  it("picks the exact name out of a loose match", async () => {
    const { client } = emu.client(DEV_CLIENT);
    expect((await client.findObject("skill", "French"))?.name).toBe("French");
    expect((await client.findObject("dataAction", "Get Account"))?.name).toBe("Get Account");
    expect(await client.findObject("queue", "sales")).toBeUndefined();
  });

  it("reports several exact matches as ambiguous", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const err = await client.findObject("dataTable", "Holidays").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousObjectError);
    expect(err).toMatchObject({ code: "AmbiguousObject", reason: "Stalled" });
    // "holidays" differs by case only: the server returns it, the exact re-filter does not.
    expect((err as AmbiguousObjectError).matches.map((m) => m.id)).toEqual(["dt-1", "dt-2"]);
    await expect(client.findObject("group", "Supervisors")).rejects.toBeInstanceOf(AmbiguousObjectError);
  });

  it("finds users and groups through their search endpoints", async () => {
    await emu.clearRequests();
    const { client } = emu.client(DEV_CLIENT);
    expect((await client.findObjects("user", "Jane Agent")).map((u) => u.name)).toEqual(["Jane Agent"]);
    const routes = (await emu.requests("dev")).map((r) => `${r.method} ${r.route}`);
    expect(routes).toContain("POST /api/v2/users/search");
    expect(routes).not.toContain("GET /api/v2/users");
  });

  it("reads knowledge bases by cursor, 100 at a time, past the first page", async () => {
    await emu.clearRequests();
    const { client } = emu.client(DEV_CLIENT);
    expect(await client.findObjects("knowledgeBase", "FAQ")).toHaveLength(230);
    const res = await fetch(`${emu.url}/api/v2/knowledge/knowledgebases?pageSize=100`, {
      headers: await bearer(emu),
    });
    const page = (await res.json()) as Record<string, unknown>;
    expect(page).not.toHaveProperty("pageCount");
    expect(page.nextUri).toEqual(expect.stringContaining("after="));
    const reqs = (await emu.requests("dev")).filter((r) => r.route === "/api/v2/knowledge/knowledgebases");
    expect(reqs.filter((r) => r.status === 200)).toHaveLength(4); // three by the client, one above
  });

  it("refuses pageSize 500 for knowledge bases and contact lists with an ErrorBody", async () => {
    for (const path of ["/api/v2/knowledge/knowledgebases", "/api/v2/outbound/contactlists"]) {
      const res = await fetch(`${emu.url}${path}?pageSize=500`, { headers: await bearer(emu) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        status: 400,
        code: "invalid.value",
        contextId: expect.any(String),
      });
    }
    const { client } = emu.client(DEV_CLIENT);
    expect(await client.findObjects("contactList", "List 149")).toHaveLength(1);
  });
});

async function bearer(emu: EmulatorFixture): Promise<Record<string, string>> {
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: "POST",
    headers: {
      Authorization: `Basic ${Buffer.from(`${DEV_CLIENT.id}:${DEV_CLIENT.secret}`).toString("base64")}`,
      "Content-Type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  const { access_token } = (await res.json()) as { access_token: string };
  return { Authorization: `Bearer ${access_token}` };
}
