import { describe, expect, it } from "vitest";
import { buildFlowSet, type FlowSetInput } from "../../../src/flowset/flow-set.js";
import { formatFinding } from "../../../src/flowset/findings.js";

const flow = (type: string, name: string, body = ""): string => `${type}:\n  name: ${name}\n${body}`;
const queue = (name: string): string => `    targetQueue:\n      lit:\n        name: ${name}\n`;
const bot = (name: string): string =>
  `  callBotFlow:\n    botFlow:\n      ${name}:\n        ver_latestPublished: {}\n`;

function lint(input: Partial<FlowSetInput> & Pick<FlowSetInput, "files">): string[] {
  const set = buildFlowSet({ values: {}, environment: "dev", ...input });
  return set.findings.map(formatFinding);
}

describe("lint findings (exact messages)", () => {
  it.each<[string, Partial<FlowSetInput> & Pick<FlowSetInput, "files">, string[]]>([
    [
      "unresolved placeholder",
      { files: [{ path: "flows/a.yaml", text: flow("inboundCall", "{{ flow name }}") }] },
      [
        "flows/a.yaml:2: error UnresolvedPlaceholder: unresolved placeholder {{ flow name }}: expected {{key}} with a key of letters, digits, _ . - (field {{ flow name }})",
      ],
    ],
    [
      "unknown key",
      {
        files: [{ path: "flows/a.yaml", text: flow("inboundCall", "{{flow_name}}") }],
        values: { flow: "A" },
      },
      [
        'flows/a.yaml:2: error UnknownKey: placeholder {{flow_name}} has no value in environment "dev" (known keys: flow) (field flow_name)',
        'environments/dev.yaml: warning UnusedKey: substitution key "flow" of environment "dev" is not used by any flow file (field flow)',
      ].sort(),
    ],
    [
      "empty value",
      {
        files: [{ path: "flows/a.yaml", text: flow("inboundCall", "{{flow_name}}") }],
        values: { flow_name: "" },
      },
      [
        'flows/a.yaml:2: error EmptyValue: placeholder {{flow_name}} has an empty value in environment "dev" (field flow_name)',
      ],
    ],
    [
      "unused key (a warning)",
      {
        files: [{ path: "flows/a.yaml", text: flow("inboundCall", "{{flow_name}}") }],
        values: { flow_name: "A", queue_nmae: "Q" },
      },
      [
        'environments/dev.yaml: warning UnusedKey: substitution key "queue_nmae" of environment "dev" is not used by any flow file (field queue_nmae)',
      ],
    ],
    [
      "hard-coded UUID (error when the whole value is an id, warning inside text)",
      {
        files: [
          {
            path: "flows/a.yaml",
            text: flow(
              "inboundCall",
              "A",
              "  description: built from 0d1f6e2a-3b4c-4d5e-8f90-123456789abc\n  queueId:\n    lit: 3fa85f64-5717-4562-b3fc-2c963f66afa6\n",
            ),
          },
        ],
      },
      [
        'flows/a.yaml:3: warning HardCodedUuid: text contains the id 0d1f6e2a-3b4c-4d5e-8f90-123456789abc; if it names an org object, it will not exist in other orgs (flow "A", field inboundCall.description)',
        'flows/a.yaml:5: error HardCodedUuid: hard-coded id 3fa85f64-5717-4562-b3fc-2c963f66afa6: ids differ between orgs; reference the object by name or use a {{placeholder}} (flow "A", field inboundCall.queueId.lit)',
      ],
    ],
    [
      "UUID that comes from this environment's values (fine)",
      {
        files: [
          { path: "flows/a.yaml", text: flow("inboundCall", "A", "  queueId:\n    lit: {{queue_id}}\n") },
        ],
        values: { queue_id: "3fa85f64-5717-4562-b3fc-2c963f66afa6" },
      },
      [],
    ],
    [
      "another environment's value written literally (the hard-coded production name)",
      {
        files: [
          {
            path: "flows/a.yaml",
            text: flow("inboundCall", "A", `  a:\n${queue("Support Prod")}  b:\n${queue("{{queue_name}}")}`),
          },
        ],
        values: { queue_name: "Support Dev", language: "en-us" },
        otherEnvironments: {
          prod: { queue_name: "Support Prod", language: "en-us" },
          dev: { queue_name: "Support Dev", language: "en-us" },
        },
      },
      [
        'environments/dev.yaml: warning UnusedKey: substitution key "language" of environment "dev" is not used by any flow file (field language)',
        'flows/a.yaml:6: error OtherEnvironmentValue: "Support Prod" is the environment "prod" value of {{queue_name}}, hard-coded in a file rendered for "dev"; use {{queue_name}} instead (flow "A", field inboundCall.a.targetQueue.lit.name)',
      ],
    ],
    [
      "another environment's value inside an expression literal",
      {
        files: [
          {
            path: "flows/a.yaml",
            text: flow("inboundCall", "A", '  x:\n    exp: FindQueue("Support Prod")\n'),
          },
        ],
        otherEnvironments: { prod: { queue_name: "Support Prod" } },
      },
      [
        'flows/a.yaml:4: error OtherEnvironmentValue: "Support Prod" is the environment "prod" value of {{queue_name}}, hard-coded in a file rendered for "dev"; use {{queue_name}} instead (flow "A", field inboundCall.x.exp)',
      ],
    ],
    [
      "another environment's value as a mere label (an action name, TTS) is not flagged",
      {
        files: [
          {
            path: "flows/a.yaml",
            text: flow(
              "inboundCall",
              "A",
              "  transferToAcd:\n    name: Support Prod\n    tts: Support Prod\n",
            ),
          },
        ],
        otherEnvironments: { prod: { queue_name: "Support Prod" } },
      },
      [],
    ],
    [
      "duplicate (type, name) across the set; same name with another type is fine",
      {
        files: [
          { path: "flows/a.yaml", text: flow("inboundCall", "Main") },
          { path: "flows/b.yaml", text: flow("inboundCall", "main") },
          { path: "flows/c.yaml", text: flow("botFlow", "Main") },
        ],
      },
      [
        'flows/b.yaml:2: error DuplicateFlow: flow INBOUNDCALL "main" is also defined in flows/a.yaml; a flow set must define each (type, name) once (flow "main", field name)',
      ],
    ],
    [
      "a file that is not an Architect flow",
      { files: [{ path: "flows/schedule.yaml", text: "schedule:\n  name: Week 12\n" }] },
      [
        "flows/schedule.yaml:1: error NotAFlow: not an Architect flow: top-level key(s) schedule are not flow types (expected one top-level key among inboundCall, inboundChat, inboundEmail, inboundShortMessage, inqueueCall, inqueueEmail, inqueueShortMessage, outboundCall, secureCall, botFlow, digitalBot, commonModule, workflow, workitem, voicemail, surveyInvite, voiceSurvey, speech, voice, emailSend, businessProcess)",
      ],
    ],
    [
      "an alias bomb",
      {
        files: [
          {
            path: "flows/bomb.yaml",
            text: `inboundCall:\n  name: X\n  a: &a [1, 1]\n  b: &b [${"*a, ".repeat(8)}*a]\n  c: &c [${"*b, ".repeat(8)}*b]\n  d: [${"*c, ".repeat(8)}*c]\n`,
          },
        ],
      },
      [
        "flows/bomb.yaml:4: error AliasBomb: YAML alias bomb: aliases expand too much (Excessive alias count indicates a resource exhaustion attack)",
      ],
    ],
    [
      "an oversized file",
      {
        files: [
          {
            path: "flows/big.yaml",
            text: flow("inboundCall", "Big", `  description: ${"x".repeat(2 * 1024 * 1024)}\n`),
          },
        ],
      },
      ["flows/big.yaml: error TooLarge: file is 2097193 bytes; flow files are limited to 2097152 bytes"],
    ],
    [
      "a reference to a flow of the set with the wrong type",
      {
        files: [
          { path: "flows/main.yaml", text: flow("inboundShortMessage", "Main", bot("Helper")) },
          { path: "flows/helper.yaml", text: flow("inboundCall", "Helper") },
        ],
      },
      [
        'flows/main.yaml:5: error WrongFlowType: references BOT flow "Helper", but the set defines that name as INBOUNDCALL in flows/helper.yaml (flow "Main", field inboundShortMessage.callBotFlow.botFlow.Helper)',
      ],
    ],
    [
      "a dependency cycle",
      {
        files: [
          {
            path: "flows/a.yaml",
            text: flow(
              "commonModule",
              "A",
              "  callCommonModule:\n    commonModule:\n      B:\n        v: {}\n",
            ),
          },
          {
            path: "flows/b.yaml",
            text: flow(
              "commonModule",
              "B",
              "  callCommonModule:\n    commonModule:\n      C:\n        v: {}\n",
            ),
          },
          {
            path: "flows/c.yaml",
            text: flow(
              "commonModule",
              "C",
              "  callCommonModule:\n    commonModule:\n      A:\n        v: {}\n",
            ),
          },
        ],
      },
      [
        "flows/a.yaml: error DependencyCycle: dependency cycle: A -> B -> C -> A (files: flows/a.yaml -> flows/b.yaml -> flows/c.yaml -> flows/a.yaml)",
      ],
    ],
    [
      "a manifest dependsOn naming nothing in the set",
      { files: [{ path: "flows/a.yaml", text: flow("inboundCall", "A") }], extraDependsOn: { A: ["Ghost"] } },
      [
        'ivr-promoter.yaml: error UnknownDependsOn: dependsOn names "Ghost", which is neither a file nor a flow of the set (field dependsOn.A)',
      ],
    ],
  ])("%s", (_what, input, expected) => {
    expect(lint(input)).toEqual(expected);
  });

  it("collects errors across all files, not just the first", () => {
    const findings = lint({
      files: [
        { path: "flows/1.yaml", text: flow("inboundCall", "{{missing}}") },
        { path: "flows/2.yaml", text: "schedule: {}\n" },
        { path: "flows/3.yaml", text: "inboundCall:\n  name: [\n" },
        { path: "flows/4.yaml", text: flow("inboundCall", "Fine") },
      ],
    });
    expect(findings.map((f) => f.split(":")[0])).toEqual(["flows/1.yaml", "flows/2.yaml", "flows/3.yaml"]);
  });

  it("hashes the rendered text of each flow", () => {
    const set = buildFlowSet({
      files: [{ path: "flows/a.yaml", text: flow("inboundCall", "{{n}}") }],
      values: { n: "A" },
    });
    expect(set.flows[0]?.contentHash).toBe(
      "f8f19dc0d98c927f539ffa38d7a75983aff075568c8df417c78631906d238bea",
    );
    expect(set.flows[0]?.text).toBe("inboundCall:\n  name: A\n");
  });
});
