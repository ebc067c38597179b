import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promote } from "../../../src/engine/promote.js";
import { JournalTargetMismatchError } from "../../../src/engine/errors.js";
import { MemoryJournalStore, type Journal } from "../../../src/engine/journal.js";
import { flowKey, type InventoryEntry } from "../../../src/engine/model.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { clientFor, desiredOf, request, sampleFiles } from "./fixture.js";

/**
 * A journal is evidence from a ConfigMap a tenant may write: recovery acts only on entries for flows
 * the object is responsible for, whose ids really are those flows (engine/journal-vet.ts).
 */

let emulator: TestEmulator;
let inventory: InventoryEntry[];

/** A flow this object never managed: another team's, in the same org. */
const FOREIGN = "Other Team Line";

beforeAll(async () => {
  emulator = await startTestEmulator(twoOrgSeed({ jobDurationMs: 5 }));
  const client = clientFor(emulator, PROD_CLIENT);
  await promote(client, request(desiredOf({ "flows/other.yaml": inboundCallYaml(FOREIGN) }), []));
  inventory = (await promote(client, request(desiredOf(sampleFiles()), []))).inventory;
});
afterAll(async () => {
  await emulator.close();
});

async function liveFlow(name: string) {
  return (await emulator.admin.org("prod")).flows.find((f) => f.name === name && !f.deleted);
}

function planted(entries: Journal["entries"], target = "test-org"): Journal {
  return {
    planHash: "x",
    revision: "rev-0",
    target,
    startedAt: new Date().toISOString(),
    backedUp: [],
    entries,
  };
}

describe("a planted journal", () => {
  it("cannot delete another flow: a done create entry carrying its id is ignored with a warning", async () => {
    const victim = await liveFlow(FOREIGN);
    const main = await liveFlow("Main Menu");
    expect(victim && main).toBeTruthy();
    const journal = new MemoryJournalStore();
    await journal.write(
      planted([
        // Not ours at all: the foreign flow under its own name and key.
        {
          key: flowKey("INBOUNDCALL", FOREIGN),
          type: "INBOUNDCALL",
          name: FOREIGN,
          kind: "create",
          before: {},
          state: "done",
          flowId: victim?.id,
        },
        // One of ours by name, but the id is the foreign flow's.
        {
          key: flowKey("INBOUNDCALL", "Main Menu"),
          type: "INBOUNDCALL",
          name: "Main Menu",
          kind: "create",
          before: {},
          state: "done",
          flowId: victim?.id,
        },
        // A key of ours naming another flow.
        {
          key: flowKey("INBOUNDCALL", "Main Menu"),
          type: "INBOUNDCALL",
          name: FOREIGN,
          kind: "create",
          before: {},
          state: "done",
          flowId: victim?.id,
        },
      ]),
    );
    const ignored: string[] = [];
    const req = request(desiredOf(sampleFiles()), inventory, {
      journal,
      onJournalIgnored: (d) => ignored.push(d),
    });
    await promote(clientFor(emulator, PROD_CLIENT), req);
    expect((await liveFlow(FOREIGN))?.id).toBe(victim?.id);
    expect((await liveFlow("Main Menu"))?.id).toBe(main?.id);
    expect(ignored).toHaveLength(3);
    expect(ignored[0]).toContain("neither in the inventory nor in the flow set");
    expect(ignored[1]).toMatch(/flow .* is INBOUNDCALL "Other Team Line", not this flow/);
    expect(ignored[2]).toContain("is not its flow's");
    expect(await journal.read()).toBeUndefined();
  });

  it("for another target is refused as Stalled, naming both targets, and nothing is touched", async () => {
    const journal = new MemoryJournalStore();
    const main = await liveFlow("Main Menu");
    await journal.write(
      planted(
        [
          {
            key: flowKey("INBOUNDCALL", "Main Menu"),
            type: "INBOUNDCALL",
            name: "Main Menu",
            kind: "create",
            before: {},
            state: "done",
            flowId: main?.id,
          },
        ],
        "old-org",
      ),
    );
    const err = await promote(
      clientFor(emulator, PROD_CLIENT),
      request(desiredOf(sampleFiles()), inventory, { journal }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalTargetMismatchError);
    expect((err as JournalTargetMismatchError).reason).toBe("Stalled");
    expect((err as Error).message).toContain(
      "written for target old-org, but the object now targets test-org",
    );
    expect((await liveFlow("Main Menu"))?.id).toBe(main?.id);
  });
});
