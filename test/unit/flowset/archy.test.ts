import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  MAX_FLOW_BYTES,
  apiTypeOfArchyKey,
  archyKeyOfApiType,
  parseArchyFlow,
} from "../../../src/flowset/archy.js";
import { FlowParseError } from "../../../src/flowset/errors.js";
import { PromoterError } from "../../../src/errors.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/flowset/${name}`, import.meta.url), "utf8");

function parseError(text: string, file = "flows/x.yaml"): FlowParseError {
  try {
    parseArchyFlow(text, file);
  } catch (err) {
    if (err instanceof FlowParseError) return err;
    throw err;
  }
  throw new Error("expected a FlowParseError");
}

describe("flow type keys", () => {
  it.each([
    ["inboundCall", "INBOUNDCALL"],
    ["inqueueCall", "INQUEUECALL"],
    ["inQueueCall", "INQUEUECALL"],
    ["botFlow", "BOT"],
    ["digitalBot", "DIGITALBOT"],
    ["commonModule", "COMMONMODULE"],
    ["workflow", "WORKFLOW"],
    ["workitem", "WORKITEM"],
    ["inboundShortMessage", "INBOUNDSHORTMESSAGE"],
    ["inqueueShortMessage", "INQUEUESHORTMESSAGE"],
    ["voiceSurvey", "VOICESURVEY"],
  ])("%s → %s", (key, api) => {
    expect(apiTypeOfArchyKey(key)).toBe(api);
  });

  it("maps API types back to the canonical key and rejects non-flow keys", () => {
    expect(archyKeyOfApiType("INQUEUECALL")).toBe("inqueueCall");
    expect(archyKeyOfApiType("BOT")).toBe("botFlow");
    expect(archyKeyOfApiType("inboundcall")).toBe("inboundCall");
    expect(apiTypeOfArchyKey("schedule")).toBeUndefined();
    expect(archyKeyOfApiType("NOPE")).toBeUndefined();
  });
});

describe("parseArchyFlow", () => {
  it("accepts a case variant of the top-level key and keeps it as written", () => {
    const flow = parseArchyFlow("inQueueCall:\n  name: Hold\n");
    expect(flow).toEqual({ archyType: "inQueueCall", apiType: "INQUEUECALL", name: "Hold", references: [] });
  });

  it("finds every reference syntax (fixture syntax-variants.yaml)", () => {
    const flow = parseArchyFlow(fixture("syntax-variants.yaml"), "syntax-variants.yaml");
    const refs = flow.references.map((r) =>
      [r.kind, r.category ? `${r.category}/${r.name}` : r.name, r.flowType ?? "-", r.line].join(" | "),
    );
    expect(refs).toEqual([
      "division | Home | - | 4",
      "queue | Email Support | - | 28",
      "flow | Email Waiting | INQUEUEEMAIL | 30",
      "flow | Shared Greeting | COMMONMODULE | 34",
      "queue | Escalations | - | 38",
      "flow | Helpful Bot | DIGITALBOT | 42",
      "flow | Card Payment | SECURECALL | 47",
      "flow | Elsewhere | - | 52",
      "queue | Billing | - | 56",
      "scheduleGroup | Email Hours | - | 68",
      "dataTable | VIP Senders | - | 76",
      "queue | Email Fallback | - | 85",
      "userPrompt | Welcome_Email | - | 89",
      "dataAction | Web Services/Lookup Account | - | 95",
    ]);
    expect(flow.references[2]?.path).toBe(
      "inboundEmail.states[0].state.actions[0].transferToAcd.inQueueFlow.name",
    );
  });

  it("reports the flow's own division (top level only) as a division reference", () => {
    const flow = parseArchyFlow(
      [
        "inboundCall:",
        "  name: Main",
        "  division: Sales Division",
        "  settingsErrorHandling:",
        "    division: Not A Setting Archy Reads",
        "",
      ].join("\n"),
      "flows/main.yaml",
    );
    expect(flow.references).toEqual([
      { kind: "division", name: "Sales Division", line: 3, path: "inboundCall.division" },
    ]);
  });

  it("de-duplicates references by kind, category, name and flow type", () => {
    const text = [
      "inboundCall:",
      "  name: Twice",
      "  a:",
      "    targetQueue:",
      "      lit:",
      "        name: Sales",
      "  b:",
      "    targetQueue:",
      "      lit:",
      "        name: Sales",
      "",
    ].join("\n");
    expect(parseArchyFlow(text).references).toEqual([
      { kind: "queue", name: "Sales", line: 6, path: "inboundCall.a.targetQueue.lit.name" },
    ]);
  });

  const tooLarge = `inboundCall:\n  name: Big\n  description: "${"x".repeat(MAX_FLOW_BYTES)}"\n`;
  const manyAliases = `inboundCall:\n  name: A\n  x: &x 1\n  list: [${Array.from({ length: 70 }, () => "*x").join(", ")}]\n`;
  it.each([
    [
      "invalid YAML",
      "inboundCall:\n  name: [unclosed\n",
      "InvalidYaml",
      /^flows\/x\.yaml:3: invalid YAML: Flow sequence in block collection must be sufficiently indented/,
    ],
    [
      "a duplicate key",
      "inboundCall:\n  name: A\n  name: B\n",
      "InvalidYaml",
      /^flows\/x\.yaml:3: invalid YAML: Map keys must be unique/,
    ],
    [
      "a document that is not a flow",
      fixture("wfm-schedule.yaml"),
      "NotAFlow",
      /^flows\/x\.yaml:1: not an Architect flow: top-level key\(s\) schedule are not flow types \(expected one top-level key among inboundCall, /,
    ],
    [
      "a scalar document",
      "just text\n",
      "NotAFlow",
      /^flows\/x\.yaml:1: not an Architect flow: the document is not a mapping/,
    ],
    [
      "two top-level keys",
      "inboundCall:\n  name: A\nbotFlow:\n  name: B\n",
      "NotAFlow",
      /^flows\/x\.yaml:1: not an Architect flow: expected exactly one top-level key \(the flow type\), found inboundCall, botFlow$/,
    ],
    [
      "a missing name",
      "inboundCall:\n  description: nameless\n",
      "MissingName",
      /^flows\/x\.yaml:1: field inboundCall\.name: the flow name is missing/,
    ],
    [
      "an empty name",
      'botFlow:\n  name: ""\n',
      "MissingName",
      /^flows\/x\.yaml:2: field botFlow\.name: the flow name is missing/,
    ],
    [
      "a nested alias bomb",
      fixture("alias-bomb.yaml"),
      "AliasBomb",
      /^flows\/x\.yaml:5: YAML alias bomb: aliases expand too much/,
    ],
    [
      "too many aliases",
      manyAliases,
      "AliasBomb",
      /^flows\/x\.yaml:4: YAML alias bomb: 70 aliases \(limit 64\)$/,
    ],
    [
      "an oversized file",
      tooLarge,
      "TooLarge",
      new RegExp(
        `^flows/x\\.yaml: file is ${Buffer.byteLength(tooLarge)} bytes; flow files are limited to 2097152 bytes$`,
      ),
    ],
  ])("rejects %s", (_what, text, problem, message) => {
    const err = parseError(text);
    expect(err).toBeInstanceOf(PromoterError);
    expect(err.code).toBe("FlowParse");
    expect(err.reason).toBe("Stalled");
    expect(err.problem).toBe(problem);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("\n");
  });
});
