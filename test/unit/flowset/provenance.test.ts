import { describe, expect, it } from "vitest";
import { derivedReferences } from "./provenance-references.js";
import { parseProvenance, ProvenanceFormatError, type ProvenanceEntry } from "./provenance.js";

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

describe("PROVENANCE.md reference notation", () => {
  const COLUMNS = [
    "Queues",
    "Data actions",
    "Data tables",
    "Common modules",
    "Other flows",
    "Prompts",
    "Schedules / schedule groups",
    "Emergency groups",
    "Other refs",
  ];
  const entry = (cells: Record<string, string>): ProvenanceEntry => {
    const row = {
      File: "a.yaml",
      "Flow type": "inboundCall",
      "Flow name": "A",
      "Substitution keys in file": "-",
    };
    const refs = Object.fromEntries(COLUMNS.map((c) => [c, cells[c] ?? "-"]));
    return {
      file: "a.yaml",
      flowType: "inboundCall",
      flowName: "A",
      substitutionKeys: [],
      row: { ...row, ...refs },
    };
  };

  it("maps each documented shape to a reference; expressions, ids and system prompts to none", () => {
    const derived = derivedReferences(
      entry({
        Queues:
          "Q1 [lit.name; queue]; Task.Q [exp; queue]; 0f0f [lit; queue id (data action input)]; Q2 [lit; queue(runtime find)]",
        "Data actions": "Cat / Act  [key]",
        "Other flows":
          "{{bot}} [key; flow(bot)]; Hold [bare name; flow(inQueue)]; T [bare name; flow(transfer)]",
        Prompts: "PromptSystem.processing",
        "Emergency groups": 'FindEmergencyGroup("G") [exp]; G [in exp]',
      }),
      (n) => n.replace("{{bot}}", "Bot"),
    );
    expect(derived.references).toEqual([
      "dataAction Cat/Act ", // the trailing space of the action name is kept (PROVENANCE notes it)
      "emergencyGroup G",
      "flow Bot BOT",
      "flow Hold INQUEUECALL",
      "flow T",
      "queue Q1",
      "queue Q2",
    ]);
    expect(derived.unresolved).toHaveLength(4);
  });

  it("refuses notation it does not know, naming file, column and entry", () => {
    expect(() => derivedReferences(entry({ Queues: "Q [lit.name; skill]" }))).toThrow(
      "a.yaml: Queues: notation not understood: Q [lit.name; skill]",
    );
  });
});
