import { describe, expect, it } from "vitest";
import type { FlowPreview, PreviewReport } from "../../../src/preview/model.js";
import { COMMENT_MARKER, renderPreviewMarkdown } from "../../../src/preview/render-markdown.js";
import { renderPreviewText } from "../../../src/preview/render-text.js";

/** A report with `n` changed flows, each with a diff of `lines` lines (one holding a ``` run). */
function report(n: number, lines: number): PreviewReport {
  const flows: FlowPreview[] = Array.from({ length: n }, (_, i) => ({
    type: "INBOUNDCALL",
    name: `Flow ${String(i).padStart(3, "0")} | west`,
    status: "changed",
    path: `flows/f${i}.yaml`,
    changes: [{ change: "changed", kind: "setting", name: "initialGreeting", details: ["tts: a → b"] }],
    references: [{ change: "added", kind: "queue", name: `Queue ${i}` }],
    diff: [
      `--- a/flows/f${i}.yaml`,
      `+++ b/flows/f${i}.yaml`,
      "@@ -1,1 +1,1 @@",
      ...Array.from({ length: lines }, (_, j) => (j === 1 ? "+  tts: ```not a fence```" : `+  line ${j}`)),
    ].join("\n"),
    mermaid: 'flowchart TD\n  start(("Start"))\n  n1["Task: T"]:::changed\n  start --> n1',
  }));
  return {
    base: "a".repeat(40),
    head: `${"b".repeat(40)}+dirty`,
    path: ".",
    changed: true,
    environments: [
      {
        environment: "prod",
        presence: "both",
        counts: { added: 0, removed: 0, changed: n, renamed: 0, unchanged: 0 },
        flows,
      },
    ],
  };
}

/** Every fence opened is closed; no table row is cut. */
function wellFormed(md: string): void {
  const fences = md.split("\n").filter((l) => /^`{3,}/.test(l));
  const stack: string[] = [];
  for (const f of fences) {
    const ticks = /^`+/.exec(f)![0];
    if (stack.length > 0 && f === stack[stack.length - 1]) stack.pop();
    else stack.push(ticks);
  }
  expect(stack).toEqual([]);
  const opens = md.match(/<details>/g)?.length ?? 0;
  expect(md.match(/<\/details>/g)?.length ?? 0).toBe(opens);
  for (const row of md.split("\n").filter((l) => l.startsWith("|"))) expect(row.endsWith("|")).toBe(true);
}

describe("markdown preview", () => {
  it("starts with the marker and the summary table, one collapsible section per flow", () => {
    const md = renderPreviewMarkdown(report(3, 5));
    expect(md.startsWith(`${COMMENT_MARKER}\n\n## IVR flow preview`)).toBe(true);
    expect(md).toContain("`aaaaaaaaaaaa` → `bbbbbbbbbbbb+dirty`");
    expect(md).toContain("| Flow 000 \\| west | INBOUNDCALL | 🟡 changed |");
    expect(md.indexOf("| Flow | Type | prod |")).toBeLessThan(md.indexOf("<details>"));
    expect(md.match(/<summary><b>prod<\/b>/g)).toHaveLength(3);
    // The diff holds a run of three backticks: the fence around it is longer.
    expect(md).toContain("````diff\n");
    wellFormed(md);
  });

  it("stays within the limit by shortening sections, with notes, never cutting a table or a fence", () => {
    const big = report(60, 400);
    const md = renderPreviewMarkdown(big);
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md.length).toBeGreaterThan(50_000); // it uses the room it has
    expect(md).toMatch(/Diff truncated after \d+ of 403 lines|Rendered diff left out/);
    // Every flow keeps at least its summary section.
    expect(md.match(/<summary><b>prod<\/b>/g)).toHaveLength(60);
    expect(md).not.toContain("section(s) left out");
    // The table lists every flow even when sections are shortened.
    expect(md.split("\n").filter((l) => l.startsWith("| Flow 0"))).toHaveLength(60);
    wellFormed(md);
    const tiny = renderPreviewMarkdown(big, { limit: 9_000 });
    expect(tiny.length).toBeLessThanOrEqual(9_000);
    expect(tiny).toMatch(/\d+ flow section\(s\) left out to stay within the 9000-character comment limit/);
    expect(tiny.match(/<summary><b>prod<\/b>/g)?.length).toBeGreaterThan(3); // summaries, as many as fit
    wellFormed(tiny);
  });
});

describe("text preview", () => {
  it("colours only when asked (the CLI asks on a TTY, or with FORCE_COLOR)", () => {
    const plain = renderPreviewText(report(1, 2), { color: false });
    expect(plain).not.toContain("\x1b[");
    expect(plain).toContain("  ~ changed  INBOUNDCALL Flow 000 | west  (flows/f0.yaml)");
    const coloured = renderPreviewText(report(1, 2), { color: true });
    expect(coloured).toContain("\x1b[32m+  line 0\x1b[0m");
    expect(coloured).toContain("\x1b[33m~ changed \x1b[0m");
  });
});
