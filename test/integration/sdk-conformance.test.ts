import platformClient from "purecloud-platform-client-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { DEV_CLIENT, commonModuleYaml, inboundCallYaml, twoOrgSeed } from "../helpers/seeds.js";

/**
 * Drives the emulator with the official Genesys Cloud JavaScript SDK: if the SDK's own URL building,
 * login, query serialization and error handling work against it, so will real-world clients.
 */
describe("purecloud-platform-client-v2 against the emulator", () => {
  let emu: TestEmulator;
  const client = platformClient.ApiClient.instance;
  let architect: InstanceType<typeof platformClient.ArchitectApi>;

  beforeAll(async () => {
    const seed = twoOrgSeed();
    const dev = seed.orgs?.[0];
    if (dev) {
      dev.flows = [
        { yaml: inboundCallYaml("SDK Seeded", { queue: "Support" }) },
        { yaml: commonModuleYaml("SDK Module") },
      ];
      dev.queues = [...(dev.queues ?? []), { name: "Support Tier 2" }];
      dev.skills = [{ name: "French" }, { name: "French Canadian" }];
      dev.dataTables = [{ name: "Holidays 2027" }, { name: "Holidays" }];
      dev.dataActions = [...(dev.dataActions ?? []), { category: "CRM", name: "Lookup Account Owner" }];
      dev.knowledgeBases = Array.from({ length: 3 }, (_, i) => ({ name: `KB ${i}` }));
      dev.users = [{ name: "Jane Agent" }, { name: "Jane Agent Jr" }];
      dev.groups = [{ name: "Supervisors" }];
      dev.divisions = [{ name: "Outsourcers" }, { name: "EU Outsourcers", description: "Lisbon" }];
    }
    emu = await startTestEmulator(seed);
    client.setGateway({ host: "127.0.0.1", protocol: "http", port: emu.port });
    client.setReturnExtendedResponses(false);
    architect = new platformClient.ArchitectApi();
  });
  afterAll(() => emu.close());

  it("logs in with loginClientCredentialsGrant through the gateway", async () => {
    const auth = await client.loginClientCredentialsGrant(DEV_CLIENT.id, DEV_CLIENT.secret);
    expect(auth.accessToken).toEqual(expect.any(String));
    const requests = await emu.admin.requests("dev");
    expect(requests.at(-1)).toMatchObject({ method: "POST", route: "/oauth/token", status: 200 });
  });

  it("lists flows with getFlows, its array type filter and paging", async () => {
    const all = await architect.getFlows({
      type: ["inboundcall", "commonmodule"],
      pageSize: 1,
      pageNumber: 2,
    });
    expect(all).toMatchObject({ total: 2, pageCount: 2, pageNumber: 2, pageSize: 1 });
    const modules = await architect.getFlows({ type: ["commonmodule"] });
    expect(modules.entities?.map((f) => [f.name, f.type])).toEqual([["SDK Module", "COMMONMODULE"]]);
  });

  it("publishes through postFlowsJobs, the presigned upload and getFlowsJob", async () => {
    const job = await architect.postFlowsJobs();
    expect(job.id).toEqual(expect.any(String));
    const upload = await fetch(job.presignedUrl ?? "", {
      method: "PUT",
      headers: job.headers ?? {},
      body: inboundCallYaml("SDK Published", { queue: "Sales" }),
    });
    expect(upload.status).toBe(200);
    const done = await eventually(async () => {
      const state = await architect.getFlowsJob(job.id ?? "", { expand: ["messages"] });
      return state.status === "Success" || state.status === "Failure" ? state : undefined;
    });
    expect(done).toMatchObject({ status: "Success", command: "Create", messages: [] });
    const flow = await architect.getFlow(done.flow?.id ?? "");
    expect(flow).toMatchObject({
      name: "SDK Published",
      type: "INBOUNDCALL",
      publishedVersion: { id: "1.0" },
    });
  });

  it("exports through postFlowsExportJobs and getFlowsExportJob", async () => {
    const flows = await architect.getFlows({ name: "SDK Seeded" });
    const id = flows.entities?.[0]?.id ?? "";
    const job = await architect.postFlowsExportJobs({ flows: [{ flow: { id } }] });
    const done = await eventually(async () => {
      const state = await architect.getFlowsExportJob(job.id ?? "", { expand: ["messages"] });
      return state.status === "Started" ? undefined : state;
    });
    expect(done).toMatchObject({ status: "Success", command: "Export" });
    const yaml = await (await fetch(done.downloadUrl ?? "")).text();
    expect(yaml).toContain('name: "SDK Seeded"');
  });

  it("surfaces a 429 to the SDK with its body and Retry-After header", async () => {
    await emu.admin.setFaults("dev", { rateLimitStorm: { count: 1, retryAfterSeconds: 3 } });
    client.setReturnExtendedResponses(true);
    try {
      const error: unknown = await architect.getFlows().then(
        () => undefined,
        (err: unknown) => err,
      );
      const parsed = z
        .object({
          status: z.number(),
          // axios hands back an AxiosHeaders instance (lowercase names), not a plain record
          headers: z.looseObject({ "retry-after": z.string(), "inin-correlation-id": z.string() }),
          body: z.record(z.string(), z.unknown()),
        })
        .parse(error);
      expect(parsed.status).toBe(429);
      expect(parsed.headers["retry-after"]).toBe("3");
      expect(parsed.body).toMatchObject({
        status: 429,
        code: "too.many.requests.retry.after",
        message: "Rate limit exceeded the maximum. Retry the request in [3] seconds",
        contextId: parsed.headers["inin-correlation-id"],
      });
      const next = await architect.getFlows();
      expect(z.object({ status: z.number() }).parse(next).status).toBe(200);
    } finally {
      client.setReturnExtendedResponses(false);
    }
  });

  it("sees an ErrorBody for a 404 as the SDK's rejection value", async () => {
    const error: unknown = await architect.getFlow("00000000-0000-4000-8000-000000000000").then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ status: 404, code: "architect.flow.not.found", details: [], errors: [] });
  });

  it("matches queue names with leading and trailing asterisks (getRoutingQueues)", async () => {
    const routing = new platformClient.RoutingApi();
    const loose = await routing.getRoutingQueues({ name: "Support*" });
    expect(loose.entities?.map((q) => q.name).sort()).toEqual(["Support", "Support Tier 2"]);
    const exact = await routing.getRoutingQueues({ name: "support" });
    expect(exact.entities?.map((q) => q.name)).toEqual(["Support"]);
  });

  it("matches skills by prefix (getRoutingSkills) and data actions by part (getIntegrationsActions)", async () => {
    const skills = await new platformClient.RoutingApi().getRoutingSkills({ name: "French" });
    expect(skills.entities?.map((s) => s.name)).toEqual(["French", "French Canadian"]);
    const actions = await new platformClient.IntegrationsApi().getIntegrationsActions({ name: "Account" });
    expect(actions.entities?.map((a) => a.name).sort()).toEqual(["Lookup Account", "Lookup Account Owner"]);
  });

  it("matches data tables with * anywhere, any case (getFlowsDatatables)", async () => {
    const tables = await architect.getFlowsDatatables({ name: "hol*" });
    expect(tables.entities?.map((t) => t.name).sort()).toEqual(["Holidays", "Holidays 2027"]);
  });

  it("pages knowledge bases by cursor and refuses a pageSize over 100 (getKnowledgeKnowledgebases)", async () => {
    const knowledge = new platformClient.KnowledgeApi();
    const first = await knowledge.getKnowledgeKnowledgebases({ pageSize: "2" });
    expect(first.entities).toHaveLength(2);
    expect(first).not.toHaveProperty("pageCount");
    const after = new URL(first.nextUri ?? "", "http://x").searchParams.get("after") ?? "";
    const second = await knowledge.getKnowledgeKnowledgebases({ pageSize: "2", after });
    expect(second.entities?.map((k) => k.name)).toEqual(["KB 2"]);
    expect(second.nextUri).toBeUndefined();
    const error: unknown = await knowledge
      .getKnowledgeKnowledgebases({ pageSize: "500" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: "invalid.value" });
  });

  it("refuses a contact list pageSize over 100 (getOutboundContactlists)", async () => {
    const outbound = new platformClient.OutboundApi();
    expect((await outbound.getOutboundContactlists({ pageSize: 100 })).entities).toHaveLength(1);
    const error: unknown = await outbound.getOutboundContactlists({ pageSize: 500 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: "invalid.value" });
  });

  it("lists divisions with getAuthorizationDivisions: name as a search term, page numbers, Home", async () => {
    const authorization = new platformClient.AuthorizationApi();
    const found = await authorization.getAuthorizationDivisions({ name: "outsourcers" });
    expect(found.entities?.map((d) => [d.name, d.homeDivision]).sort()).toEqual([
      ["EU Outsourcers", false],
      ["Outsourcers", false],
    ]);
    expect(found.entities?.find((d) => d.name === "EU Outsourcers")?.description).toBe("Lisbon");
    const page = await authorization.getAuthorizationDivisions({ pageSize: 1, pageNumber: 3 });
    expect(page).toMatchObject({ total: 3, pageCount: 3, pageNumber: 3, pageSize: 1 });
    const home = await authorization.getAuthorizationDivisions({ name: "Home" });
    expect(home.entities).toEqual([
      expect.objectContaining({ name: "Home", homeDivision: true, description: expect.any(String) }),
    ]);
    const [one] = home.entities ?? [];
    const byId = await authorization.getAuthorizationDivision(one?.id ?? "");
    expect(byId).toMatchObject({
      id: one?.id,
      name: "Home",
      selfUri: `/api/v2/authorization/divisions/${one?.id}`,
    });
  });

  it("finds users and groups with postUsersSearch and postGroupsSearch", async () => {
    const users = await new platformClient.UsersApi().postUsersSearch({
      pageSize: 25,
      query: [{ type: "EXACT", fields: ["name"], value: "Jane Agent" }],
    });
    expect(users).toMatchObject({ total: 1, pageCount: 1, pageNumber: 1, results: [{ name: "Jane Agent" }] });
    const groups = await new platformClient.GroupsApi().postGroupsSearch({
      query: [{ type: "STARTS_WITH", fields: ["name"], value: "super" }],
    });
    expect(groups.results?.map((g) => g.name)).toEqual(["Supervisors"]);
  });
});
