import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApplyFailedError, FencedOutError } from "../../../src/engine/errors.js";
import { MemoryJournalStore } from "../../../src/engine/journal.js";
import type { InventoryEntry } from "../../../src/engine/model.js";
import { promote } from "../../../src/engine/promote.js";
import { eventually, startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { publishedContent } from "../../helpers/org-content.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { clientFor, desiredOf, request, sampleFiles } from "./fixture.js";

/**
 * Recovery against the pessimistic emulator: jobs a run left in flight are awaited (never raced), a job
 * that was registered but never uploaded is not waited for forever, a deposed run writes nothing more,
 * a deadline settles the job in flight before restoring, and the opt-in RepublishVersion strategy rides
 * out a publish that fails after its 202.
 */

let emulator: TestEmulator;
let inventory: InventoryEntry[];
let before: Record<string, string | null>;

/** Every flow of the sample set with a changed description (a revision that updates all four). */
const next = (mark: string) =>
  desiredOf(
    sampleFiles({
      "flows/billing-line.yaml": inboundCallYaml("Billing Line", {
        queue: "{{sales_queue}}",
        description: mark,
      }),
      "flows/main-menu.yaml": inboundCallYaml("Main Menu", {
        queue: "{{support_queue}}",
        dataAction: { category: "Web Services", name: "Lookup Account" },
        commonModule: "Shared Greeting",
        transferToFlow: "Billing Line",
        description: mark,
      }),
      "flows/after-hours.yaml": inboundCallYaml("After Hours", {
        scheduleGroup: "Business Hours",
        description: mark,
      }),
    }),
  );

beforeAll(async () => {
  emulator = await startTestEmulator(twoOrgSeed({ jobDurationMs: 5 }));
  inventory = (await promote(clientFor(emulator, PROD_CLIENT), request(desiredOf(sampleFiles()), [])))
    .inventory;
  before = await publishedContent(emulator, "prod");
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await emulator.admin.setFaults("prod", {});
  // Back to the first revision (content, whatever the version numbers) for each test.
  const back = await promote(clientFor(emulator, PROD_CLIENT), request(desiredOf(sampleFiles()), inventory));
  inventory = back.inventory;
  expect(await publishedContent(emulator, "prod")).toEqual(before);
});

describe("recovery of runs left in flight", () => {
  it("a deposed run stops writing at once; the next run waits for its job, restores, then applies", async () => {
    const journal = new MemoryJournalStore();
    await emulator.admin.setFaults("prod", { holdJobsForFlows: ["Main Menu"] });
    const ownership = new AbortController();
    const dying = promote(
      clientFor(emulator, PROD_CLIENT),
      request(next("v2"), inventory, { journal, ownership: ownership.signal, concurrency: 1 }),
    ).catch((e: unknown) => e);
    await eventually(
      async () => ((await emulator.admin.heldJobs("prod")).length > 0 ? true : undefined),
      30_000,
    );
    await emulator.admin.clearRequests();
    ownership.abort(new Error("lost leadership"));
    expect(await dying).toBeInstanceOf(FencedOutError);
    // Deposed: no rollback, no write of any kind; its journal is left for the next writer.
    const writes = (await emulator.admin.requests("prod")).filter((r) => r.method !== "GET");
    expect(writes).toEqual([]);
    const left = await journal.read();
    expect(left?.entries.find((e) => e.key === "INBOUNDCALL/Main Menu")).toMatchObject({
      state: "registered",
    });

    await emulator.admin.setFaults("prod", {});
    const req = request(next("v3"), inventory, { journal, concurrency: 2 });
    const recovering = promote(clientFor(emulator, PROD_CLIENT), req);
    await eventually(async () => (req.events.some((e) => e.type === "settling") ? true : undefined), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(req.events.some((e) => e.type === "rolled-back")).toBe(false); // nothing restored while the job runs
    await emulator.admin.releaseJobs("prod"); // the old run's job publishes now
    const outcome = await recovering;
    expect(outcome.recovered?.restored.length).toBeGreaterThan(0);
    const content = await publishedContent(emulator, "prod");
    for (const [name, yaml] of Object.entries(content)) {
      if (name !== "Shared Greeting") expect(yaml, name).toContain("v3");
    }
    inventory = outcome.inventory;
  });

  it("after a recovery, the flows it re-imported are backed up from Git, not exported", async () => {
    const journal = new MemoryJournalStore();
    await emulator.admin.setFaults("prod", { holdJobsForFlows: ["Main Menu"] });
    const ownership = new AbortController();
    const dying = promote(
      clientFor(emulator, PROD_CLIENT),
      request(next("v2"), inventory, { journal, ownership: ownership.signal, concurrency: 1 }),
    ).catch((e: unknown) => e);
    await eventually(
      async () => ((await emulator.admin.heldJobs("prod")).length > 0 ? true : undefined),
      30_000,
    );
    ownership.abort(new Error("lost leadership"));
    expect(await dying).toBeInstanceOf(FencedOutError);
    await emulator.admin.setFaults("prod", {});
    await emulator.admin.releaseJobs("prod");

    // The next revision changes Main Menu only. Recovery re-imports its pre-run content under a new
    // version id; that version is ours, so its backup is the inventory's revision rendered from Git.
    const mainMenuOnly = desiredOf(
      sampleFiles({
        "flows/main-menu.yaml": inboundCallYaml("Main Menu", {
          queue: "{{support_queue}}",
          dataAction: { category: "Web Services", name: "Lookup Account" },
          commonModule: "Shared Greeting",
          transferToFlow: "Billing Line",
          description: "v3",
        }),
      }),
    );
    let rendered = 0;
    const req = request(mainMenuOnly, inventory, {
      journal,
      previousFlows: () => {
        rendered += 1;
        return Promise.resolve(desiredOf(sampleFiles()));
      },
    });
    const outcome = await promote(clientFor(emulator, PROD_CLIENT), req);
    expect(outcome.recovered?.restored).toContain("INBOUNDCALL/Main Menu");
    expect(outcome.plan.actions.find((a) => a.key === "INBOUNDCALL/Main Menu")?.kind).toBe("update");
    expect(rendered).toBe(1);
    expect((await publishedContent(emulator, "prod"))["Main Menu"]).toContain("v3");
    inventory = outcome.inventory;
  });

  it("does not wait forever for a job that was registered but never uploaded", async () => {
    const journal = new MemoryJournalStore();
    const client = clientFor(emulator, PROD_CLIENT);
    // A run that died between journaling the job id and the upload: the job stays Registered.
    const died = new Error("died before the upload");
    const refused = await client
      .importFlow(next("v2")[0]?.yaml ?? "", {
        onRegistered: async (jobId) => {
          const main = inventory.find((e) => e.name === "Main Menu");
          await journal.write({
            planHash: "h",
            revision: "rev-2",
            target: "test-org",
            startedAt: new Date().toISOString(),
            backedUp: [],
            entries: [
              {
                key: "INBOUNDCALL/Main Menu",
                type: "INBOUNDCALL",
                name: "Main Menu",
                kind: "update",
                before: { id: main?.id, publishedVersion: main?.publishedVersion },
                state: "registered",
                jobId,
              },
            ],
          });
          throw died;
        },
      })
      .catch((e: unknown) => e);
    expect(refused).toBe(died);
    const started = Date.now();
    const outcome = await promote(client, request(next("v2"), inventory, { journal, uploadGraceMs: 1_000 }));
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(outcome.recovered?.restored).toEqual([]); // the job never ran: nothing to restore
    expect(await journal.read()).toBeUndefined();
    inventory = outcome.inventory;
  });

  it("past the run's deadline, waits for the job in flight before restoring the group", async () => {
    await emulator.admin.setFaults("prod", { holdJobsForFlows: ["Main Menu"] });
    const req = request(next("v2"), inventory, { concurrency: 1, signal: AbortSignal.timeout(1_500) });
    const run = promote(clientFor(emulator, PROD_CLIENT), req).catch((e: unknown) => e);
    await eventually(async () => (req.events.some((e) => e.type === "settling") ? true : undefined), 30_000);
    await emulator.admin.setFaults("prod", {}); // the restore's own import of Main Menu must not be held
    await emulator.admin.releaseJobs("prod");
    const error = await run;
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect((error as ApplyFailedError).rollbackErrors).toEqual([]);
    // The late job published Main Menu v2, and the restore that followed put the pre-run content back.
    expect(await publishedContent(emulator, "prod")).toEqual(before);
    inventory = inventory.map((e) => {
      const version = (error as ApplyFailedError).restoredVersions[`${e.type}/${e.name}`];
      return version ? { ...e, publishedVersion: version } : e;
    });
  });

  it("RepublishVersion (opt-in) retries a publish that failed after its 202", async () => {
    await emulator.admin.setFaults("prod", {
      failJobsForFlows: ["Main Menu"],
      publishDelayMs: 50,
      failPublish: { count: 1 },
    });
    const req = request(next("v2"), inventory, { concurrency: 1, rollbackStrategy: "RepublishVersion" });
    const error = await promote(clientFor(emulator, PROD_CLIENT), req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyFailedError);
    expect((error as ApplyFailedError).rollbackErrors).toEqual([]);
    expect(req.events.filter((e) => e.type === "rolled-back").every((e) => e.how === "republished")).toBe(
      true,
    );
    expect(await publishedContent(emulator, "prod")).toEqual(before);
  });
});
