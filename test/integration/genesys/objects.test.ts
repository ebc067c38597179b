import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReferenceKind } from "../../../src/flowset/types.js";
import { dependencyTypeOfFlowType } from "../../../src/genesys/index.js";
import {
  commonModuleYaml,
  DEV_CLIENT,
  inboundCallYaml,
  PROD_CLIENT,
  twoOrgSeed,
} from "../../helpers/seeds.js";
import { EmulatorFixture } from "./fixture.js";

/** One object per kind, as seeded (twoOrgSeed's shared objects plus a user and a group; every org has Home). */
const BY_KIND: Array<[Exclude<ReferenceKind, "flow">, string]> = [
  ["queue", "Support"],
  ["dataAction", "Lookup Account"],
  ["schedule", "Weekdays"],
  ["scheduleGroup", "Business Hours"],
  ["userPrompt", "Welcome_Prompt"],
  ["emergencyGroup", "Evacuation"],
  ["dataTable", "Holidays"],
  ["contactList", "Callbacks"],
  ["wrapupCode", "Resolved"],
  ["knowledgeBase", "FAQ"],
  ["skill", "Billing"],
  ["language", "English"],
  ["user", "Jane Agent"],
  ["group", "Supervisors"],
  ["division", "Home"],
];

describe("GenesysClient org objects and dependencies", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    const seed = twoOrgSeed();
    for (const org of seed.orgs ?? []) {
      org.users = [{ name: "Jane Agent" }];
      org.groups = [{ name: "Supervisors" }];
      org.queues = [...(org.queues ?? []), { name: "Support Tier 2" }];
      org.dataActions = [
        ...(org.dataActions ?? []),
        { category: "Other Integration", name: "Lookup Account" },
      ];
    }
    emu = await EmulatorFixture.start(seed);
  });
  afterAll(async () => emu?.close());

  it.each(BY_KIND)("finds the %s named %j", async (kind, name) => {
    const { client } = emu.client(DEV_CLIENT);
    const found = await client.findObjects(
      kind,
      name,
      kind === "dataAction" ? { category: "Web Services" } : {},
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ name, id: expect.any(String) });
    expect(await client.findObjects(kind, `${name} (absent)`)).toEqual([]);
  });

  it("re-filters by exact name: other casing and prefixes are not matches", async () => {
    const { client } = emu.client(DEV_CLIENT);
    expect(await client.findObjects("queue", "support")).toEqual([]); // the emulator's filter ignores case
    expect((await client.findObjects("queue", "Support")).map((q) => q.name)).toEqual(["Support"]);
  });

  it("tells data actions apart by category", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const all = await client.findObjects("dataAction", "Lookup Account");
    expect(all.map((a) => a.category).sort()).toEqual(["Other Integration", "Web Services"]);
    const one = await client.findObjects("dataAction", "Lookup Account", { category: "Other Integration" });
    expect(one.map((a) => a.category)).toEqual(["Other Integration"]);
    expect(await client.findObjects("dataAction", "Lookup Account", { category: "Nope" })).toEqual([]);
  });

  it("finds flows by name through the flow listing", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const { flowId } = await client.importFlow(inboundCallYaml("Findable Flow"));
    expect(await client.findObjects("flow", "Findable Flow")).toEqual([
      expect.objectContaining({ id: flowId, name: "Findable Flow", type: "INBOUNDCALL" }),
    ]);
  });

  it("gives each org its own ids for the same names", async () => {
    const dev = emu.client(DEV_CLIENT).client;
    const prod = emu.client(PROD_CLIENT).client;
    const [d] = await dev.findObjects("queue", "Support");
    const [p] = await prod.findObjects("queue", "Support");
    expect(d?.id).toBeDefined();
    expect(p?.id).toBeDefined();
    expect(d?.id).not.toBe(p?.id);
    expect((await prod.organization()).name).toBe("prod");
  });

  it("lists consumed and consuming resources", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const module = await client.importFlow(commonModuleYaml("Dep Module"));
    const caller = await client.importFlow(
      inboundCallYaml("Dep Caller", {
        queue: "Support",
        dataAction: { category: "Web Services", name: "Lookup Account" },
        commonModule: "Dep Module",
      }),
    );
    const flow = await client.getFlow(caller.flowId);
    const version = flow?.publishedVersion?.id ?? "";
    const consumed = await client.consumedResources(
      caller.flowId,
      version,
      dependencyTypeOfFlowType("INBOUNDCALL"),
    );
    expect(consumed.map((d) => [d.type, d.name]).sort()).toEqual(
      [
        ["COMMONMODULEFLOW", "Dep Module"],
        ["DATAACTION", "Lookup Account"],
        ["QUEUE", "Support"],
      ].sort(),
    );
    const consuming = await client.consumingResources(module.flowId, "COMMONMODULEFLOW");
    expect(consuming.map((d) => d.id)).toEqual([caller.flowId]);
  });
});
