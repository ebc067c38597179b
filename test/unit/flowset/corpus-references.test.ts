import { describe, expect, it } from "vitest";
import type { ArchyFlow } from "../../../src/flowset/types.js";
import {
  CORPUS_PRESENT,
  CORPUS_SKIP_MESSAGE,
  corpusDivision,
  loadCorpusFlow,
  provenance,
  withSampleValues,
} from "./corpus.js";
import { derivedReferences } from "./provenance-references.js";

/** The flow's `division` reference, which PROVENANCE.md's columns leave out (every flow has one or none). */
function division(file: string): string[] {
  const name = corpusDivision(file);
  return name === undefined ? [] : [`division ${name}`];
}

/** `kind category/name flowType` strings: compact, order-free comparison of reference lists. */
function refs(flow: ArchyFlow): string[] {
  return flow.references
    .map(
      (r) => `${r.kind} ${r.category ? `${r.category}/` : ""}${r.name}${r.flowType ? ` ${r.flowType}` : ""}`,
    )
    .sort();
}

/**
 * The references of corpus files, checked by hand against PROVENANCE.md's reference columns (flow type
 * and name are checked for every file in corpus.test.ts, from the table itself). Placeholders are
 * rendered with `sample-<key>`.
 */
const EXPECTED_REFERENCES: Readonly<Record<string, readonly string[]>> = {
  "ani-blacklist/blacklist.yaml": [
    "dataAction sample-data_action_category/sample-data_action_name",
    "dataTable sample-data_table",
  ],
  "automated-callback/Proactive callback connect.yaml": [
    "contactList Proactive callbacks",
    "dataAction <integrationName>/Disconnect callback",
    "queue <targetQueueName>",
    "wrapupCode No Answer",
  ],
  // PROVENANCE lists the data action and the transfer; the error-handling queue is a publish-time
  // reference too (Archy resolves it by name), so it is reported.
  "automated-callback/Proactive callback offer.yaml": [
    "dataAction <integrationName>/Get callbacks waiting",
    "flow Trigger proactive callback workflow",
    "queue <targetQueueName>",
  ],
  "automated-callback/Proactive callback workbin.yaml": [
    "dataAction <integrationName>/Add contact to contact list",
    "dataAction <integrationName>/Create placeholder callback",
    "dataAction <integrationName>/Get interaction state",
  ],
  "aws-pipeline-cx-as-code/BasicBot.yaml": [],
  "aws-pipeline-cx-as-code/BasicMessageFlow.yaml": [
    "flow sample-bot_flow_name BOT",
    "queue sample-queue_name",
  ],
  "call-park/call-park-agent-inbound-flow.yaml": [
    "flow sample-in_queue_flow_name INQUEUECALL",
    "queue sample-queue_name",
  ],
  "call-park/default-in-queue-flow.yaml": [],
  "call-park/orbit-parked-call-retrieval.yaml": [
    "dataAction sample-data_action_category/sample-data_action_name_1",
    "dataAction sample-data_action_category/sample-data_action_name_2",
  ],
  "dr-webmessaging/MyEmergencyChatBot.yaml": [],
  "dr-webmessaging/MyWebMessenger.emergency-group.yaml": [
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
  "dr-webmessaging/MyWebMessenger.fallback.yaml": [
    "dataAction DR Callbacks/DR Create Callback ",
    "flow MyEmergencyChatBot BOT",
    "queue mychat-general-help",
  ],
  "email-aws-comprehend/EmailComprehendFlow.yaml": [
    "dataAction ComprehendDataAction/LookupQueueName",
    "queue GeneralSupport",
  ],
  "negative-sentiment-callback/Send_SMS_and_Create_Supervisor_Callback.yaml": [
    "dataAction sample-data_action_category/sample-create_scheduled_callback_name",
    "dataAction sample-data_action_category/sample-get_sentiment_name",
    "dataAction sample-data_action_category/sample-send_agentless_sms_name",
    "dataAction sample-data_action_category/sample-send_chat_group_notif_name",
    "dataAction sample-data_action_category/sample-update_external_tag_name",
  ],
  "simple-ivr-cx-as-code/SimpleFinancialIvr_v2-0.yaml": [
    "queue Simple Financial 401K queue",
    "queue Simple Financial IRA queue",
  ],
  "tf-provider-genesyscloud/inboundcall_flow_example3.yaml": [],
  "tf-provider-genesyscloud/outboundcall_flow_example.yaml": [
    "contactList sample-contact_list_name",
    "wrapupCode sample-wrapup_code_name",
  ],
  "tf-provider-genesyscloud/openhours_flow.yaml": [],
  "webchat-chatbot-lambda/DudeWheresMyStuffChat.yaml": [
    "dataAction sample-integration_category/sample-integration_data_action_name",
    "flow DudesWheresMyStuffBot BOT",
    "queue dude-cancellations",
    "queue dude-general-support",
  ],
  "webmessaging-knowledge-base/DevOpsKnowledgeChatBot_v2-0.yaml": ["knowledgeBase DevOpsKnowledgeBase"],
  "webmessaging-knowledge-base/DevOpsKnowledgeInbound_v1-0.yaml": ["flow DevOpsKnowledgeChatBot BOT"],
  "webmessaging-on-off-hours/del-webmessage_flow.yaml": [
    "flow hours_differentiator_webmessage_bot BOT",
    "queue chat11",
    "queue hours_differentiator_queue",
    "schedule hours_differentiator_schedule",
  ],
  "webmessaging-on-off-hours/webmessage_flow.yaml": [
    "flow hours_differentiator_webmessage_bot BOT",
    "queue chat11",
    "queue sample-acd_queue_name",
    "schedule sample-schedule_name",
  ],
  "webmessaging-triage-bot/web-messaging-triage-bot.yaml": [
    "dataAction sample-data_action_category/sample-data_action_name",
    "flow web-messaging-quick-response-bot BOT",
    "queue sample-queue_name",
  ],
};

/**
 * Where the parser knowingly reports more than PROVENANCE.md's reference columns list, and why. Each
 * entry is a reference string that is reported although the table does not list it.
 */
const REPORTED_BEYOND_PROVENANCE: Readonly<Record<string, readonly string[]>> = {
  // The error-handling queue of the in-queue flow is a publish-time reference too (Archy resolves it
  // by name); PROVENANCE lists only the data action and the transfer.
  "automated-callback/Proactive callback offer.yaml": ["queue <targetQueueName>"],
};

describe.skipIf(!CORPUS_PRESENT)(
  CORPUS_PRESENT ? "Archy corpus references (../shared/corpus/archy-flows)" : CORPUS_SKIP_MESSAGE,
  () => {
    it("only has expectations for files PROVENANCE.md lists (a renamed file must not drop out)", () => {
      const listed = new Set(provenance().map((e) => e.file));
      const named = [...Object.keys(EXPECTED_REFERENCES), ...Object.keys(REPORTED_BEYOND_PROVENANCE)];
      expect(named.filter((f) => !listed.has(f))).toEqual([]);
    });

    it.each(provenance().map((e) => [e.file, e] as const))(
      "%s: references as PROVENANCE.md's reference columns document them",
      (file, entry) => {
        const documented = derivedReferences(entry, withSampleValues).references;
        const expected = [
          ...documented,
          ...division(file),
          ...(REPORTED_BEYOND_PROVENANCE[file] ?? []),
        ].sort();
        const flow = loadCorpusFlow(file);
        expect(refs(flow)).toEqual(expected);
        // Expressions and ids (queue ids passed to data actions, `Flow.x` lookups) are not by-name
        // references; the parser must not turn them into a bogus name to look up in the target org.
        const unnamed = derivedReferences(entry, withSampleValues).unresolved.map((u) => u.name);
        const names = new Set(flow.references.map((r) => r.name));
        expect(unnamed.filter((n) => names.has(n))).toEqual([]);
      },
    );

    it.each(Object.entries(EXPECTED_REFERENCES))("%s: references as in PROVENANCE.md", (file, references) => {
      expect(refs(loadCorpusFlow(file))).toEqual([...references, ...division(file)].sort());
    });

    it("keeps line numbers and paths of references (rendering does not shift lines)", () => {
      const callPark = loadCorpusFlow("call-park/call-park-agent-inbound-flow.yaml");
      const inQueue = callPark.references.find((r) => r.kind === "flow");
      expect(inQueue).toMatchObject({
        line: 120,
        path: expect.stringMatching(/menuTransferToAcd\.overrideInQueueFlow\.name$/),
      });
      expect(callPark.references.find((r) => r.kind === "queue")?.line).toBe(118);
      const emergency = loadCorpusFlow("dr-webmessaging/MyWebMessenger.emergency-group.yaml");
      expect(emergency.references.find((r) => r.kind === "emergencyGroup")?.line).toBe(95);
    });

    it("does not report runtime lookups, action defaults or system prompts", () => {
      const email = loadCorpusFlow("email-aws-comprehend/EmailComprehendFlow.yaml");
      expect(email.references.map((r) => r.name)).not.toContain("State.QueueName");
      const offer = loadCorpusFlow("automated-callback/Proactive callback offer.yaml");
      expect(offer.references.some((r) => r.name.startsWith("PromptSystem"))).toBe(false);
      const chat = loadCorpusFlow("webchat-chatbot-lambda/DudeWheresMyStuffChat.yaml");
      expect(chat.references.some((r) => r.name.includes("Task.targetQueueIdOrName"))).toBe(false);
    });
  },
);
