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
});
