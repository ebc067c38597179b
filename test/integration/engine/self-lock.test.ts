import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { promote } from "../../../src/engine/promote.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { clientFor, desiredOf, publishedVersions, request, sampleFiles } from "./fixture.js";

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
});
afterEach(async () => {
  await emulator.close();
});

describe("a flow checked out by our own OAuth client (left by a crashed run)", () => {
  const changed = () =>
    desiredOf(
      sampleFiles({
        "flows/main-menu.yaml": inboundCallYaml("Main Menu", { queue: "Support", description: "v2" }),
      }),
    );

  it("makes the import job fail when nobody unlocks it first", async () => {
    const client = clientFor(emulator, PROD_CLIENT);
    const first = await promote(client, request(desiredOf(sampleFiles()), []));
    const main = first.inventory.find((e) => e.name === "Main Menu");
    await client.checkoutFlow(main?.id ?? "");
    await expect(client.importFlow(inboundCallYaml("Main Menu", { queue: "Support" }))).rejects.toMatchObject(
      {
        code: "ImportJobFailed",
        message: expect.stringMatching(/locked by another entity/),
      },
    );
  });

  it.each(["Fail", "ForceUnlock"] as const)(
    "is unlocked before the import under lockPolicy %s, and the promotion goes through",
    async (lockPolicy) => {
      const client = clientFor(emulator, PROD_CLIENT);
      const first = await promote(client, request(desiredOf(sampleFiles()), []));
      const main = first.inventory.find((e) => e.name === "Main Menu");
      await client.checkoutFlow(main?.id ?? "");
      expect(
        (await emulator.admin.org("prod")).flows.find((f) => f.name === "Main Menu")?.lock,
      ).toMatchObject({
        clientId: PROD_CLIENT.id,
      });

      const outcome = await promote(client, request(changed(), first.inventory, { lockPolicy }));
      expect(outcome.preflight?.warnings).toEqual([
        expect.objectContaining({ flow: "INBOUNDCALL/Main Menu", code: "FlowLockedBySelf" }),
      ]);
      expect(outcome.preflight?.forceUnlock.has("INBOUNDCALL/Main Menu")).toBe(true);
      const unlocks = (await emulator.admin.requests("prod")).filter(
        (c) => c.route === "/api/v2/flows/actions/unlock",
      );
      expect(unlocks).toHaveLength(1);
      const state = await emulator.admin.org("prod");
      expect(state.flows.find((f) => f.name === "Main Menu")?.lock).toBeNull();
      expect((await publishedVersions(emulator, "prod"))["Main Menu"]).toBe("2.0");
    },
  );
});
