import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCli } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { layoutFiles } from "./fixture.js";

// One row of the README's exit-code table per command and outcome, through the real entry point.
let emulator: TestEmulator;
let repo: TestRepo;
let clean: TestRepo;
let empty: string;
let state: string;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
  repo = await makeRepo(layoutFiles({ "flows/broken.yaml": "inboundCall:\n  name: {{nope}}\n" }));
  clean = await makeRepo(layoutFiles());
  empty = await mkdtemp(join(tmpdir(), "ivr-exit-"));
  state = await mkdtemp(join(tmpdir(), "ivr-exit-state-"));
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  busy.close();
  await emulator.close();
  await repo.cleanup();
  await clean.cleanup();
  await rm(empty, { recursive: true, force: true });
  await rm(state, { recursive: true, force: true });
});

const env = () => ({ GENESYS_CLIENT_SECRET: PROD_CLIENT.secret, XDG_STATE_HOME: state, HOME: empty });
const target = () => ["--emulator", emulator.url, "--client-id", PROD_CLIENT.id];

describe("exit codes", () => {
  it.each<[string, () => string[], number, RegExp]>([
    ["lint: errors", () => ["lint", repo.dir, "--env", "prod"], 1, /UnknownKey/],
    ["lint: usage", () => ["lint", repo.dir], 2, /--env NAME is required/],
    ["lint: missing environment file", () => ["lint", empty, "--env", "prod"], 2, /in \/.*environments/],
    [
      "plan: missing environment file",
      () => ["plan", "--dir", empty, "--env", "prod", ...target()],
      2,
      /unknown environment "prod": no such file in /,
    ],
    [
      "plan: unknown region",
      () => [
        "plan",
        "--dir",
        clean.dir,
        "--env",
        "prod",
        "--region",
        "mars-1",
        "--client-id",
        "x",
        "--path",
        ".",
      ],
      2,
      /unknown Genesys Cloud region "mars-1"/,
    ],
    [
      "plan: malformed Git URL",
      () => ["plan", "--repo", "ftp://git.example.com/flows.git", "--env", "prod", ...target()],
      2,
      /invalid git source: url/,
    ],
    ["plan: unknown flag", () => ["plan", "--bogus"], 2, /plan: Unknown option '--bogus'/],
    [
      "emulator: port in use",
      () => ["emulator", "--port", String(busyPort)],
      2,
      /already in use: choose another with --port/,
    ],
    [
      "operator: missing kubeconfig",
      () => ["operator", "--kubeconfig", join(empty, "nope")],
      2,
      /--kubeconfig .*nope: no such file/,
    ],
    ["operator: no kubeconfig anywhere", () => ["operator"], 2, /no kubeconfig: nothing at .*\.kube\/config/],
    [
      "export: missing environment file",
      () => ["export", "--dir", empty, "--env", "prod", "--all", ...target()],
      2,
      /environment file is needed/,
    ],
  ])("%s: the documented code, one line", async (_name, argv, code, message) => {
    const result = await spawnCli(argv(), env()).done;
    expect(result.code).toBe(code);
    expect(`${result.stdout}${result.stderr}`).toMatch(message);
    expect(result.stderr).not.toContain("internal error");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a corrupted state file is a config error naming it (2), not a bug", async () => {
    const org = await emulator.admin.org("prod");
    const dir = join(state, "corrupt");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${org.id}.json`);
    await writeFile(file, "{ truncated");
    const result = await spawnCli(
      ["plan", "--dir", clean.dir, "--env", "prod", ...target(), "--state-dir", dir],
      env(),
    ).done;
    expect(result.code).toBe(2);
    // One line naming the file, what is wrong (JSON.parse's words vary with the Node version) and the way out.
    expect(result.stderr.startsWith(`ivr-promoter: ${file}: not an ivr-promoter state file (`)).toBe(true);
    expect(result.stderr).toMatch(
      /JSON.*\): move it away \(the next apply records the org again\) or give another --state-dir\n$/,
    );
  });

  it("plan 1 with changes, apply 0, plan 0 without; apply --dry-run like plan; 3 on a failed preflight", async () => {
    const good = await makeRepo(layoutFiles());
    try {
      const flags = ["--dir", good.dir, "--env", "prod", ...target()];
      expect((await spawnCli(["plan", ...flags], env()).done).code).toBe(1);
      expect((await spawnCli(["apply", ...flags, "--dry-run"], env()).done).code).toBe(1);
      expect((await spawnCli(["apply", ...flags], env()).done).code).toBe(0);
      expect((await spawnCli(["plan", ...flags], env()).done).code).toBe(0);
      expect((await spawnCli(["apply", ...flags, "--dry-run"], env()).done).code).toBe(0);
      await emulator.admin.removeObject("prod", "queue", "Sales");
      await good.commit({
        "environments/prod.yaml":
          "values:\n  support_queue: Support\n  sales_queue: Sales\n  billing_flow: Billing 2\n",
      });
      const failed = await spawnCli(["apply", ...flags], env()).done;
      expect(failed.code).toBe(3);
      expect(failed.stderr).toContain("ivr-promoter: PreflightFailed:");
    } finally {
      await good.cleanup();
    }
  });
});
