import { describe, expect, it } from "vitest";
import { reverseSubstitute } from "../../../src/engine/reverse-substitute.js";

describe("reverseSubstitute", () => {
  it("puts placeholders back for whole-token values, longest first", () => {
    const text = 'targetQueue:\n  lit:\n    name: "Support - PROD"\nother: Support\nnot: Supportive\n';
    const result = reverseSubstitute(text, { support_queue: "Support - PROD", team: "Support" });
    expect(result.text).toBe(
      'targetQueue:\n  lit:\n    name: "{{support_queue}}"\nother: {{team}}\nnot: Supportive\n',
    );
    expect(result.replaced).toEqual({ support_queue: 1, team: 1 });
  });

  it("leaves values shared by several keys, and too-short values, as literals", () => {
    const result = reverseSubstitute("a: Sales\nb: en\n", { q1: "Sales", q2: "Sales", lang: "en" });
    expect(result.text).toBe("a: Sales\nb: en\n");
    expect(result.ambiguous).toEqual(["q1", "q2"]);
  });

  it("skips excluded keys", () => {
    const result = reverseSubstitute(
      "name: Main Menu\n",
      { flow: "Main Menu" },
      { exclude: new Set(["flow"]) },
    );
    expect(result.text).toBe("name: Main Menu\n");
  });
});
