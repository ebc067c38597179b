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

  it("the manifest defaults to {{key}} and accepts only the two syntaxes", () => {
    const base = { apiVersion: "ivr.promoter.dev/v1alpha1", kind: "FlowSet" };
    expect(FlowSetManifestSchema.parse(base).placeholderSyntax).toEqual(["{{key}}"]);
    expect(FlowSetManifestSchema.safeParse({ ...base, placeholderSyntax: ["%key%"] }).success).toBe(false);
  });
});
