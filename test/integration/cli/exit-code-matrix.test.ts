import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../../src/cli/exit-codes.js";
import { COMMANDS } from "../../../src/cli/registry.js";
import { spawnCli, type CliResult } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { Cluster } from "../controller/harness.js";
import { layoutFiles } from "./fixture.js";

/**
 * The README's exit-code table, one row per code, against every command: each cell is a real
 * invocation through the entry point (emulator on loopback, temp Git repositories, a real
 * kube-apiserver) that must end with that code, or the reason the row cannot happen for that command.
 * The matrix must name every command and every code, so it cannot silently go partial.
 */

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Row 4 for every command. */
const INTERNAL =
  "no honest trigger: every failure a user can cause (flags, files, ports, state, Git, the org) is " +
  "classified as 2 or 3, and a hidden switch that throws would be a production backdoor; the " +
  "classification of anything else as 4 is covered by test/unit/cli/exit-codes.test.ts";
const NO_DIFFERENCE = "1 means 'there is a difference'; this command has no such outcome";

type Cell = { run: () => Promise<CliResult>; out: RegExp } | { na: string };
type Row = Record<(typeof EXIT)[keyof typeof EXIT], Cell>;

let work: string;
let clean: TestRepo;
let broken: TestRepo;
let missingQueue: TestRepo;
let capture: TestRepo;
let changed: TestRepo;
let noGit: string;
let busy: Server;
let busyPort: number;
let cluster: Cluster;
const emulators: TestEmulator[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ivr-exit-matrix-"));
  clean = await makeRepo(layoutFiles());
  broken = await makeRepo(layoutFiles({ "flows/broken.yaml": "inboundCall:\n  name: {{nope}}\n" }));
  missingQueue = await makeRepo(
    layoutFiles({
      "environments/prod.yaml":
        "values:\n  support_queue: No Such Queue\n  sales_queue: Sales\n  billing_flow: Billing\n",
    }),
  );
  // Two commits: the second changes a prod value, so `diff HEAD~1..HEAD` has a change to show.
  changed = await makeRepo(layoutFiles());
  await changed.commit({
    "environments/prod.yaml":
      "values:\n  support_queue: Sales\n  sales_queue: Sales\n  billing_flow: Billing\n",
  });
  const envs = layoutFiles();
  capture = await makeRepo({ "environments/prod.yaml": envs["environments/prod.yaml"] ?? null });
  await capture.git.addConfig("user.name", "Matrix").addConfig("user.email", "matrix@example.com");
  noGit = join(work, "no-git");
  await mkdir(join(noGit, "environments"), { recursive: true });
  await writeFile(join(noGit, "environments", "prod.yaml"), envs["environments/prod.yaml"] as string);
  // The demo's examples with a dev queue the dev org does not have: its preflight fails.
  await cp(join(ROOT, "examples"), join(work, "examples-broken"), { recursive: true });
  const devEnv = join(work, "examples-broken", "environments", "dev.yaml");
  const text = await readFile(devEnv, "utf8");
  await writeFile(devEnv, text.replace("support_queue: Support - DEV", "support_queue: No Such Queue"));
  await mkdir(join(work, "empty"));
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  busyPort = (busy.address() as { port: number }).port;
  cluster = await Cluster.start();
}, 120_000);

afterAll(async () => {
  busy?.close();
  for (const e of emulators) await e.close();
  for (const r of [clean, broken, missingQueue, capture, changed]) await r?.cleanup();
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
});

/** A fresh emulator for one cell, so no cell depends on what another wrote. */
async function org(): Promise<TestEmulator> {
  const e = await startTestEmulator(twoOrgSeed());
  emulators.push(e);
  return e;
}

let cells = 0;
/** The user's environment: the secret, and a state dir of the cell's own (XDG_STATE_HOME). */
function env(secret: string = PROD_CLIENT.secret): Record<string, string> {
  cells += 1;
  return { GENESYS_CLIENT_SECRET: secret, XDG_STATE_HOME: join(work, `state-${cells}`), HOME: work };
}
const target = (e: TestEmulator) => ["--emulator", e.url, "--client-id", PROD_CLIENT.id];
const flags = (e: TestEmulator, repo: TestRepo = clean) => ["--dir", repo.dir, "--env", "prod", ...target(e)];

