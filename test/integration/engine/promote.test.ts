import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { promote, planPromotion } from "../../../src/engine/promote.js";
import { PreflightFailedError } from "../../../src/engine/errors.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";
import { desiredFromFlowSet } from "../../../src/engine/desired.js";
import { clientFor, desiredOf, publishedVersions, request, sampleFiles } from "./fixture.js";

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
});
afterEach(async () => {
  await emulator.close();
});

const WRITE = /^(POST|PUT|DELETE|PATCH)$/;

describe("promote against the emulator", () => {
  it("creates a fresh org's flows, each after the flows it depends on", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const req = request(desiredOf(sampleFiles()), []);
    const outcome = await promote(client, req);

    expect(outcome.plan.summary).toMatchObject({ create: 4, update: 0, unchanged: 0 });
    expect(await publishedVersions(emulator, "prod")).toEqual({
      "After Hours": "1.0",
      "Billing Line": "1.0",
      "Main Menu": "1.0",
      "Shared Greeting": "1.0",
    });
    const order = req.events.map((e) => `${e.type} ${"key" in e ? e.key : ""}`);
    const mainStarted = order.indexOf("started INBOUNDCALL/Main Menu");
    expect(mainStarted).toBeGreaterThan(order.indexOf("imported COMMONMODULE/Shared Greeting"));
    expect(mainStarted).toBeGreaterThan(order.indexOf("imported INBOUNDCALL/Billing Line"));
    expect(outcome.inventory.map((e) => [e.name, e.publishedVersion])).toEqual([
      ["Shared Greeting", "1.0"],
      ["After Hours", "1.0"],
      ["Billing Line", "1.0"],
      ["Main Menu", "1.0"],
    ]);
    expect(await req.journal.read()).toBeUndefined();
  });

  it("does nothing but one paged listing when the org already matches", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const desired = desiredOf(sampleFiles());
    const first = await promote(client, request(desired, []));
    await emulator.admin.clearRequests();

    const again = await promote(client, request(desired, first.inventory));
    expect(again.plan.summary).toMatchObject({ create: 0, update: 0, drifted: 0, unchanged: 4 });
    const calls = await emulator.admin.requests("prod");
    expect(calls.filter((c) => WRITE.test(c.method))).toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.route}`)).toEqual(["GET /api/v2/flows"]);
    expect(again.inventory).toEqual(first.inventory);
  });

  it("updates only what changed in Git, and puts back a flow published by someone else", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const first = await promote(client, request(desiredOf(sampleFiles()), []));
    // Someone publishes a new version of After Hours by hand.
    await emulator.admin.addFlow("prod", inboundCallYaml("After Hours", { description: "hand edit" }));
    const changed = sampleFiles({
      "flows/billing-line.yaml": inboundCallYaml("Billing Line", {
        queue: "{{sales_queue}}",
        description: "v2",
      }),
    });
    const planned = await planPromotion(client, request(desiredOf(changed), first.inventory), {
      check: true,
    });
    const kinds = Object.fromEntries(planned.plan.actions.map((a) => [a.name, a.kind]));
    expect(kinds).toEqual({
      "After Hours": "drifted",
      "Billing Line": "update",
      "Main Menu": "unchanged",
      "Shared Greeting": "unchanged",
    });

    const second = await promote(client, request(desiredOf(changed), first.inventory));
    expect(second.plan.hash).toBe(planned.plan.hash);
    expect(await publishedVersions(emulator, "prod")).toMatchObject({
      "After Hours": "3.0",
      "Billing Line": "2.0",
      "Main Menu": "1.0",
    });
  });

  it("calls a version published by our own OAuth client drift too: drift is by content, not by author", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const first = await promote(client, request(desiredOf(sampleFiles()), []));
    // A stray publish through the very client the engine uses (a deposed replica, a script sharing it).
    await client.importFlow(
      inboundCallYaml("After Hours", { scheduleGroup: "Business Hours", description: "stray" }),
    );
    const planned = await planPromotion(client, request(desiredOf(sampleFiles()), first.inventory), {
      check: true,
    });
    const after = planned.plan.actions.find((a) => a.name === "After Hours");
    expect(after?.kind).toBe("drifted");
    const outcome = await promote(client, request(desiredOf(sampleFiles()), first.inventory));
    expect(outcome.plan.summary.drifted).toBe(1);
    const state = await emulator.admin.org("prod");
    expect(state.flows.find((f) => f.name === "After Hours")?.publishedYaml).not.toContain("stray");
  });

  it("prunes flows that left the set only when asked", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const first = await promote(client, request(desiredOf(sampleFiles()), []));
    const without = desiredOf(sampleFiles({ "flows/after-hours.yaml": undefined }));

    const kept = await promote(client, request(without, first.inventory));
    expect(kept.plan.summary.prune).toBe(0);
    expect(await publishedVersions(emulator, "prod")).toHaveProperty("After Hours");

    const pruned = await promote(client, request(without, first.inventory, { prune: true }));
    expect(pruned.plan.summary.prune).toBe(1);
    expect(pruned.applied.pruned).toEqual(["INBOUNDCALL/After Hours"]);
    expect(await publishedVersions(emulator, "prod")).not.toHaveProperty("After Hours");
  });

  it("refuses before writing anything when a referenced queue is missing in the org", async () => {
    await emulator.admin.removeObject("prod", "queue", "Sales");
    await emulator.admin.removeObject("prod", "scheduleGroup", "Business Hours");
    const client = clientFor(emulator, PROD_CLIENT);
    const error = await promote(client, request(desiredOf(sampleFiles()), [])).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PreflightFailedError);
    const findings = (error as PreflightFailedError).findings.map((f) => `${f.flow}: ${f.message}`);
    expect(findings).toEqual([
      expect.stringMatching(
        /^INBOUNDCALL\/After Hours: scheduleGroup 'Business Hours' not found in the target org \(referenced at flows\/after-hours\.yaml:\d+/,
      ),
      expect.stringMatching(
        /^INBOUNDCALL\/Billing Line: queue 'Sales' not found in the target org \(referenced at flows\/billing-line\.yaml:\d+/,
      ),
    ]);
    expect((error as PreflightFailedError).reason).toBe("Stalled");
    const writes = (await emulator.admin.requests("prod")).filter(
      (c) => WRITE.test(c.method) && c.route !== "/oauth/token",
    );
    expect(writes).toEqual([]);
    expect((await emulator.admin.org("prod")).flows).toEqual([]);
  });

  it("fails on a flow locked by someone else, or takes it with ForceUnlock", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const first = await promote(client, request(desiredOf(sampleFiles()), []));
    const main = first.inventory.find((e) => e.name === "Main Menu");
    await emulator.admin.lockFlow("prod", main?.id ?? "", "Jane in Architect");
    const changed = desiredOf(
      sampleFiles({
        "flows/main-menu.yaml": inboundCallYaml("Main Menu", { queue: "Support", description: "v2" }),
      }),
    );

    const error = await promote(client, request(changed, first.inventory)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightFailedError);
    expect((error as PreflightFailedError).message).toMatch(/INBOUNDCALL\/Main Menu .*locked by client:/);
    expect((error as PreflightFailedError).reason).toBe("Waiting");

    const forced = await promote(client, request(changed, first.inventory, { lockPolicy: "ForceUnlock" }));
    expect(forced.preflight?.warnings.map((w) => w.flow)).toEqual(["INBOUNDCALL/Main Menu"]);
    const state = await emulator.admin.org("prod");
    expect(state.flows.find((f) => f.name === "Main Menu")?.lock).toBeNull();
  });

  it("rides out a 429 storm and a burst of 503s without failing", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    await emulator.admin.setFaults("prod", {
      rateLimitStorm: { count: 3, retryAfterSeconds: 1 },
      errorBurst: { count: 2, status: 503 },
    });
    const outcome = await promote(client, request(desiredOf(sampleFiles()), []));
    expect(outcome.plan.summary.create).toBe(4);
    const statuses = (await emulator.admin.requests("prod")).map((c) => c.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
    expect(Object.keys(await publishedVersions(emulator, "prod"))).toHaveLength(4);
  });

  it("waits out a 429 storm during apply that outlasts the client's retries, without rolling back", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const req = request(desiredOf(sampleFiles()), [], {
      concurrency: 1,
      // The storm starts once the plan is made, so it hits the imports, not the listing.
      onPlan: async () => {
        await emulator.admin.setFaults("prod", { rateLimitStorm: { count: 8, retryAfterSeconds: 1 } });
      },
    });
    const outcome = await promote(client, req);
    expect(outcome.applied.written).toHaveLength(4);
    expect(req.events.filter((e) => e.type === "rolled-back")).toEqual([]);
    const statuses = (await emulator.admin.requests("prod")).map((c) => c.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    expect(Object.values(await publishedVersions(emulator, "prod"))).toEqual(["1.0", "1.0", "1.0", "1.0"]);
  });

  it("breaks a dependency cycle with a stub, and deletes the stub too when the group fails", async () => {
    const files = {
      "flows/front.yaml": inboundCallYaml("Front Desk", { transferToFlow: "Back Office" }),
      "flows/back.yaml": inboundCallYaml("Back Office", { transferToFlow: "Front Desk" }),
    };
    const set = buildFlowSet({
      files: Object.entries(files).map(([path, text]) => ({ path, text })),
      values: {},
    });
    expect(set.findings.map((f) => f.code)).toEqual(["DependencyCycle"]);
    const desired = desiredFromFlowSet(set);
    const client = clientFor(emulator, PROD_CLIENT);

    // Front Desk goes first and creates Back Office as a stub; Back Office's own import then fails.
    await emulator.admin.setFaults("prod", { failJobsForFlows: ["Back Office"] });
    const failed = await promote(client, request(desired, [], { concurrency: 1 })).catch((e: unknown) => e);
    expect((failed as Error).message).toMatch(
      /^flow INBOUNDCALL\/Back Office failed: .*; rolled back 2 flow\(s\)$/,
    );
    expect((await emulator.admin.org("prod")).flows.filter((f) => !f.deleted)).toEqual([]);

    await emulator.admin.setFaults("prod", {});
    const outcome = await promote(client, request(desired, [], { concurrency: 1 }));
    expect(outcome.plan.actions.map((a) => [a.name, a.after, a.stubs])).toEqual([
      ["Front Desk", [], ["INBOUNDCALL/Back Office"]],
      ["Back Office", ["INBOUNDCALL/Front Desk"], []],
    ]);
    // Front Desk created Back Office as a stub (1.0); Back Office's own import replaced it (2.0).
    expect(await publishedVersions(emulator, "prod")).toEqual({ "Back Office": "2.0", "Front Desk": "1.0" });
  });
});
