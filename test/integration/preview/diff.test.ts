import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffCommand } from "../../../src/cli/diff.js";
import { exitCodeFor } from "../../../src/cli/exit-codes.js";
import {
  PreviewReportSchema,
  previewJsonSchemas,
  type FlowPreview,
  type PreviewReport,
} from "../../../src/preview/model.js";
import { COMMENT_MARKER } from "../../../src/preview/render-markdown.js";
import { runCommand } from "../../helpers/cli.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { BASE, SECRET_VALUES, makePreviewRepo } from "./fixture.js";

// `ivr-promoter diff` on a repository made for the purpose: each change class is a branch off main.
let repo: TestRepo;
let state: string;
beforeAll(async () => {
  repo = await makePreviewRepo();
  state = await mkdtemp(join(tmpdir(), "ivr-diff-state-"));
});
afterAll(async () => {
  await repo.cleanup();
  await rm(state, { recursive: true, force: true });
});

const diff = (head: string, output: string, extra: string[] = []) =>
  runCommand(
    diffCommand,
    ["--dir", repo.dir, "--base", "main", "--head", head, "--output", output, "--state-dir", state, ...extra],
    SECRET_VALUES,
  );

async function json(head: string): Promise<PreviewReport> {
  const r = await diff(head, "json");
  expect(r.code, r.stderr).toBe(1);
  const report = JSON.parse(r.stdout) as unknown;
  // The zod schema schemas/ivr-preview.schema.json is generated from (checked fresh below).
  return PreviewReportSchema.strict().parse(report);
}
const flow = (report: PreviewReport, env: string, name: string): FlowPreview => {
  const found = report.environments.find((e) => e.environment === env)?.flows.find((f) => f.name === name);
  if (!found) throw new Error(`no flow ${name} in ${env}`);
  return found;
};
/** The Mermaid line declaring the node labelled `label` (labels are escaped like the renderer does). */
const nodeLine = (mermaid: string | undefined, label: string): string =>
  mermaid?.split("\n").find((l) => l.includes(`"${label}"`)) ?? `(no node "${label}")`;

