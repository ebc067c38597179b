import { describe, expect, it } from "vitest";
import { parseArchyFlow } from "../../../src/flowset/archy.js";
import { renderFlowText } from "../../../src/flowset/render.js";
import type { ArchyFlow } from "../../../src/flowset/types.js";
import { CORPUS_PRESENT, CORPUS_SKIP_MESSAGE, corpusFiles, corpusText, sampleValues } from "./corpus.js";

if (!CORPUS_PRESENT) console.warn(CORPUS_SKIP_MESSAGE);

/** Renders a corpus file with a generated value for every placeholder, then parses it. */
function load(file: string, overrides: Record<string, string> = {}): ArchyFlow {
  const text = corpusText(file);
  const rendered = renderFlowText(text, sampleValues(text, overrides), { file });
  expect(rendered.findings).toEqual([]);
  return parseArchyFlow(rendered.text, file);
}

/** `kind category/name flowType` strings: compact, order-free comparison of reference lists. */
function refs(flow: ArchyFlow): string[] {
  return flow.references
    .map(
      (r) => `${r.kind} ${r.category ? `${r.category}/` : ""}${r.name}${r.flowType ? ` ${r.flowType}` : ""}`,
    )
    .sort();
}

describe.skipIf(!CORPUS_PRESENT)("Archy corpus (../shared/corpus/archy-flows)", () => {
  const files = corpusFiles();

  it("has the 41 files PROVENANCE.md describes", () => {
    expect(files).toHaveLength(41);
  });

  it.each(files)("%s renders with generated values and parses", (file) => {
    const flow = load(file);
    expect(flow.name).not.toContain("{{");
    expect(flow.apiType).toMatch(/^[A-Z]+$/);
  });

  // Values that would break a blind text replace: a colon-space, a comment marker, quotes, a leading `&`.
  const nasty = (key: string): string => `&${key}: "it's" #1`;
  it.each(files)("%s stays valid YAML with values that need quoting", (file) => {
    const text = corpusText(file);
    const values = Object.fromEntries(Object.keys(sampleValues(text)).map((k) => [k, nasty(k)]));
    const rendered = renderFlowText(text, values, { file });
    expect(rendered.findings).toEqual([]);
    const flow = parseArchyFlow(rendered.text, file);
    if (/^\s*name: ["']?\{\{\s*flow_name\s*\}\}/m.test(text)) expect(flow.name).toBe(nasty("flow_name"));
    expect(rendered.text.split("\n")).toHaveLength(text.split("\n").length);
  });

  const expected: Array<
    [file: string, archyType: string, apiType: string, name: string, references: string[]]
  > = [
    [
      "ani-blacklist/blacklist.yaml",
      "workflow",
      "WORKFLOW",
      "sample-flow_name",
      ["dataAction sample-data_action_category/sample-data_action_name", "dataTable sample-data_table"],
    ],
    [
      "automated-callback/Proactive callback connect.yaml",
      "outboundCall",
      "OUTBOUNDCALL",
      "Proactive callback connect",
      [
        "contactList Proactive callbacks",
        "dataAction <integrationName>/Disconnect callback",
        "queue <targetQueueName>",
        "wrapupCode No Answer",
      ],
    ],
    // PROVENANCE lists the data action and the transfer; the error-handling queue is a publish-time
    // reference too (Archy resolves it by name), so it is reported.
    [
      "automated-callback/Proactive callback offer.yaml",
      "inqueueCall",
      "INQUEUECALL",
      "Proactive callbacks",
      [
        "dataAction <integrationName>/Get callbacks waiting",
        "flow Trigger proactive callback workflow",
        "queue <targetQueueName>",
      ],
    ],
    [
      "automated-callback/Proactive callback workbin.yaml",
      "workflow",
      "WORKFLOW",
      "Proactive callback workbin",
      [
        "dataAction <integrationName>/Add contact to contact list",
        "dataAction <integrationName>/Create placeholder callback",
        "dataAction <integrationName>/Get interaction state",
      ],
    ],
    ["aws-pipeline-cx-as-code/BasicBot.yaml", "botFlow", "BOT", "sample-bot_name", []],
    [
      "aws-pipeline-cx-as-code/BasicMessageFlow.yaml",
      "inboundShortMessage",
      "INBOUNDSHORTMESSAGE",
      "sample-flow_name",
      ["flow sample-bot_flow_name BOT", "queue sample-queue_name"],
    ],
    [
      "call-park/call-park-agent-inbound-flow.yaml",
      "inboundCall",
      "INBOUNDCALL",
      "sample-flow_name",
      ["flow sample-in_queue_flow_name INQUEUECALL", "queue sample-queue_name"],
    ],
    ["call-park/default-in-queue-flow.yaml", "inqueueCall", "INQUEUECALL", "sample-flow_name", []],
    [
      "call-park/orbit-parked-call-retrieval.yaml",
      "inboundCall",
      "INBOUNDCALL",
      "sample-flow_name",
      [
        "dataAction sample-data_action_category/sample-data_action_name_1",
        "dataAction sample-data_action_category/sample-data_action_name_2",
      ],
    ],
    ["dr-webmessaging/MyEmergencyChatBot.yaml", "botFlow", "BOT", "MyEmergencyChatBot", []],
    [
      "dr-webmessaging/MyWebMessenger.emergency-group.yaml",
      "inboundShortMessage",
      "INBOUNDSHORTMESSAGE",
      "sample-flow_name",
      [
        "dataAction DR Callbacks/DR Create Callback ",
        "emergencyGroup My Organization Evacuation Emergency Group",
        "flow MyChatBot BOT",
        "flow MyEmergencyChatBot BOT",
        "queue mychat-brokerage",
        "queue mychat-general-help",
        "queue mychat-health-insurance",
        "queue mychat-life-annuity",
        "queue mychat-life-insurance",
        "queue mychat-mutual-funds",
      ],
    ],
    [
      "dr-webmessaging/MyWebMessenger.fallback.yaml",
      "inboundShortMessage",
      "INBOUNDSHORTMESSAGE",
      "MyWebMessenger-Fallback",
      [
        "dataAction DR Callbacks/DR Create Callback ",
        "flow MyEmergencyChatBot BOT",
        "queue mychat-general-help",
      ],
    ],
    [
      "email-aws-comprehend/EmailComprehendFlow.yaml",
      "inboundEmail",
      "INBOUNDEMAIL",
      "EmailAWSComprehendFlow",
      ["dataAction ComprehendDataAction/LookupQueueName", "queue GeneralSupport"],
    ],
    [
      "negative-sentiment-callback/Send_SMS_and_Create_Supervisor_Callback.yaml",
      "workflow",
      "WORKFLOW",
      "sample-flow_name",
      [
        "dataAction sample-data_action_category/sample-create_scheduled_callback_name",
        "dataAction sample-data_action_category/sample-get_sentiment_name",
        "dataAction sample-data_action_category/sample-send_agentless_sms_name",
        "dataAction sample-data_action_category/sample-send_chat_group_notif_name",
        "dataAction sample-data_action_category/sample-update_external_tag_name",
      ],
    ],
    [
      "simple-ivr-cx-as-code/SimpleFinancialIvr_v2-0.yaml",
      "inboundCall",
      "INBOUNDCALL",
      "SimpleFinancialIvr",
      ["queue Simple Financial 401K queue", "queue Simple Financial IRA queue"],
    ],
    [
      "tf-provider-genesyscloud/inboundcall_flow_example3.yaml",
      "inboundEmail",
      "INBOUNDEMAIL",
      "Terraform Flow Test-fbfcd724-b60f-4aa4-8ca4-766495a40e42",
      [],
    ],
    [
      "tf-provider-genesyscloud/outboundcall_flow_example.yaml",
      "outboundCall",
      "OUTBOUNDCALL",
      "sample-flow_name",
      ["contactList sample-contact_list_name", "wrapupCode sample-wrapup_code_name"],
    ],
    ["tf-provider-genesyscloud/openhours_flow.yaml", "inboundCall", "INBOUNDCALL", "OpenHours_Flow", []],
    [
      "webchat-chatbot-lambda/DudeWheresMyStuffChat.yaml",
      "inboundChat",
      "INBOUNDCHAT",
      "sample-flow_name",
      [
        "dataAction sample-integration_category/sample-integration_data_action_name",
        "flow DudesWheresMyStuffBot BOT",
        "queue dude-cancellations",
        "queue dude-general-support",
      ],
    ],
    [
      "webmessaging-knowledge-base/DevOpsKnowledgeChatBot_v2-0.yaml",
      "botFlow",
      "BOT",
      "sample-flow_name",
      ["knowledgeBase DevOpsKnowledgeBase"],
    ],
    [
      "webmessaging-knowledge-base/DevOpsKnowledgeInbound_v1-0.yaml",
      "inboundShortMessage",
      "INBOUNDSHORTMESSAGE",
      "sample-flow_name",
      ["flow DevOpsKnowledgeChatBot BOT"],
    ],
    [
      "webmessaging-on-off-hours/del-webmessage_flow.yaml",
      "inboundShortMessage",
      "INBOUNDSHORTMESSAGE",
      "chat_bot_hours_differentiator",
      [
        "flow hours_differentiator_webmessage_bot BOT",
        "queue chat11",
        "queue hours_differentiator_queue",
        "schedule hours_differentiator_schedule",
      ],
    ],
    [
      "webmessaging-on-off-hours/webmessage_flow.yaml",
      "inboundShortMessage",
      "INBOUNDSHORTMESSAGE",
      "chat_bot_hours_differentiator",
      [
        "flow hours_differentiator_webmessage_bot BOT",
        "queue chat11",
        "queue sample-acd_queue_name",
        "schedule sample-schedule_name",
      ],
    ],
    [
      "webmessaging-triage-bot/web-messaging-triage-bot.yaml",
      "inboundShortMessage",
      "INBOUNDSHORTMESSAGE",
      "sample-flow_name",
      [
        "dataAction sample-data_action_category/sample-data_action_name",
        "flow web-messaging-quick-response-bot BOT",
        "queue sample-queue_name",
      ],
    ],
  ];

  it.each(expected)(
    "%s: type %s (%s), name %s, references as in PROVENANCE.md",
    (file, archyType, apiType, name, references) => {
      const flow = load(file);
      expect(flow.archyType).toBe(archyType);
      expect(flow.apiType).toBe(apiType);
      expect(flow.name).toBe(name);
      expect(refs(flow)).toEqual([...references].sort());
    },
  );

  it("keeps line numbers and paths of references (rendering does not shift lines)", () => {
    const callPark = load("call-park/call-park-agent-inbound-flow.yaml");
    const inQueue = callPark.references.find((r) => r.kind === "flow");
    expect(inQueue).toMatchObject({
      line: 120,
      path: expect.stringMatching(/menuTransferToAcd\.overrideInQueueFlow\.name$/),
    });
    expect(callPark.references.find((r) => r.kind === "queue")?.line).toBe(118);
    const emergency = load("dr-webmessaging/MyWebMessenger.emergency-group.yaml");
    expect(emergency.references.find((r) => r.kind === "emergencyGroup")?.line).toBe(95);
  });

  it("does not report runtime lookups, action defaults or system prompts", () => {
    const email = load("email-aws-comprehend/EmailComprehendFlow.yaml");
    expect(email.references.map((r) => r.name)).not.toContain("State.QueueName");
    const offer = load("automated-callback/Proactive callback offer.yaml");
    expect(offer.references.some((r) => r.name.startsWith("PromptSystem"))).toBe(false);
    const chat = load("webchat-chatbot-lambda/DudeWheresMyStuffChat.yaml");
    expect(chat.references.some((r) => r.name.includes("Task.targetQueueIdOrName"))).toBe(false);
  });
});
