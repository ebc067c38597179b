import { describe, expect, it } from "vitest";
import { formatFinding } from "../../../src/flowset/findings.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";
import { FlowSetManifestSchema } from "../../../src/flowset/layout-schema.js";

const TEXT = [
  "inboundCall:",
  '  name: "${flow_name}"',
  "  description: Queue ${queue} and {{queue}} # ${in_comment}",
  "",
].join("\n");
const values = { flow_name: "Main", queue: "Sales" };

describe("Terraform templatefile() placeholders", () => {
  it("names each ${key} with file and line when the syntax is not enabled", () => {
    const set = buildFlowSet({ files: [{ path: "flows/a.yaml", text: TEXT }], values });
    expect(set.findings.filter((f) => f.code === "UnresolvedPlaceholder").map(formatFinding)).toEqual([
      'flows/a.yaml:2: error UnresolvedPlaceholder: ${flow_name} is a Terraform templatefile() placeholder, which this flow set does not substitute (it would reach the org as text); write {{flow_name}} or add "${key}" to placeholderSyntax in ivr-promoter.yaml (field flow_name)',
      'flows/a.yaml:3: error UnresolvedPlaceholder: ${queue} is a Terraform templatefile() placeholder, which this flow set does not substitute (it would reach the org as text); write {{queue}} or add "${key}" to placeholderSyntax in ivr-promoter.yaml (field queue)',
    ]);
  });

  it('substitutes ${key} like {{key}} with placeholderSyntax: ["{{key}}", "${key}"]', () => {
    const set = buildFlowSet({
      files: [{ path: "flows/a.yaml", text: TEXT }],
      values,
      placeholderSyntax: ["{{key}}", "${key}"],
    });
    expect(set.findings).toEqual([]);
    expect(set.flows[0]?.flow.name).toBe("Main");
    expect(set.flows[0]?.text).toContain("description: Queue Sales and Sales # ${in_comment}");
  });

  it("substitutes only ${key} with placeholderSyntax: [${key}] ({{key}} then stays literal)", () => {
    const set = buildFlowSet({
      files: [{ path: "flows/a.yaml", text: 'inboundCall:\n  name: "${flow_name}"\n' }],
      values,
      placeholderSyntax: ["${key}"],
    });
    expect(set.flows[0]?.flow.name).toBe("Main");
  });

  // templatefile() renders `$${x}` as a literal `${x}` (its escape), whatever x is.
  const ESCAPED = [
    "inboundCall:",
    '  name: "${flow_name}"',
    '  description: "Costs $${price} in ${queue}"',
    "  initialGreeting:",
    "    tts: Say $${queue} and $${not a key}",
    "  settingsErrorHandling:",
    "    exp: |",
    '      Append("$${queue}", "${queue}")',
    "",
  ].join("\n");

  it("renders $${x} as a literal ${x} where ${key} is substituted, and does not flag it", () => {
    const set = buildFlowSet({
      files: [{ path: "flows/a.yaml", text: ESCAPED }],
      values,
      placeholderSyntax: ["{{key}}", "${key}"],
    });
    expect(set.findings).toEqual([]);
    const text = set.flows[0]?.text ?? "";
    expect(text).toContain('description: "Costs ${price} in Sales"');
    expect(text).toContain("tts: Say ${queue} and ${not a key}");
    expect(text).toContain('Append("${queue}", "Sales")');
    expect(text).not.toContain("$$");
  });

  it("does not report $${x} as a placeholder when ${key} is not a syntax of the repository", () => {
    const set = buildFlowSet({ files: [{ path: "flows/a.yaml", text: ESCAPED }], values });
    const unresolved = set.findings.filter((f) => f.code === "UnresolvedPlaceholder");
    // Only the real ${key} placeholders (lines 2, 3 and 8), never the escaped ones.
    expect(unresolved.map((f) => [f.line, f.field])).toEqual([
      [2, "flow_name"],
      [3, "queue"],
      [8, "queue"],
    ]);
    // Without templatefile() nothing rewrites the text: `$${x}` stays as written.
    const plain = buildFlowSet({
      files: [{ path: "flows/b.yaml", text: 'inboundCall:\n  name: Main\n  description: "$${price}"\n' }],
      values: {},
    });
    expect(plain.findings).toEqual([]);
    expect(plain.flows[0]?.text).toContain('description: "$${price}"');
  });

  it("the manifest defaults to {{key}} and accepts only the two syntaxes", () => {
    const base = { apiVersion: "ivr.promoter.dev/v1alpha1", kind: "FlowSet" };
    expect(FlowSetManifestSchema.parse(base).placeholderSyntax).toEqual(["{{key}}"]);
    expect(FlowSetManifestSchema.safeParse({ ...base, placeholderSyntax: ["%key%"] }).success).toBe(false);
  });
});
