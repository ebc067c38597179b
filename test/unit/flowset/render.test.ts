import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { renderFlowText } from "../../../src/flowset/render.js";
import { scanPlaceholders } from "../../../src/flowset/placeholders.js";

const render = (text: string, values: Record<string, string>) =>
  renderFlowText(text, values, { file: "flows/main.yaml", environment: "dev" });

describe("scanPlaceholders", () => {
  it("classifies each placeholder by where it sits", () => {
    const text = [
      "inboundCall:", //                                   1
      "  name: {{flow_name}}", //                          2 plain
      "  description: Main flow of {{ brand }} today", //  3 plain-part
      '  division: "{{division}}"', //                     4 double
      "  defaultLanguage: '{{lang}}'", //                  5 single
      "  {{table}}: x", //                                 6 plain (key)
      "  {{category}} :", //                               7 plain (key, space before colon)
      "  # old: {{retired}}", //                           8 comment
      "  exp: |", //                                       9
      "    Append({{a}},", //                              10 block
      "      1)", //                                       11
      "  tts: {{a}}{{b}}", //                              12 plain-part x2
      '  multi: "first line', //                           13
      '    {{c}} second"', //                              14 double (continued)
    ].join("\n");
    expect(scanPlaceholders(text).map((p) => `${p.line}:${p.key}:${p.context}`)).toEqual([
      "2:flow_name:plain",
      "3:brand:plain-part",
      "4:division:double",
      "5:lang:single",
      "6:table:plain",
      "7:category:plain",
      "8:retired:comment",
      "10:a:block",
      "12:a:plain-part",
      "12:b:plain-part",
      "14:c:double",
    ]);
  });
});

describe("renderFlowText", () => {
  it("substitutes {{key}} and {{ key }} on the text, before YAML parsing", () => {
    const out = render("inboundCall:\n  name: {{flow_name}}\n  division: {{ division }}\n", {
      flow_name: "Main",
      division: "Home",
    });
    expect(out.findings).toEqual([]);
    expect(out.text).toBe("inboundCall:\n  name: Main\n  division: Home\n");
    expect([...out.usedKeys].sort()).toEqual(["division", "flow_name"]);
  });

  // Archy's own preprocessor replaces text blindly; these values would change the YAML structure.
  it.each([
    ["plain scalar", "  name: {{v}}", "Sales: EMEA #1", "Sales: EMEA #1"],
    ["plain scalar that looks like a number", "  name: {{v}}", "0042", "0042"],
    ["plain scalar that looks like a boolean", "  name: {{v}}", "yes", "yes"],
    ["plain scalar with a leading indicator", "  name: {{v}}", "*star", "*star"],
    ["mapping key", "  {{v}}:\n    x: 1", "Cat: A", "Cat: A"],
    ["double-quoted scalar", '  name: "{{v}}"', 'He said "hi" \\o/', 'He said "hi" \\o/'],
    ["single-quoted scalar", "  name: '{{v}}'", "It's", "It's"],
    ["value with a line break, double-quoted", '  name: "{{v}}"', "two\nlines", "two\nlines"],
    ["value with a line break, plain", "  name: {{v}}", "two\nlines", "two\nlines"],
  ])("keeps the YAML valid: %s", (_what, line, value, expected) => {
    const out = render(`inboundCall:\n${line}\n`, { v: value });
    expect(out.findings).toEqual([]);
    const doc = parse(out.text) as { inboundCall: Record<string, unknown> };
    const body = doc.inboundCall;
    const actual = "name" in body ? body.name : Object.keys(body)[0];
    expect(actual).toBe(expected);
    expect(out.text.split("\n")).toHaveLength(3 + line.split("\n").length - 1);
  });

  it.each([
    [
      "an unknown key",
      "  name: {{flow_nme}}",
      { flow_name: "Main" },
      'flows/main.yaml:2 UnknownKey [flow_nme] placeholder {{flow_nme}} has no value in environment "dev" (known keys: flow_name)',
    ],
    [
      "an empty value",
      "  name: {{flow_name}}",
      { flow_name: "  " },
      'flows/main.yaml:2 EmptyValue [flow_name] placeholder {{flow_name}} has an empty value in environment "dev"',
    ],
    [
      "an unresolved placeholder (not a key)",
      "  name: {{ flow name }}",
      {},
      "flows/main.yaml:2 UnresolvedPlaceholder [{{ flow name }}] unresolved placeholder {{ flow name }}: expected {{key}} with a key of letters, digits, _ . -",
    ],
    [
      "an unclosed placeholder",
      "  name: {{flow_name",
      { flow_name: "Main" },
      "flows/main.yaml:2 UnresolvedPlaceholder [{{flow_name] unresolved placeholder {{flow_name: expected {{key}} with a key of letters, digits, _ . -",
    ],
    [
      "a value that cannot go unquoted inside text",
      "  tts: Welcome to {{brand}}",
      { brand: "A: B" },
      'flows/main.yaml:2 UnquotableValue [brand] the value of {{brand}} would change the YAML structure here (a line break, ": ", " #" or a leading indicator); quote the placeholder in the flow file ("{{brand}}")',
    ],
  ])("reports %s with file:line", (_what, line, values, expected) => {
    const out = render(`inboundCall:\n${line}\n`, values);
    expect(out.findings.map((f) => `${f.file}:${f.line} ${f.code} [${f.field}] ${f.message}`)).toEqual([
      expected,
    ]);
    expect(out.findings[0]?.severity).toBe("error");
  });

  it("leaves placeholders in comments alone and reports nothing for them", () => {
    const out = render("inboundCall:\n  # was {{old_key}}\n  name: A\n", {});
    expect(out.findings).toEqual([]);
    expect(out.text).toContain("{{old_key}}");
  });

  it("does not treat <key> (a deploy script's placeholder) as ours", () => {
    const out = render("inboundCall:\n  name: <flowName>\n", {});
    expect(out.findings).toEqual([]);
    expect(out.text).toBe("inboundCall:\n  name: <flowName>\n");
  });
});
