import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyCommand } from "../../../src/cli/apply.js";
import { planCommand } from "../../../src/cli/plan.js";
import { PreflightFailedError } from "../../../src/engine/errors.js";
import { runCommand, spawnCli } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { layoutFiles } from "./fixture.js";

let emulator: TestEmulator;
let repo: TestRepo;
let stateDir: string;
const ENV = { GENESYS_CLIENT_SECRET: PROD_CLIENT.secret };

beforeEach(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
  repo = await makeRepo(layoutFiles());
  stateDir = await mkdtemp(join(tmpdir(), "ivr-cli-state-"));
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

describe("ivr-promoter plan / apply", () => {
  it("plans from a file:// repository with --repo (the operator's lockdown does not apply to the CLI)", async () => {
    const [, , ...rest] = args();
    const planned = await runCommand(planCommand, ["--repo", repo.url, "--branch", "main", ...rest], ENV);
    expect(planned.stderr).toBe("");
    expect(planned.code).toBe(1);
    expect(planned.stdout).toContain("3 to create, 0 to update, 0 drifted, 0 to prune, 0 unchanged.");
  });

  it("plans, applies, then finds nothing to do", async () => {
    const head = await repo.head();
    const planned = await runCommand(planCommand, args(), ENV);
    expect(planned.code).toBe(1);
    expect(planned.stdout).toContain(`Plan for revision ${head.slice(0, 12)}`);
    expect(planned.stdout).toMatch(
      /\+ create +INBOUNDCALL\/Main Menu +not in the org \(after COMMONMODULE\/Shared Greeting, INBOUNDCALL\/Billing\)/,
    );
    expect(planned.stdout).toContain("3 to create, 0 to update, 0 drifted, 0 to prune, 0 unchanged.");

    const applied = await runCommand(applyCommand, args(), ENV);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/✓ \[3\/3\] INBOUNDCALL\/Main Menu published/);
    expect(applied.stdout).toContain("3 created, 0 updated, 0 pruned, 0 unchanged.");
    const names = (await emulator.admin.org("prod")).flows.map((f) => f.name).sort();
    expect(names).toEqual(["Billing", "Main Menu", "Shared Greeting"]);
    const state = JSON.parse(
      await readFile(join(stateDir, `${(await emulator.admin.org("prod")).id}.json`), "utf8"),
    );
    expect(state.inventory).toHaveLength(3);

    const again = await runCommand(planCommand, [...args(), "--output", "json"], ENV);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).plan.summary).toEqual({
      create: 0,
      update: 0,
      drifted: 0,
      unchanged: 3,
      prune: 0,
    });
  });

  it("applies a new commit as an update of just the changed flow", async () => {
    await runCommand(applyCommand, args(), ENV);
    const sha = await repo.commit({
      "flows/billing-line.yaml": inboundCallYaml("{{billing_flow}}", {
        queue: "{{sales_queue}}",
        description: "v2",
      }),
    });
    const applied = await runCommand(applyCommand, args(), ENV);
    expect(applied.stdout).toContain(`Applied revision ${sha.slice(0, 12)}`);
    expect(applied.stdout).toContain("0 created, 1 updated, 0 pruned, 2 unchanged.");
  });

  it("names the missing queue and flow, and writes nothing", async () => {
    await emulator.admin.removeObject("prod", "queue", "Sales");
    const error = await runCommand(applyCommand, args(), ENV).catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(PreflightFailedError);
    expect(((error as Error).cause as Error).message).toMatch(
      /INBOUNDCALL\/Billing \(flows\/billing-line\.yaml\): queue 'Sales' not found in the target org/,
    );
    expect((await emulator.admin.org("prod")).flows).toEqual([]);
  });

  it("exits 2 on usage errors and 3 on a failed preflight, with one line on stderr and no secret", async () => {
    const usage = await spawnCli(["plan", "--dir", repo.dir], ENV).done;
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe("ivr-promoter: missing --env NAME");

    await emulator.admin.removeObject("prod", "queue", "Sales");
    const failed = await spawnCli(["apply", ...args()], ENV).done;
    expect(failed.code).toBe(3);
    // Every finding on its own line under its flow, then one summary line.
    expect(failed.stderr.trim().split("\n")).toEqual([
      "Preflight found 1 problem(s) in the target org:",
      "INBOUNDCALL/Billing (flows/billing-line.yaml)",
      expect.stringMatching(/^ {2}\w+: queue 'Sales' not found in the target org/),
      "ivr-promoter: PreflightFailed: preflight failed with 1 finding(s); nothing was written",
    ]);
    expect(failed.stderr).not.toContain(PROD_CLIENT.secret);

    const json = await spawnCli(["plan", ...args(), "--output", "json"], ENV).done;
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as { error: { code: string; findings: unknown[] } };
    expect(report.error.code).toBe("PreflightFailed");
    expect(report.error.findings).toHaveLength(1);
  });

  it("rolls back an apply killed mid-way on the next run, and leaves no duplicates", async () => {
    await emulator.admin.patchFaults("prod", { jobDurationMs: 400 });
    const child = spawnCli(["apply", ...args(), "--concurrency", "1"], ENV);
    const journal = join(stateDir, `${(await emulator.admin.org("prod")).id}.journal.json`);
    for (let i = 0; i < 300; i++) {
      const text = await readFile(journal, "utf8").catch(() => "");
      if (text.includes('"done"')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill("SIGKILL");
    await child.done;
    expect((await emulator.admin.org("prod")).flows.length).toBeGreaterThan(0);

    await emulator.admin.patchFaults("prod", { jobDurationMs: 20 });
    const resumed = await runCommand(applyCommand, args(), ENV);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/↺ .* rolled back/);
    const flows = (await emulator.admin.org("prod")).flows.filter((f) => !f.deleted);
    expect(flows.map((f) => f.name).sort()).toEqual(["Billing", "Main Menu", "Shared Greeting"]);
  });
});
