import { describe, expect, it } from "vitest";
import { parseProvenance, ProvenanceFormatError } from "./provenance.js";

const HEADER =
  "| File | Source repository | Flow type | Flow name | Substitution keys in file |\n|---|---|---|---|---|\n";
const doc = (rows: string): string =>
  `# Corpus\n\n## Files\n\n${HEADER}${rows}\n## Per-file notes\n\n| x |\n`;

describe("PROVENANCE.md file table", () => {
  it("reads every row by column header: backticks dropped, escaped pipes kept, .yml accepted", () => {
    const entries = parseProvenance(
      doc(
        "| `a/one.yaml` | o/r | `inboundCall` | {{flow_name}} | `{{flow_name}}`, `{{division}}`, `<id>` |\n" +
          "| `b/two.yml` | o/r | `botFlow` | A \\| B | - |\n",
      ),
    );
    expect(entries.map((e) => [e.file, e.flowType, e.flowName, e.substitutionKeys])).toEqual([
      ["a/one.yaml", "inboundCall", "{{flow_name}}", ["division", "flow_name"]],
      ["b/two.yml", "botFlow", "A | B", []],
    ]);
    expect(entries[0]?.row["Source repository"]).toBe("o/r");
  });

  it("stops at the end of the first table under ## Files", () => {
    expect(parseProvenance(doc("| `a.yaml` | o/r | `workflow` | W | - |\n"))).toHaveLength(1);
  });

  it.each([
    ["no ## Files section", "# Corpus\n", /no "## Files" section/],
    ["a row with a missing cell", doc("| `a.yaml` | o/r | `workflow` | W |\n"), /row 1 has 4 cells/],
    ["a file that is not YAML", doc("| `a.json` | o/r | `workflow` | W | - |\n"), /File: must name a \.yaml/],
    [
      "the same file twice",
      doc("| `a.yaml` | o/r | `workflow` | W | - |\n| `a.yaml` | o/r | `workflow` | V | - |\n"),
      /lists a\.yaml twice/,
    ],
  ])("refuses %s with a ProvenanceFormatError", (_what, markdown, message) => {
    expect(() => parseProvenance(markdown)).toThrow(ProvenanceFormatError);
    expect(() => parseProvenance(markdown)).toThrow(message);
  });
});
