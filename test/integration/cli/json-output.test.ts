import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli, type CliResult } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { layoutFiles } from "./fixture.js";

// With --output json every outcome is one JSON document on stdout, bad flags included (kubectl -o json).
let emulator: TestEmulator;
let repo: TestRepo;
let state: string;

beforeAll(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
  repo = await makeRepo(layoutFiles());
  state = await mkdtemp(join(tmpdir(), "ivr-json-state-"));
});
afterAll(async () => {
  await emulator.close();
  await repo.cleanup();
  await rm(state, { recursive: true, force: true });
});

const env = (secret: string = PROD_CLIENT.secret) => ({
  GENESYS_CLIENT_SECRET: secret,
  XDG_STATE_HOME: state,
});
const promotion = () => [
  "--dir",
  repo.dir,
  "--env",
  "prod",
  "--emulator",
  emulator.url,
  "--client-id",
  PROD_CLIENT.id,
];

/** The error object of the one JSON document the command printed; fails unless stdout is exactly that. */
function errorOf(result: CliResult): { code: string; reason: string; message: string; exitCode: number } {
  const doc = JSON.parse(result.stdout) as {
    error?: { code: string; reason: string; message: string; exitCode: number };
  };
  expect(doc.error, result.stdout).toBeDefined();
  return doc.error!;
}

describe("--output json on failures", () => {
  it.each<[string, () => string[], number, string, RegExp]>([
    [
      "lint: unknown flag",
      () => ["lint", repo.dir, "--env", "prod", "--bogus", "--output", "json"],
      2,
      "UsageError",
      /lint: Unknown option '--bogus'/,
    ],
    [
      "lint: -o json, missing --env",
      () => ["lint", repo.dir, "-o", "json"],
      2,
      "UsageError",
      /lint: --env NAME is required/,
    ],
    [
      "lint: two paths",
      () => ["lint", repo.dir, repo.dir, "--env", "prod", "--output=json"],
      2,
      "UsageError",
      /exactly one PATH/,
    ],
    [
      "plan: unknown flag",
      () => ["plan", "--output", "json", "--bogus"],
      2,
      "UsageError",
      /plan: Unknown option '--bogus'/,
    ],
    [
      "plan: bad value",
      () => ["plan", ...promotion(), "--concurrency", "lots", "--output", "json"],
      2,
      "UsageError",
      /--concurrency must be an integer/,
    ],
    [
      "plan: -o json (as kubectl spells it), bad value",
      () => ["plan", "-o", "json", ...promotion(), "--cycle-policy", "Ignore"],
      2,
      "UsageError",
      /--cycle-policy must be Reject or BreakWithStubs/,
    ],
    [
      "plan: flag without its value",
      () => ["plan", "--output=json", "--env"],
      2,
      "UsageError",
      /--env <value>' argument missing/,
    ],
    [
      "apply: unknown flag",
      () => ["apply", ...promotion(), "--output", "json", "--dryrun"],
      2,
      "UsageError",
      /apply: Unknown option '--dryrun'/,
    ],
    [
      "apply: bad value",
      () => ["apply", ...promotion(), "--lock-policy", "Steal", "--output", "json"],
      2,
      "UsageError",
      /--lock-policy must be Fail or ForceUnlock/,
    ],
    [
      "diff: unknown flag",
      () => ["diff", "--dir", repo.dir, "--output", "json", "--bsae", "main"],
      2,
      "UsageError",
      /diff: Unknown option '--bsae'/,
    ],
    [
      "diff: a target without --env",
      () => ["diff", "--dir", repo.dir, "-o", "json", "--emulator", "http://127.0.0.1:1"],
      2,
      "UsageError",
      /give --env NAME with --emulator/,
    ],
    ["unknown command", () => ["pln", "--output", "json"], 2, "UsageError", /unknown command 'pln'/],
  ])("%s: one JSON error document, exit code in it", async (_name, argv, code, errorCode, message) => {
    const result = await spawnCli(argv(), env()).done;
    expect(result.code).toBe(code);
    const error = errorOf(result);
    expect(error).toMatchObject({ code: errorCode, exitCode: code });
    expect(error.message).toMatch(message);
  });

  it("plan and apply: a run that fails (authentication) is JSON with exit code 3", async () => {
    for (const command of ["plan", "apply"]) {
      const result = await spawnCli([command, ...promotion(), "--output", "json"], env("wrong-secret")).done;
      expect(result.code).toBe(3);
      const error = errorOf(result);
      expect(error.exitCode).toBe(3);
      expect(error.code).toMatch(/Auth/);
      expect(result.stdout).not.toContain("wrong-secret");
    }
  });

  it("lint: an unreadable layout is the lint report with the error object", async () => {
    const result = await spawnCli(["lint", repo.dir, "--env", "staging", "--output", "json"], env()).done;
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout) as { ok: boolean; error: { exitCode: number; message: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error.exitCode).toBe(2);
    expect(doc.error.message).toContain(join(repo.dir, "environments"));
  });

  it("--output yaml is refused in text, as a usage error", async () => {
    for (const argv of [
      ["lint", repo.dir, "--env", "prod"],
      ["plan", ...promotion()],
    ]) {
      const result = await spawnCli([...argv, "--output", "yaml"], env()).done;
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/--output must be text or json, got 'yaml'/);
    }
  });
});
