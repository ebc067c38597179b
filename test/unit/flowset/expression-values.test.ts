import { describe, expect, it } from "vitest";
import { formatFinding } from "../../../src/flowset/findings.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";

const flow = (exp: string): string => `inboundCall:\n  name: Main\n  description:\n    exp: ${exp}\n`;
const lint = (exp: string, value: string): string[] =>
  buildFlowSet({ files: [{ path: "f.yaml", text: flow(exp) }], values: { greeting: value } })
    .findings.filter((f) => f.code === "UnquotableValue")
    .map(formatFinding);

describe("values inside expression string literals", () => {
  it.each([
    ["single-quoted YAML", `'Append("Hi ", "{{greeting}}")'`],
    ["double-quoted YAML", `"Append(\\"Hi \\", \\"{{greeting}}\\")"`],
  ])("refuses a quote in the value (%s)", (_name, exp) => {
    expect(lint(exp, 'Say "hi"')).toEqual([
      "f.yaml:4: error UnquotableValue: the value of {{greeting}} holds a quote or backslash and lands inside a string literal of an expression, which it would break; remove them from the value or keep the value out of the expression (field greeting)",
    ]);
    expect(lint(exp, "back\\slash")).toHaveLength(1);
  });

  it("accepts plain values and values outside string literals", () => {
    expect(lint(`'Append("Hi ", "{{greeting}}")'`, "Welcome")).toEqual([]);
    expect(lint(`'Append("Hi ", {{greeting}})'`, 'Flow.x + "y"')).toEqual([]);
  });

  const blockFlow = (indicator: string, lines: string[], key = "exp"): string =>
    [
      "inboundCall:",
      "  name: Main",
      "  description:",
      `    ${key}: ${indicator}`,
      ...lines.map((l) => `      ${l}`),
      "",
    ].join("\n");
  const lintBlock = (text: string, value: string): string[] =>
    buildFlowSet({ files: [{ path: "f.yaml", text }], values: { greeting: value } })
      .findings.filter((f) => f.code === "UnquotableValue")
      .map((f) => `${f.line}:${f.field}`);

  it.each([
    ["literal block (exp: |)", "|"],
    ["folded block (exp: >)", ">"],
    ["block with a chomping indicator (exp: |-)", "|-"],
  ])("refuses a quote or backslash in a value inside a string literal of a %s", (_name, indicator) => {
    const text = blockFlow(indicator, ['Append("Hi ",', '  "{{greeting}}")']);
    expect(lintBlock(text, 'Say "hi"')).toEqual(["6:greeting"]);
    expect(lintBlock(text, "back\\slash")).toEqual(["6:greeting"]);
    // A safe value renders into the block as is, and the expression reads back whole.
    const set = buildFlowSet({ files: [{ path: "f.yaml", text }], values: { greeting: "Welcome" } });
    expect(set.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(set.flows[0]?.text).toContain('  "Welcome")');
  });

  it("leaves block values outside string literals, and blocks of other keys, alone", () => {
    // Outside a string literal the value is expression code, not text inside quotes.
    expect(lintBlock(blockFlow("|", ['Append("Hi ", {{greeting}})']), 'Flow.x + "y"')).toEqual([]);
    // A quote earlier on another line closes before the placeholder.
    expect(lintBlock(blockFlow("|", ['Append("Hi",', "  {{greeting}})"]), 'Flow.x + "y"')).toEqual([]);
    // Not an expression: a `tts: |` block is plain text, where a quote is just a character.
    expect(lintBlock(blockFlow("|", ['Say "{{greeting}}"'], "tts"), 'Say "hi"')).toEqual([]);
  });
});