describe("diff: one change class per branch", () => {
  it("menu choice added: an added choice, its queue referenced, the node marked added", async () => {
    const report = await json("choice-added");
    for (const env of ["dev", "prod"]) {
      const f = flow(report, env, "Main Menu IVR");
      expect(f.status).toBe("changed");
      expect(f.changes).toEqual([{ change: "added", kind: "choice", name: "Callbacks", where: "Main Menu" }]);
      expect(f.references).toEqual([{ change: "added", kind: "queue", name: "Callbacks - Home" }]);
      expect(f.diff).toContain("+              name: Callbacks");
      expect(nodeLine(f.mermaid, "4 · Callbacks")).toMatch(/:::added$/);
      expect(nodeLine(f.mermaid, "Queue: Callbacks - Home")).toMatch(/:::added$/);
      expect(nodeLine(f.mermaid, "2 · Sales")).not.toMatch(/:::/);
    }
    expect(flow(report, "dev", "Billing IVR").status).toBe("unchanged");
    const md = await diff("choice-added", "markdown");
    expect(md.stdout.startsWith(COMMENT_MARKER)).toBe(true);
    expect(md.stdout).toContain("| Main Menu IVR | INBOUNDCALL | 🟡 changed | 🟡 changed |");
    expect(md.stdout).toContain("- ➕ choice **Callbacks** in *Main Menu*");
    expect(md.stdout).toMatch(/```mermaid\nflowchart TD[\s\S]*4 · Callbacks"\]\):::added/);
    const text = await diff("choice-added", "text");
    expect(text.stdout).toContain(
      '  ~ changed  INBOUNDCALL Main Menu IVR  (flows/main-menu.yaml)\n      + choice Callbacks in Main Menu\n      + reference queue "Callbacks - Home"',
    );
    expect(text.stdout).not.toContain("\x1b["); // not a terminal: no colour
  });

  it("transfer target changed: the choice changed with old → new queue, queue nodes swapped", async () => {
    const report = await json("transfer-target");
    const f = flow(report, "prod", "Main Menu IVR");
    expect(f.changes).toEqual([
      {
        change: "changed",
        kind: "choice",
        name: "Sales",
        where: "Main Menu",
        details: ["menuTransferToAcd.targetQueue.lit.name: Sales - PROD → Support - PROD"],
      },
    ]);
    expect(f.references).toEqual([{ change: "removed", kind: "queue", name: "Sales - PROD" }]);
    expect(nodeLine(f.mermaid, "2 · Sales")).toMatch(/:::changed$/);
    expect(nodeLine(f.mermaid, "Queue: Sales - PROD")).toMatch(/:::removed$/);
    expect(f.mermaid).toMatch(/n\d+ -\.-> n\d+/); // the dropped edge drawn dashed
    const text = (await diff("transfer-target", "text")).stdout;
    expect(text).toContain("menuTransferToAcd.targetQueue.lit.name: Sales - DEV → Support - DEV");
    expect(text).toContain(
      '-                  name: "Sales - PROD"\n      +                  name: "Support - PROD"',
    );
    expect((await diff("transfer-target", "markdown")).stdout).toContain(
      "`menuTransferToAcd.targetQueue.lit.name: Sales - PROD → Support - PROD`",
    );
  });

  it("task removed: a removed task and action, its queue gone, the node marked removed", async () => {
    const report = await json("task-removed");
    const f = flow(report, "dev", "Billing IVR");
    expect(f.changes).toEqual([
      { change: "removed", kind: "task", name: "Collections" },
      {
        change: "removed",
        kind: "action",
        name: 'transferToAcd "Transfer to collections"',
        where: "Collections",
      },
    ]);
    expect(f.references).toEqual([{ change: "removed", kind: "queue", name: "Collections" }]);
    expect(nodeLine(f.mermaid, "Task: Collections")).toMatch(/:::removed$/);
    expect((await diff("task-removed", "markdown")).stdout).toContain("- ➖ task **Collections**");
    expect((await diff("task-removed", "text")).stdout).toContain("      - task Collections\n");
  });

  it("reference added: a call to a common module, the flow node added", async () => {
    const report = await json("reference-added");
    const f = flow(report, "prod", "Billing IVR");
    expect(f.changes).toEqual([
      { change: "added", kind: "action", name: 'callCommonModule "Look up the account"', where: "Billing" },
    ]);
    expect(f.references).toEqual([{ change: "added", kind: "flow", name: "Account Lookup" }]);
    expect(nodeLine(f.mermaid, "Flow: Account Lookup")).toMatch(/:::added$/);
    expect(nodeLine(f.mermaid, "Task: Billing")).toMatch(/:::changed$/);
    expect((await diff("reference-added", "markdown")).stdout).toContain("- ➕ flow `Account Lookup`");
    expect((await diff("reference-added", "text")).stdout).toContain('+ reference flow "Account Lookup"');
  });

  it("flow renamed: one renamed flow (not removed + added), with the note that the old one stays", async () => {
    const report = await json("renamed");
    const env = report.environments.find((e) => e.environment === "dev")!;
    expect(env.counts).toEqual({ added: 0, removed: 0, changed: 0, renamed: 1, unchanged: 2 });
    const f = flow(report, "dev", "Billing and Payments IVR");
    expect(f).toMatchObject({
      status: "renamed",
      previousName: "Billing IVR",
      path: "flows/billing-payments.yaml",
      previousPath: "flows/billing.yaml",
    });
    expect(f.note).toMatch(/old flow stays in the org unless pruned/);
    expect(f.diff).toContain("-  name: Billing IVR\n+  name: Billing and Payments IVR");
    const md = (await diff("renamed", "markdown")).stdout;
    expect(md).toContain(
      "| Billing and Payments IVR | INBOUNDCALL | 🔵 renamed from Billing IVR | 🔵 renamed from Billing IVR |",
    );
    expect(md).toContain('> renamed from "Billing IVR": the old flow stays in the org unless pruned');
    expect((await diff("renamed", "text")).stdout).toContain(
      "→ renamed  INBOUNDCALL Billing and Payments IVR",
    );
  });

  it("value changed only in prod: prod's flow changed, dev's unchanged", async () => {
    const report = await json("prod-value");
    expect(flow(report, "dev", "Main Menu IVR").status).toBe("unchanged");
    const f = flow(report, "prod", "Main Menu IVR");
    expect(f.changes).toEqual([
      {
        change: "changed",
        kind: "setting",
        name: "initialGreeting",
        details: ["tts: Welcome → Welcome to ACME"],
      },
    ]);
    expect(report.environments.map((e) => [e.environment, e.counts.changed])).toEqual([
      ["dev", 0],
      ["prod", 1],
    ]);
    expect((await diff("prod-value", "markdown")).stdout).toContain(
      "| Main Menu IVR | INBOUNDCALL | ⚪ unchanged | 🟡 changed |",
    );
    const text = (await diff("prod-value", "text")).stdout;
    expect(text).toContain("Environment dev: 0 changed");
    expect(text).toContain("Environment prod: 1 changed");
  });

  it("secret changed: shown as <secret:KEY>, the values in no format", async () => {
    const report = await json("secret-changed");
    const f = flow(report, "dev", "Main Menu IVR");
    expect(f.changes[0]?.details).toEqual([
      "attributes[0].attribute.value.lit: <secret:crm_token> → <secret:crm_token_2025>",
    ]);
    expect(f.diff).toContain(
      '-                      lit: "<secret:crm_token>"\n+                      lit: "<secret:crm_token_2025>"',
    );
    for (const output of ["json", "markdown", "text"]) {
      const r = await diff("secret-changed", output);
      for (const value of Object.values(SECRET_VALUES)) {
        expect(r.stdout).not.toContain(value);
        expect(r.stderr).not.toContain(value);
      }
      expect(r.stdout).toContain("secret:crm_token_2025");
    }
  });
});

describe("diff: revisions, environments, exit codes", () => {
  it("documents its JSON in schemas/ivr-preview.schema.json (generated, up to date)", async () => {
    const file = new URL("../../../schemas/ivr-preview.schema.json", import.meta.url);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(previewJsonSchemas()["ivr-preview.schema.json"]);
  });

  it("exits 0 with no change, and compares the working tree with the merge base by default", async () => {
    const same = await diff("main", "text");
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("No changes.");
    await repo.switchTo("choice-added");
    try {
      await writeFile(
        join(repo.dir, "environments/prod.yaml"),
        (await readFile(join(repo.dir, "environments/prod.yaml"), "utf8")).replace("Welcome", "Hello"),
      );
      const r = await runCommand(
        diffCommand,
        ["--dir", repo.dir, "--env", "prod", "--output", "json", "--state-dir", state],
        SECRET_VALUES,
      );
      expect(r.code, r.stderr).toBe(1);
      const report = PreviewReportSchema.parse(JSON.parse(r.stdout));
      expect(report.base).toBe(await repo.head("main"));
      expect(report.head).toBe(`${await repo.head("choice-added")}+dirty`);
      expect(report.environments.map((e) => e.environment)).toEqual(["prod"]);
      expect(flow(report, "prod", "Main Menu IVR").changes.map((c) => c.name)).toEqual([
        "initialGreeting",
        "Callbacks",
      ]);
    } finally {
      await repo.git.checkout(["--", "."]);
      await repo.switchTo("main");
    }
  });

  it("a first pull request (base without flows) shows every flow added", async () => {
    const first = await makeRepo({
      "environments/dev.yaml": "values:\n  division: Home\n",
      "README.md": "flows to come\n",
    });
    try {
      await first.branch("flows");
      await first.commit({ "flows/account-lookup.yaml": BASE["flows/account-lookup.yaml"] as string });
      const r = await runCommand(diffCommand, [
        "--dir",
        first.dir,
        "--base",
        "main",
        "--head",
        "flows",
        "--output",
        "json",
        "--state-dir",
        state,
      ]);
      expect(r.code, r.stderr).toBe(1);
      const report = PreviewReportSchema.parse(JSON.parse(r.stdout));
      expect(report.environments[0]?.flows.map((f) => [f.name, f.status])).toEqual([
        ["Account Lookup", "added"],
      ]);
    } finally {
      await first.cleanup();
    }
  });

  it("rejects an unknown environment, a bad revision and a bad --output with exit code 2, one line each", async () => {
    const bad = [
      ["--env", "staging"],
      ["--base", "no-such-branch"],
      ["--output", "yaml"],
    ];
    for (const extra of bad) {
      const r = await runCommand(diffCommand, ["--dir", repo.dir, "--state-dir", state, ...extra]).catch(
        (err: unknown) => err,
      );
      expect(r).toBeInstanceOf(Error);
      expect(exitCodeFor(r)).toBe(2);
      expect(String((r as Error).message).split("\n")).toHaveLength(1);
    }
  });
});