function cli(argv: string[], environment: Record<string, string> = env()): Promise<CliResult> {
  return spawnCli(argv, environment).done;
}

/** Starts a long-running command, waits until it prints `ready`, then interrupts it as Ctrl-C would. */
async function untilInterrupted(argv: string[], ready: RegExp): Promise<CliResult> {
  const child = spawnCli(argv, env());
  const deadline = Date.now() + 60_000;
  let exited = false;
  void child.done.then(() => (exited = true));
  while (!ready.test(child.stdout()) && !exited && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGINT");
  return child.done;
}

const MATRIX: Record<string, Row> = {
  lint: {
    0: { run: () => cli(["lint", clean.dir, "--env", "prod"]), out: /0 errors, 0 warnings/ },
    1: { run: () => cli(["lint", broken.dir, "--env", "prod"]), out: /UnknownKey/ },
    2: { run: () => cli(["lint", clean.dir]), out: /lint: --env NAME is required/ },
    3: { na: "lint reads local files only and talks to nothing: a file it cannot read is a usage error (2)" },
    4: { na: INTERNAL },
  },
  plan: {
    0: {
      run: async () => {
        const e = await org();
        const environment = env();
        expect((await cli(["apply", ...flags(e)], environment)).code).toBe(0);
        return cli(["plan", ...flags(e)], environment);
      },
      out: /No changes\./,
    },
    1: { run: async () => cli(["plan", ...flags(await org())]), out: /3 to create/ },
    2: { run: () => cli(["plan", "--bogus"]), out: /plan: Unknown option '--bogus'/ },
    3: {
      run: async () => cli(["plan", ...flags(await org())], env("not-the-secret")),
      out: /ivr-promoter: GenesysAuth\w*:/,
    },
    4: { na: INTERNAL },
  },
  apply: {
    0: { run: async () => cli(["apply", ...flags(await org())]), out: /3 created, 0 updated/ },
    1: { run: async () => cli(["apply", ...flags(await org()), "--dry-run"]), out: /3 to create/ },
    2: {
      // An unusable --state-dir is found before anything is written to the org.
      run: async () => {
        const e = await org();
        const result = await cli(["apply", ...flags(e), "--state-dir", "/dev/null/state"]);
        expect((await e.admin.org("prod")).flows.filter((f) => !f.deleted)).toEqual([]);
        return result;
      },
      out: /--state-dir \/dev\/null\/state: not a directory: give a writable directory/,
    },
    3: {
      run: async () => cli(["apply", ...flags(await org(), missingQueue)]),
      out: /ivr-promoter: PreflightFailed: preflight failed with 1 finding\(s\); nothing was written/,
    },
    4: { na: INTERNAL },
  },
  export: {
    0: {
      run: async () => {
        const e = await org();
        expect((await cli(["apply", ...flags(e)])).code).toBe(0);
        return cli(["export", "--dir", capture.dir, "--env", "prod", "--all", ...target(e)]);
      },
      out: /committed [0-9a-f]{12} on ivr-export\/prod/,
    },
    1: { na: `${NO_DIFFERENCE}: it writes what the org publishes ("no changes to commit" is success)` },
    2: {
      // Refused before any export job runs: nothing is written into the directory.
      run: async () => {
        const result = await cli([
          "export",
          "--dir",
          noGit,
          "--env",
          "prod",
          "--all",
          ...target(await org()),
        ]);
        expect(await readdir(noGit)).toEqual(["environments"]);
        return result;
      },
      out: /--dir .*no-git is not a Git work tree: give a checkout, or --no-commit/,
    },
    3: {
      run: async () =>
        cli(["export", "--dir", capture.dir, "--env", "prod", "--flow", "Nope", ...target(await org())]),
      out: /ivr-promoter: ExportFailed: no published flow named 'Nope'/,
    },
    4: { na: INTERNAL },
  },
  diff: {
    0: {
      run: () => cli(["diff", "--dir", clean.dir, "--base", "HEAD", "--head", "HEAD"]),
      out: /No changes\./,
    },
    1: {
      run: () => cli(["diff", "--dir", changed.dir, "--base", "HEAD~1", "--head", "HEAD", "--env", "prod"]),
      out: /changed/,
    },
    2: {
      run: () => cli(["diff", "--dir", clean.dir, "--output", "yaml"]),
      out: /diff: --output must be text, markdown or json, got 'yaml'/,
    },
    3: {
      // A target is read only: the preflight verdict against the org fails on the missing queue.
      run: async () =>
        cli([
          "diff",
          "--dir",
          missingQueue.dir,
          "--base",
          "HEAD",
          "--head",
          "HEAD",
          ...flags(await org()).slice(2),
        ]),
      out: /No Such Queue/,
    },
    4: { na: INTERNAL },
  },
  emulator: {
    0: {
      run: () => untilInterrupted(["emulator", "--port", "0"], /listening on/),
      out: /emulator stopped/,
    },
    1: { na: NO_DIFFERENCE },
    2: {
      run: () => cli(["emulator", "--port", String(busyPort)]),
      out: /already in use: choose another with --port/,
    },
    3: {
      na: "it serves until interrupted; the only ways it can fail are before it serves (port, seed file): 2",
    },
    4: { na: INTERNAL },
  },
  operator: {
    0: {
      run: () =>
        untilInterrupted(
          [
            "operator",
            "--kubeconfig",
            cluster.api.kubeconfigPath,
            "--leader-elect=false",
            "--http-addr",
            "127.0.0.1:0",
            "--git-cache-dir",
            join(work, "operator-cache"),
          ],
          /metrics and probes on/,
        ),
      out: /ivr-promoter operator: stopped/,
    },
    1: { na: NO_DIFFERENCE },
    2: {
      run: () => cli(["operator", "--kubeconfig", join(work, "nope")]),
      out: /--kubeconfig .*nope: no such file/,
    },
    3: {
      na: "a controller does not exit on a failed reconcile: failures go to status, Events, metrics and /healthz, and are retried",
    },
    4: { na: INTERNAL },
  },
  demo: {
    0: { run: () => cli(["demo"]), out: /Fault cleared: release 2 goes through/ },
    1: { na: NO_DIFFERENCE },
    2: {
      run: () => cli(["demo", "--examples", join(work, "empty")]),
      out: /empty\/emulator-seed\.yaml: cannot read seed file/,
    },
    3: {
      run: () => cli(["demo", "--examples", join(work, "examples-broken")]),
      out: /ivr-promoter: PreflightFailed: preflight failed/,
    },
    4: { na: INTERNAL },
  },
};

describe("exit-code matrix: every command × every row of the README's table", () => {
  it("names every command and every code", async () => {
    expect(Object.keys(MATRIX).sort()).toEqual(Object.keys(COMMANDS).sort());
    const codes = Object.values(EXIT).sort();
    for (const row of Object.values(MATRIX)) expect(Object.keys(row).map(Number).sort()).toEqual(codes);
    // The README's table has exactly these rows.
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const rows = [...readme.matchAll(/^\| (\d) \| /gm)].map((m) => Number(m[1]));
    expect(rows).toEqual(codes);
  });

  const runnable = Object.entries(MATRIX).flatMap(([command, row]) =>
    Object.entries(row).flatMap(([code, cell]) =>
      "run" in cell ? [{ name: `${command} → ${code}`, code: Number(code), cell }] : [],
    ),
  );
  it.each(runnable)(
    "$name",
    async ({ code, cell }) => {
      const result = await cell.run();
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code });
      expect(`${result.stdout}${result.stderr}`).toMatch(cell.out);
      // Whatever the code, a user error or failure is one line, never a bug report with a stack.
      expect(result.stderr).not.toContain("internal error");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
    240_000,
  );
});
