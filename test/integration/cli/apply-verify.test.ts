import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyCommand } from "../../../src/cli/apply.js";
import { runCommand, spawnCli } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { layoutFiles } from "./fixture.js";

/**
 * `apply --verify` against the emulator's time-scaled call traffic: the CLI prints each check, rolls
 * the group back and exits 3 when the new Main Menu fails 40% of its outcomes, and exits 0 when a
 * healthy release passes.
 */

let emulator: TestEmulator;
let repo: TestRepo;
let stateDir: string;
const ENV = { GENESYS_CLIENT_SECRET: PROD_CLIENT.secret };
const MENU = (greeting: string) =>
  inboundCallYaml("Main Menu", {
    queue: "{{support_queue}}",
    dataAction: { category: "Web Services", name: "Lookup Account" },
    commonModule: "Shared Greeting",
    transferToFlow: "{{billing_flow}}",
    description: greeting,
  });

beforeEach(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
  repo = await makeRepo(layoutFiles());
  stateDir = await mkdtemp(join(tmpdir(), "ivr-cli-verify-"));
});
afterEach(async () => {
  await emulator.close();
  await repo.cleanup();
  await rm(stateDir, { recursive: true, force: true });
});

const args = (...extra: string[]) => [
  "--dir",
  repo.dir,
  "--env",
  "prod",
  "--emulator",
  emulator.url,
  "--client-id",
  PROD_CLIENT.id,
  "--state-dir",
  stateDir,
  ...extra,
];
const VERIFY = ["--verify", "--verify-window", "10s", "--verify-interval", "2s", "--verify-min-calls", "50"];

async function mainMenu() {
  const flow = (await emulator.admin.org("prod")).flows.find((f) => f.name === "Main Menu" && !f.deleted);
  if (!flow) throw new Error("no Main Menu");
  return flow;
}

describe("ivr-promoter apply --verify", () => {
  it("rolls a release with 40% failed outcomes back (exit 3), then lets a healthy one through (exit 0)", async () => {
    expect((await runCommand(applyCommand, args(), ENV)).code).toBe(0);
    await emulator.admin.setTraffic("prod", {
      timeScale: 60,
      backfillSeconds: 60,
      defaults: { callsPerMinute: 60 },
    });
    const before = await mainMenu();
    await emulator.admin.addTrafficRule("prod", {
      flow: "Main Menu",
      version: "next",
      failedOutcomeRatio: 0.4,
    });
    await repo.commit({ "flows/main-menu.yaml": MENU("Release with a broken transfer") });
    const bad = await spawnCli(["apply", ...args(...VERIFY)], ENV).done;
    expect(bad.code, bad.stderr).toBe(3);
    expect(bad.stdout).toMatch(/verifying Main Menu 2\.0 for 10s \(check every 2s\)/);
    expect(bad.stderr).toMatch(
      /VerificationFailed: verification of \S+ failed after \d+ s: INBOUNDCALL\/Main Menu: failed outcomes (3|4)\d\.\d% \(baseline \d\.\d%, \d+ calls\) above max 5%.*; rolled back \(1 flow\(s\) restored\)/,
    );
    const restored = await mainMenu();
    expect(restored.publishedVersion).not.toBe("2.0");
    expect(restored.publishedYaml).not.toContain("broken transfer");
    expect(restored.publishedYaml).toBe(before.publishedYaml);

    await repo.commit({ "flows/main-menu.yaml": MENU("Healthy release") });
    const good = await spawnCli(["apply", ...args(...VERIFY)], ENV).done;
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(
      / {2}verifying \S+: \d+\/10 s, \d+ calls, failed outcomes \d\.\d% \(baseline \d\.\d%\)/,
    );
    expect(good.stdout).toMatch(
      /verified \S+ over \d+ s: \d+ calls, failed outcomes \d\.\d% \(baseline \d\.\d%\), 2 check\(s\) passed/,
    );
    expect((await mainMenu()).publishedYaml).toContain("Healthy release");
  });

  it("reads the checks from --verify-file and names a bad field", async () => {
    const file = join(stateDir, "verify.yaml");
    await writeFile(file, "window: 10s\nchecks:\n  failedOutcomes: {}\n");
    const res = await spawnCli(["apply", ...args("--verify", "--verify-file", file)], ENV).done;
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      `ivr-promoter: ${file}: checks.failedOutcomes: set maxPercent, maxIncreasePoints or both`,
    );
  });
});
