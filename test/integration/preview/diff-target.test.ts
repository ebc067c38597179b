import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffCommand } from "../../../src/cli/diff.js";
import { PreviewReportSchema } from "../../../src/preview/model.js";
import { runCommand } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { layoutFiles } from "../cli/fixture.js";

// `diff --target` (plan's target flags): the plan and preflight verdict against the emulator, read-only.
let emulator: TestEmulator;
let repo: TestRepo;
let state: string;
const ENV = { GENESYS_CLIENT_SECRET: PROD_CLIENT.secret };

beforeAll(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
  repo = await makeRepo(layoutFiles());
  await repo.branch("west");
  await repo.commit({
    "environments/prod.yaml":
      "values:\n  support_queue: Support\n  sales_queue: Sales West\n  billing_flow: Billing\n",
  });
  await repo.switchTo("main");
  await repo.branch("dev-only");
  await repo.commit({
    "environments/dev.yaml":
      "values:\n  support_queue: Support\n  sales_queue: Sales EU\n  billing_flow: Billing Line\n",
  });
  await repo.switchTo("main");
  state = await mkdtemp(join(tmpdir(), "ivr-diff-target-"));
});
afterAll(async () => {
  await emulator.close();
  await repo.cleanup();
  await rm(state, { recursive: true, force: true });
});

const diff = (head: string, output: string) =>
  runCommand(
    diffCommand,
    [
      "--dir",
      repo.dir,
      "--base",
      "main",
      "--head",
      head,
      "--env",
      "prod",
      "--output",
      output,
      "--state-dir",
      state,
      "--emulator",
      emulator.url,
      "--client-id",
      PROD_CLIENT.id,
    ],
    ENV,
  );

describe("diff against a target org", () => {
  it("adds the plan and a failed preflight naming the missing queue; exits 3; writes nothing", async () => {
    const r = await diff("west", "json");
    expect(r.code, r.stderr).toBe(3);
    const report = PreviewReportSchema.parse(JSON.parse(r.stdout));
    const target = report.environments[0]?.target;
    expect(target?.plan.summary).toMatchObject({ create: 3, update: 0, prune: 0 });
    expect(target?.preflight.ok).toBe(false);
    expect(target?.preflight.findings).toEqual([
      expect.objectContaining({
        flow: "INBOUNDCALL/Billing",
        message: expect.stringMatching(/queue 'Sales West' not found/),
      }),
    ]);
    const md = await diff("west", "markdown");
    expect(md.code).toBe(3);
    expect(md.stdout).toMatch(
      /\*\*prod → .+\*\*: 3 to create, 0 to update, 0 drifted, 0 to prune, 0 unchanged · ❌ preflight failed: INBOUNDCALL\/Billing: queue 'Sales West' not found/,
    );
    const text = await diff("west", "text");
    expect(text.stdout).toContain("  Preflight: FAILED with 1 finding(s)");
    const org = await emulator.admin.org("prod");
    expect(org.flows).toEqual([]);
    expect(org.jobs).toEqual([]);
    expect(r.stdout + md.stdout + text.stdout + r.stderr).not.toContain(PROD_CLIENT.secret);
  });

  it("reports a passing preflight; no change in prod exits 0", async () => {
    const r = await diff("dev-only", "text");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Environment prod: 0 changed, 0 added, 0 removed, 0 renamed, 3 unchanged");
    expect(r.stdout).toContain("  Preflight: passed");
    expect(r.stdout).toMatch(/Target .+: plan sha256:[0-9a-f]+: 3 to create/);
  });

  it("needs --env with a target", async () => {
    const err = await runCommand(diffCommand, ["--dir", repo.dir, "--emulator", emulator.url], ENV).catch(
      (e: unknown) => e,
    );
    expect(String(err)).toContain("a target org is one environment: give --env NAME");
  });
});
