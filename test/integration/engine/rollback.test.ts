import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { promote } from "../../../src/engine/promote.js";
import { ApplyFailedError } from "../../../src/engine/errors.js";
import { FileJournalStore, type Journal, type JournalStore } from "../../../src/engine/journal.js";
import type { InventoryEntry } from "../../../src/engine/model.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { PROD_CLIENT, commonModuleYaml, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { publishedContent } from "../../helpers/org-content.js";
import { clientFor, desiredOf, request, sampleFiles } from "./fixture.js";

/** Version 2 of the sample set: every flow changed, plus two new flows (one depending on the main menu). */
function nextFiles(): Record<string, string> {
  return sampleFiles({
    "flows/shared-greeting.yaml": commonModuleYaml("Shared Greeting").replace("name: End", "name: End v2"),
    "flows/billing-line.yaml": inboundCallYaml("Billing Line", {
      queue: "{{sales_queue}}",
      description: "v2",
    }),
    "flows/main-menu.yaml": inboundCallYaml("Main Menu", {
      queue: "{{support_queue}}",
      commonModule: "Shared Greeting",
      transferToFlow: "Billing Line",
      description: "v2",
    }),
    "flows/after-hours.yaml": inboundCallYaml("After Hours", {
      scheduleGroup: "Business Hours",
      description: "v2",
    }),
    "flows/shared-goodbye.yaml": commonModuleYaml("Shared Goodbye"),
    "flows/promo-line.yaml": inboundCallYaml("Promo Line", {
      commonModule: "Shared Goodbye",
      transferToFlow: "Main Menu",
    }),
  });
}

/** What the org publishes before each test (content, not version numbers: a restore re-imports). */
let BEFORE: Record<string, string | null>;
const ORDER = ["Shared Goodbye", "Shared Greeting", "After Hours", "Billing Line", "Main Menu", "Promo Line"];

let emulator: TestEmulator;
let inventory: InventoryEntry[];

