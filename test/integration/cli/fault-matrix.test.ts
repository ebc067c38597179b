import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyCommand } from "../../../src/cli/apply.js";
import { runCommand, spawnCli } from "../../helpers/cli.js";
import { eventually, startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { exampleFiles } from "../../helpers/examples.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { POSITIONS, markedFlows, marksIn, matrixClient, matrixSeed } from "../../helpers/matrix.js";

/**
 * The CLI's exactly-once matrix: `ivr-promoter apply` killed with SIGKILL while the k-th import of the
 * 7-flow group is in flight (k = 1..7, one org each, all at once); the killed runs' jobs then finish with
 * nobody polling; the next `apply` recovers from the journal in --state-dir and applies the revision.
 * Every org ends on the new revision's content for all 7 flows, with no duplicates and no journal left.
 */

let emulator: TestEmulator;
let repo: TestRepo;
let stateDir: string;

const args = (k: number, ...extra: string[]) => [
  "--dir",
  repo.dir,
  "--env",
  "dev",
  "--emulator",
  emulator.url,
  "--client-id",
  matrixClient(k).id,
  "--state-dir",
  stateDir,
  "--concurrency",
  "1",
  ...extra,
];
const env = (k: number) => ({ GENESYS_CLIENT_SECRET: matrixClient(k).secret });

beforeAll(async () => {
  emulator = await startTestEmulator(await matrixSeed());
  repo = await makeRepo(await exampleFiles());
  stateDir = await mkdtemp(join(tmpdir(), "ivr-cli-matrix-"));
  for (const k of POSITIONS) {
    const first = await runCommand(applyCommand, args(k), env(k));
    expect(first.code, first.stderr).toBe(0);
  }
}, 180_000);
afterAll(async () => {
  await emulator?.close();
  await repo?.cleanup();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

describe("CLI apply killed at each of 7 positions, then run again", () => {
  it("recovers every org onto exactly one revision", { timeout: 300_000 }, async () => {
    await repo.commit(await markedFlows("(r1)"), "release (r1)");
    for (const k of POSITIONS) await emulator.admin.setFaults(`m${k}`, { holdNthJob: { n: k } });
    const children = POSITIONS.map((k) => spawnCli(["apply", ...args(k)], env(k)));
    await eventually(
      async () => {
        for (const k of POSITIONS)
          if ((await emulator.admin.heldJobs(`m${k}`)).length === 0) return undefined;
        return true;
      },
      120_000,
      100,
    );
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(children.map((c) => c.done));
    for (const k of POSITIONS) await emulator.admin.releaseJobs(`m${k}`); // they publish with nobody polling
    // Each killed run left its journal (and, as k-1 flows were updated, the pre-run backup) behind.
    expect((await readdir(stateDir)).filter((f) => f.endsWith(".journal.json"))).toHaveLength(7);

    for (const k of POSITIONS) {
      const again = await runCommand(applyCommand, args(k), env(k));
      expect(again.code, `m${k}: ${again.stderr}`).toBe(0);
      expect(again.stdout, `m${k}`).toContain("an interrupted run of");
      const flows = (await emulator.admin.org(`m${k}`)).flows.filter((f) => !f.deleted);
      expect(flows, `m${k}`).toHaveLength(7);
      expect(new Set(flows.map((f) => `${f.type}/${f.name}`)).size).toBe(7);
      for (const flow of flows) expect(marksIn(flow.publishedYaml), `m${k} ${flow.name}`).toEqual(["(r1)"]);
    }
    expect((await readdir(stateDir)).filter((f) => /\.(journal|backup)\.json$/.test(f))).toEqual([]);
  });
});
