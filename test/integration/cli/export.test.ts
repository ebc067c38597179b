import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyCommand } from "../../../src/cli/apply.js";
import { exportCommand } from "../../../src/cli/export.js";
import { planCommand } from "../../../src/cli/plan.js";
import { ExportError } from "../../../src/engine/export.js";
import { runCommand, spawnCli } from "../../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { DEV_CLIENT, PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { layoutFiles } from "./fixture.js";

let emulator: TestEmulator;
let source: TestRepo;
let capture: TestRepo;
let stateDir: string;

beforeEach(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
  source = await makeRepo(layoutFiles());
  const envs = layoutFiles();
  capture = await makeRepo({
    "environments/dev.yaml": envs["environments/dev.yaml"] ?? null,
    "environments/prod.yaml": envs["environments/prod.yaml"] ?? null,
  });
  stateDir = await mkdtemp(join(tmpdir(), "ivr-export-state-"));
});
afterEach(async () => {
  await emulator.close();
  await source.cleanup();
  await capture.cleanup();
  await rm(stateDir, { recursive: true, force: true });
});

const target = (client: { id: string }) => ["--emulator", emulator.url, "--client-id", client.id];
const DEV = { GENESYS_CLIENT_SECRET: DEV_CLIENT.secret };
const PROD = { GENESYS_CLIENT_SECRET: PROD_CLIENT.secret };