beforeAll(async () => {
  emulator = await startTestEmulator(twoOrgSeed({ jobDurationMs: 5 }));
  inventory = (await promote(clientFor(emulator, PROD_CLIENT), request(desiredOf(sampleFiles()), [])))
    .inventory;
  BEFORE = await publishedContent(emulator, "prod");
  expect(Object.keys(BEFORE)).toEqual(["After Hours", "Billing Line", "Main Menu", "Shared Greeting"]);
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(async () => {
  await emulator.admin.setFaults("prod", {});
  expect(await publishedContent(emulator, "prod")).toEqual(BEFORE);
});

describe("atomic rollback", () => {
  it("applies in the expected dependency order (the positions the next tests fail at)", async () => {
    const req = request(desiredOf(nextFiles()), inventory, { concurrency: 1 });
    const plan = (await import("../../../src/engine/promote.js")).planPromotion;
    const planned = await plan(clientFor(emulator, PROD_CLIENT), req, { check: true });
    expect(planned.plan.actions.map((a) => a.name)).toEqual(ORDER);
  });

  for (const [position, failing] of ORDER.entries()) {
    for (const concurrency of [1, 4]) {
      it(`restores the org when flow #${position + 1} (${failing}) fails, concurrency ${concurrency}`, async () => {
        await emulator.admin.setFaults("prod", { failJobsForFlows: [failing] });
        const req = request(desiredOf(nextFiles()), inventory, { concurrency });
        const error = await promote(clientFor(emulator, PROD_CLIENT), req).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(ApplyFailedError);
        const applyError = error as ApplyFailedError;
        expect(applyError.flow).toMatch(new RegExp(`/${failing}$`));
        expect(applyError.message).toContain(failing);
        expect(applyError.rollbackErrors).toEqual([]);
        // Read the org back: every flow on its previous content, created flows gone, no locks left.
        expect(await publishedContent(emulator, "prod")).toEqual(BEFORE);
        const state = await emulator.admin.org("prod");
        expect(state.flows.filter((f) => !f.deleted && f.lock)).toEqual([]);
        expect(await req.journal.read()).toBeUndefined();
        if (concurrency === 1) {
          const imported = req.events.filter((e) => e.type === "imported").map((e) => e.key.split("/")[1]);
          expect(imported).toEqual(ORDER.slice(0, position));
          const rolled = req.events.flatMap((e) => (e.type === "rolled-back" ? [e] : []));
          expect(rolled.map((e) => e.key.split("/")[1])).toEqual(ORDER.slice(0, position).reverse());
          // Flows that existed are restored by re-importing their pre-run content, then verified.
          const existed = new Set(Object.keys(BEFORE));
          for (const e of rolled) {
            const name = e.key.split("/")[1] ?? "";
            expect(e.how).toBe(existed.has(name) ? "reimported" : "deleted");
          }
          const verified = req.events.flatMap((e) => (e.type === "verified" ? [e.key.split("/")[1]] : []));
          expect(verified.sort()).toEqual(
            rolled
              .map((e) => e.key.split("/")[1])
              .filter((n) => existed.has(n ?? ""))
              .sort(),
          );
          // The restored versions are handed back for the inventory (they are ours, not drift).
          expect(Object.keys(applyError.restoredVersions).sort()).toEqual(
            rolled
              .filter((e) => e.how === "reimported")
              .map((e) => e.key)
              .sort(),
          );
        }
      });
    }
  }

  it("rolls back an apply whose process died mid-way, on the next run, then applies cleanly", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ivr-journal-"));
    try {
      const store = new FileJournalStore(join(dir, "journal.json"));
      // A journal that freezes (like a killed process) once three flows are recorded as done.
      const frozen = freezeAfterDone(store, 3);
      const dying = request(desiredOf(nextFiles()), inventory, { concurrency: 1, journal: frozen.store });
      void promote(clientFor(emulator, PROD_CLIENT), dying).catch(() => undefined);
      await frozen.reached;
      const journal = (await store.read()) as Journal;
      expect(journal.entries.filter((e) => e.state === "done")).toHaveLength(2);
      expect(await publishedContent(emulator, "prod")).not.toEqual(BEFORE);

      const resumed = request(desiredOf(nextFiles()), inventory, { concurrency: 2, journal: store });
      const outcome = await promote(clientFor(emulator, PROD_CLIENT), resumed);
      expect(outcome.recovered?.restored.length).toBeGreaterThanOrEqual(2);
      expect(outcome.applied.written).toHaveLength(6);
      const state = await emulator.admin.org("prod");
      const live = state.flows
        .filter((f) => !f.deleted)
        .map((f) => f.name)
        .sort();
      expect(live).toEqual([...ORDER].sort()); // no duplicates, nothing lost
      expect(await store.read()).toBeUndefined();
      // Put the org back for the other tests.
      await promote(
        clientFor(emulator, PROD_CLIENT),
        request(desiredOf(sampleFiles()), outcome.inventory, { prune: true }),
      );
      inventory = (await promote(clientFor(emulator, PROD_CLIENT), request(desiredOf(sampleFiles()), [])))
        .inventory;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Wraps a store so that the write recording the `n`-th "done" never completes (and nothing after it). */
function freezeAfterDone(store: JournalStore, n: number): { store: JournalStore; reached: Promise<void> } {
  let reach: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return {
    reached,
    store: {
      read: () => store.read(),
      fence: () => store.fence(),
      readBackup: () => store.readBackup(),
      writeBackup: (backup) => store.writeBackup(backup),
      clear: () => new Promise<void>(() => undefined),
      write: async (journal) => {
        if (journal.entries.filter((e) => e.state === "done").length >= n) {
          reach();
          return new Promise<void>(() => undefined);
        }
        await store.write(journal);
      },
    },
  };
}
