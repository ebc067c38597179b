import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffCommand } from "../../../src/cli/diff.js";
import { flowchart } from "../../../src/preview/mermaid.js";
import { PreviewReportSchema } from "../../../src/preview/model.js";
import type { GraphNode } from "../../../src/preview/structure.js";
import { runCommand } from "../../helpers/cli.js";
import { exampleFiles } from "../../helpers/examples.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { findChromium, renderMermaid } from "../../helpers/mermaid-render.js";
import { CHANGE_CLASSES, SECRET_VALUES, makePreviewRepo } from "./fixture.js";

// Every flowchart the change-class previews produce, as they appear in the pull-request comment,
// rendered by the real Mermaid library in headless Chromium (.ci/run installs Debian's chromium).
const chromium = findChromium();
if (!chromium)
  console.warn(
    "mermaid-render.test: skipped: no chromium on PATH (apt-get install chromium, or set CHROMIUM)",
  );

let repo: TestRepo;
let state: string;
beforeAll(async () => {
  if (!chromium) return;
  repo = await makePreviewRepo();
  state = await mkdtemp(join(tmpdir(), "ivr-mermaid-state-"));
});
afterAll(async () => {
  await repo?.cleanup();
  if (state) await rm(state, { recursive: true, force: true });
});

/** The ```mermaid blocks of a Markdown text. */
function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^(`{3,})mermaid\n([\s\S]*?)\n\1$/gm)].map((m) => m[2]!);
}

describe.skipIf(!chromium)(
  "Mermaid flowcharts render in headless Chromium (skipped without chromium)",
  () => {
    it("renders every flowchart of every change class without an error, each node drawn", async () => {
      const diagrams: Array<{ name: string; text: string }> = [];
      for (const head of Object.keys(CHANGE_CLASSES)) {
        const r = await runCommand(
          diffCommand,
          ["--dir", repo.dir, "--base", "main", "--head", head, "--output", "markdown", "--state-dir", state],
          SECRET_VALUES,
        );
        expect(r.code, r.stderr).toBe(1);
        const blocks = mermaidBlocks(r.stdout);
        expect(blocks.length, head).toBeGreaterThan(0);
        blocks.forEach((text, i) => diagrams.push({ name: `${head}#${i}`, text }));
      }
      const outcomes = await renderMermaid(
        chromium!,
        diagrams.map((d) => d.text),
      );
      expect(outcomes).toHaveLength(diagrams.length);
      outcomes.forEach((o, i) => {
        expect(o.error ?? "", diagrams[i]!.name).toBe("");
        expect(o.ok).toBe(true);
        const declared = diagrams[i]!.text.split("\n").filter((l) => /^ {2}(start|n\d+)[([{]/.test(l)).length;
        expect(o.nodes, diagrams[i]!.name).toBe(declared);
      });
    });

    it("renders the flowcharts of every example flow (menus, tasks, in-queue, bot, messaging states, workflow)", async () => {
      const files = await exampleFiles();
      const base = Object.fromEntries(
        Object.entries(files).filter(
          ([p]) => p.startsWith("environments/") || p === "flows/modules/customer-lookup.yaml",
        ),
      );
      const examples = await makeRepo(base);
      try {
        await examples.branch("all");
        await examples.commit(files);
        const r = await runCommand(diffCommand, [
          "--dir",
          examples.dir,
          "--base",
          "main",
          "--head",
          "all",
          "--env",
          "prod",
          "--output",
          "json",
          "--state-dir",
          state,
        ]);
        expect(r.code, r.stderr).toBe(1);
        const flows = PreviewReportSchema.parse(JSON.parse(r.stdout)).environments[0]!.flows.filter(
          (f) => f.status === "added",
        );
        expect(flows.map((f) => f.type).sort()).toEqual([
          "BOT",
          "INBOUNDCALL",
          "INBOUNDCALL",
          "INBOUNDSHORTMESSAGE",
          "INQUEUECALL",
          "WORKFLOW",
        ]);
        const outcomes = await renderMermaid(
          chromium!,
          flows.map((f) => f.mermaid ?? ""),
        );
        outcomes.forEach((o, i) => {
          expect(o.error ?? "", flows[i]!.name).toBe("");
          expect(o.nodes, flows[i]!.name).toBeGreaterThan(2);
        });
      } finally {
        await examples.cleanup();
      }
    });

    it("reports a broken diagram as an error (the check can fail)", async () => {
      const [good, broken] = await renderMermaid(chromium!, [
        'flowchart TD\n  start(("Start")) --> n1{{"Menu: Main"}}:::added\n  classDef added fill:#dafbe1',
        'flowchart TD\n  start(("Start")) --> n1{{"Menu: Main"}}:::added\n  n1 --> ((',
      ]);
      expect(good).toMatchObject({ ok: true, nodes: 2 });
      expect(broken?.ok).toBe(false);
      expect(broken?.error).toMatch(/Parse error/);
    });

    it("escapes labels: names with quotes, brackets, pipes and markup still render", async () => {
      const node = (key: string, shape: GraphNode["shape"], label: string): GraphNode => ({
        key,
        shape,
        label,
        content: key,
      });
      const tricky = 'Sales "EMEA" [1] (a|b) {x} <b>#2</b>; `end` \\ ok';
      const s = {
        elements: new Map(),
        nodes: new Map([
          ["entry", node("entry", "entry", "Start")],
          ["m", node("m", "menu", tricky)],
          ["c", node("c", "choice", tricky)],
          ["r", node("r", "ref", `Queue: ${tricky}`)],
        ]),
        edges: new Map([
          ["entry→m", { from: "entry", to: "m" }],
          ["m→c", { from: "m", to: "c" }],
          ["c→r", { from: "c", to: "r" }],
        ]),
      };
      const [outcome] = await renderMermaid(chromium!, [flowchart(undefined, s)]);
      expect(outcome).toMatchObject({ ok: true, nodes: 4 });
    });
  },
);