describe("ivr-promoter export", () => {
  it("captures dev into Git with placeholders put back; a plan right after shows no change; prod gets its own values", async () => {
    await runCommand(
      applyCommand,
      ["--dir", source.dir, "--env", "dev", ...target(DEV_CLIENT), "--state-dir", join(stateDir, "a")],
      DEV,
    );

    const exported = await runCommand(
      exportCommand,
      [
        "--dir",
        capture.dir,
        "--env",
        "dev",
        "--all",
        ...target(DEV_CLIENT),
        "--state-dir",
        join(stateDir, "b"),
      ],
      DEV,
    );
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain("exported INBOUNDCALL/Main Menu → flows/inboundcall/Main-Menu.yaml");
    expect(exported.stdout).toMatch(/committed [0-9a-f]+ on ivr-export\/dev/);
    const menu = await readFile(join(capture.dir, "flows/inboundcall/Main-Menu.yaml"), "utf8");
    expect(menu).toContain('name: "{{support_queue}}"');
    expect(menu).toContain('name: "{{billing_flow}}"');
    expect(menu).toMatch(/^# Depends on QUEUE "{{support_queue}}"$/m);
    expect(menu).toMatch(/^# Depends on COMMONMODULEFLOW "Shared Greeting"$/m);
    const billing = await readFile(join(capture.dir, "flows/inboundcall/Billing-Line.yaml"), "utf8");
    expect(billing).toContain('name: "{{billing_flow}}"');
    // The export is committed on its branch, but the user's checkout stays where it was.
    const branches = await capture.git.branchLocal();
    expect(branches.current).toBe("main");
    expect(branches.all).toContain("ivr-export/dev");
    const onBranch = await capture.git.raw(["show", "ivr-export/dev:flows/inboundcall/Main-Menu.yaml"]);
    expect(onBranch).toBe(menu);

    const roundTrip = await runCommand(
      planCommand,
      ["--dir", capture.dir, "--env", "dev", ...target(DEV_CLIENT), "--state-dir", join(stateDir, "b")],
      DEV,
    );
    expect(roundTrip.stdout).toContain("No changes.");
    expect(roundTrip.code).toBe(0);

    const prod = await runCommand(
      planCommand,
      [
        "--dir",
        capture.dir,
        "--env",
        "prod",
        ...target(PROD_CLIENT),
        "--state-dir",
        join(stateDir, "c"),
        "--output",
        "json",
      ],
      PROD,
    );
    const plan = JSON.parse(prod.stdout).plan as { actions: Array<{ kind: string; key: string }> };
    expect(plan.actions.map((a) => `${a.kind} ${a.key}`).sort()).toEqual([
      "create COMMONMODULE/Shared Greeting",
      "create INBOUNDCALL/Billing",
      "create INBOUNDCALL/Main Menu",
    ]);
  });

  it("export --dir . then plan --dir . from the repository root: no changes, and the revision is the export's commit, not +dirty", async () => {
    await runCommand(
      applyCommand,
      ["--dir", source.dir, "--env", "dev", ...target(DEV_CLIENT), "--state-dir", join(stateDir, "a")],
      DEV,
    );
    await capture.git.addConfig("user.name", "Newcomer").addConfig("user.email", "new@example.com");
    const env = { ...DEV, XDG_STATE_HOME: join(stateDir, "xdg") };
    const cwd = { cwd: capture.dir };
    const exportAll = ["export", "--dir", ".", "--env", "dev", "--all", ...target(DEV_CLIENT)];
    const exported = await spawnCli(exportAll, env, cwd).done;
    expect(exported.code, exported.stderr).toBe(0);
    const commit = /committed ([0-9a-f]{12}) on ivr-export\/dev/.exec(exported.stdout)?.[1];
    expect(commit).toBeDefined();
    const tip = await capture.head("ivr-export/dev");
    expect(tip.startsWith(commit ?? "?")).toBe(true);
    // HEAD and the index are the user's; the exported files are in the work tree, not staged.
    expect((await capture.git.branchLocal()).current).toBe("main");
    expect(await capture.git.raw(["diff", "--cached", "--name-only"])).toBe("");

    const planFlags = ["--dir", ".", "--env", "dev", ...target(DEV_CLIENT), "--output", "json"];
    const planned = await spawnCli(["plan", ...planFlags], env, cwd).done;
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout).plan as { revision: string; actions: Array<{ kind: string }> };
    expect(plan.revision).toBe(tip);
    expect(plan.actions.every((a) => a.kind === "unchanged")).toBe(true);

    // Merged, then main moves on and the org changes: the next export builds on HEAD, so the work
    // tree again equals the export's commit.
    // Taken as the export says (git merge alone refuses to overwrite the untracked copies).
    const hint = /take it with: (git checkout .*)\n/.exec(exported.stdout)?.[1] ?? "";
    expect(hint).toBe("git checkout ivr-export/dev -- flows && git merge ivr-export/dev");
    for (const step of hint.split(" && ")) await capture.git.raw(step.split(" ").slice(1));
    expect(await capture.head()).toBe(tip);
    await capture.commit({ "README.md": "flows of the contact center\n" }, "readme");
    const billing = layoutFiles()["flows/billing-line.yaml"] as string;
    await source.commit({
      "flows/billing-line.yaml": billing.replace('description: "Flow ', 'description: "Changed flow '),
    });
    await runCommand(
      applyCommand,
      ["--dir", source.dir, "--env", "dev", ...target(DEV_CLIENT), "--state-dir", join(stateDir, "a")],
      DEV,
    );
    const again = await spawnCli(exportAll, env, cwd).done;
    expect(again.code, again.stderr).toBe(0);
    const second = await capture.head("ivr-export/dev");
    expect(second).not.toBe(tip);
    expect(await capture.git.raw(["merge-base", "main", "ivr-export/dev"])).toBe(`${await capture.head()}\n`);
    const replanned = await spawnCli(["plan", ...planFlags], env, cwd).done;
    expect(replanned.code, replanned.stderr).toBe(0);
    expect((JSON.parse(replanned.stdout).plan as { revision: string }).revision).toBe(second);
  });

  it("refuses flows whose dependencies cannot be determined unless allowed", async () => {
    await runCommand(
      applyCommand,
      ["--dir", source.dir, "--env", "dev", ...target(DEV_CLIENT), "--state-dir", stateDir],
      DEV,
    );
    // Dependency tracking keeps failing: the dependencies of the flow are unknown.
    await emulator.admin.setFaults("dev", {
      errorBurst: {
        count: 100,
        status: 500,
        route: "/api/v2/architect/dependencytracking/consumedresources",
      },
    });
    const args = [
      "--dir",
      capture.dir,
      "--env",
      "dev",
      "--flow",
      "Main Menu",
      ...target(DEV_CLIENT),
      "--no-commit",
    ];
    const refused = await runCommand(exportCommand, args, DEV).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExportError);
    expect((refused as Error).message).toBe(
      "could not determine the dependencies of INBOUNDCALL/Main Menu; refusing to export them (allow with --allow-unknown-dependencies)",
    );
    const allowed = await runCommand(exportCommand, [...args, "--allow-unknown-dependencies"], DEV);
    expect(allowed.code).toBe(0);
    expect(await readFile(join(capture.dir, "flows/inboundcall/Main-Menu.yaml"), "utf8")).toContain(
      "# Dependencies: unknown",
    );
  });
});
