import { describe, expect, it } from "vitest";
import { buildFlowSet, type FlowSet } from "../../../src/flowset/flow-set.js";
import { CORPUS_PRESENT, CORPUS_SKIP_MESSAGE, corpusFiles, corpusText, sampleValues } from "./corpus.js";

/**
 * The cross-flow chains of PROVENANCE.md, built the way their source repositories deploy them:
 * per-file substitution maps (Terraform's genesyscloud_flow `substitutions`), one folder = one set.
 */
function folderSet(
  folder: string,
  fileValues: Record<string, Record<string, string>>,
  extraDependsOn?: Record<string, string[]>,
): FlowSet {
  const files = corpusFiles()
    .filter((f) => f.startsWith(`${folder}/`))
    .map((f) => ({ path: f.slice(folder.length + 1), text: corpusText(f) }));
  return buildFlowSet({
    files,
    values: {},
    fileValues,
    environment: "dev",
    ...(extraDependsOn ? { extraDependsOn } : {}),
  });
}

/** Per-file values for every placeholder of `folder`'s files: `sample-<key>`, except `overrides`. */
function sampleFileValues(
  folder: string,
  overrides: Record<string, Record<string, string>>,
): Record<string, Record<string, string>> {
  const files = corpusFiles().filter((f) => f.startsWith(`${folder}/`));
  return Object.fromEntries(
    files.map((f) => {
      const file = f.slice(folder.length + 1);
      return [file, sampleValues(corpusText(f), overrides[file] ?? {})];
    }),
  );
}

const names = (set: FlowSet): string[][] => set.order.map((level) => level.map((f) => f.flow.name));
const edges = (set: FlowSet): string[] => set.edges.map((e) => `${e.from} -> ${e.to}`).sort();
const errors = (set: FlowSet): string[] =>
  set.findings.filter((f) => f.severity === "error").map((f) => `${f.file}: ${f.code}: ${f.message}`);

const TITLE = CORPUS_PRESENT ? "cross-flow chains of the corpus" : CORPUS_SKIP_MESSAGE;

describe.skipIf(!CORPUS_PRESENT)(TITLE, () => {
  it("call-park: the agent inbound flow's in-queue flow is the hold flow (only after substitution)", () => {
    const hold = "InQueue - Orbit Call Park Hold - CX";
    const set = folderSet("call-park", {
      "call-park-agent-inbound-flow.yaml": {
        flow_name: "Call Park Agent Inbound",
        division_name: "Home",
        in_queue_flow_name: hold,
        queue_name: "Call Park",
      },
      "in-queue-orbit-call-park-hold.yaml": { flow_name: hold, division_name: "Home" },
      "default-in-queue-flow.yaml": { flow_name: "Default In-Queue - CX", division_name: "Home" },
      "orbit-parked-call-retrieval.yaml": {
        flow_name: "Orbit Parked Call Retrieval",
        division_name: "Home",
        data_action_category: "Call Park",
        data_action_name_1: "Get Parked Call",
        data_action_name_2: "Pick Up Parked Call",
        queue_id: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
      },
    });
    expect(errors(set)).toEqual([]);
    expect(edges(set)).toEqual(["call-park-agent-inbound-flow.yaml -> in-queue-orbit-call-park-hold.yaml"]);
    expect(set.edges[0]?.reference).toMatchObject({ kind: "flow", name: hold, flowType: "INQUEUECALL" });
    expect(names(set)).toEqual([
      ["Default In-Queue - CX", hold, "Orbit Parked Call Retrieval"],
      ["Call Park Agent Inbound"],
    ]);
    const external = set.external.map((e) => `${e.reference.kind} ${e.reference.name}`).sort();
    expect(external).toEqual([
      "dataAction Get Parked Call",
      "dataAction Pick Up Parked Call",
      "division Home",
      "queue Call Park",
    ]);
  });

  it("webchat-chatbot-lambda: the chat flow calls the bot by its literal (= substituted) name", () => {
    const set = folderSet("webchat-chatbot-lambda", {
      "DudeWheresMyStuffChat.yaml": {
        flow_name: "DudeWheresMyStuffChat",
        default_language: "en-us",
        integration_category: "Dude Lambda",
        integration_data_action_name: "Lookup Order",
      },
      "DudesWheresMyStuffBot.yaml": { flow_name: "DudesWheresMyStuffBot", default_language: "en-us" },
    });
    expect(errors(set)).toEqual([]);
    expect(edges(set)).toEqual(["DudeWheresMyStuffChat.yaml -> DudesWheresMyStuffBot.yaml"]);
    expect(names(set)).toEqual([["DudesWheresMyStuffBot"], ["DudeWheresMyStuffChat"]]);
  });

  it("webmessaging-triage-bot: the triage flow calls the quick-response bot", () => {
    const set = folderSet("webmessaging-triage-bot", {
      "quick-response-bot.yaml": {
        flow_name: "web-messaging-quick-response-bot",
        division: "Home",
        default_language: "en-us",
      },
      "web-messaging-triage-bot.yaml": {
        flow_name: "web-messaging-triage",
        division: "Home",
        default_language: "en-us",
        queue_name: "Triage",
        data_action_category: "Triage",
        data_action_name: "Classify",
      },
    });
    expect(errors(set)).toEqual([]);
    expect(names(set)).toEqual([["web-messaging-quick-response-bot"], ["web-messaging-triage"]]);
  });

  it("dr-webmessaging: both messengers call the emergency bot, the main one also MyChatBot", () => {
    const set = folderSet("dr-webmessaging", {
      "MyChatBot.yaml": { flow_name: "MyChatBot", default_language: "en-us" },
      "MyWebMessenger.emergency-group.yaml": { flow_name: "MyWebMessenger", default_language: "en-us" },
    });
    expect(errors(set)).toEqual([]);
    expect(edges(set)).toEqual([
      "MyWebMessenger.emergency-group.yaml -> MyChatBot.yaml",
      "MyWebMessenger.emergency-group.yaml -> MyEmergencyChatBot.yaml",
      "MyWebMessenger.fallback.yaml -> MyEmergencyChatBot.yaml",
    ]);
    expect(names(set)).toEqual([
      ["MyChatBot", "MyEmergencyChatBot"],
      ["MyWebMessenger", "MyWebMessenger-Fallback"],
    ]);
    const group = set.external.find((e) => e.reference.kind === "emergencyGroup");
    expect(group?.reference.name).toBe("My Organization Evacuation Emergency Group");
  });

  it("aws-pipeline-cx-as-code and webmessaging-knowledge-base: inbound message flow after its bot", () => {
    const aws = folderSet("aws-pipeline-cx-as-code", {
      "BasicBot.yaml": { bot_name: "BasicBot", division: "Home", default_language: "en-us" },
      "BasicMessageFlow.yaml": {
        flow_name: "BasicMessageFlow",
        division: "Home",
        default_language: "en-us",
        queue_name: "General",
        bot_flow_name: "BasicBot",
      },
    });
    expect(names(aws)).toEqual([["BasicBot"], ["BasicMessageFlow"]]);
    const kb = folderSet("webmessaging-knowledge-base", {
      "DevOpsKnowledgeChatBot_v2-0.yaml": { flow_name: "DevOpsKnowledgeChatBot", default_language: "en-us" },
      "DevOpsKnowledgeInbound_v1-0.yaml": { flow_name: "DevOpsKnowledgeInbound", default_language: "en-us" },
    });
    expect(names(kb)).toEqual([["DevOpsKnowledgeChatBot"], ["DevOpsKnowledgeInbound"]]);
    expect(kb.external.map((e) => `${e.reference.kind} ${e.reference.name}`)).toEqual([
      "division New Home",
      "knowledgeBase DevOpsKnowledgeBase",
    ]);
  });

  it("automated-callback: the by-name transfer is found; the by-ID workflow link needs a manifest dependsOn", () => {
    const withoutManifest = folderSet("automated-callback", {});
    expect(edges(withoutManifest)).toEqual([
      "Proactive callback offer.yaml -> Trigger proactive callback workflow.yaml",
    ]);
    // The source script publishes connect, workbin, then trigger, then offer.
    const set = folderSet(
      "automated-callback",
      {},
      { "Trigger proactive callback workflow": ["Proactive callback workbin.yaml"] },
    );
    expect(errors(set)).toEqual([]);
    expect(names(set)).toEqual([
      ["Proactive callback connect", "Proactive callback workbin"],
      ["Trigger proactive callback workflow"],
      ["Proactive callbacks"],
    ]);
  });

  it("webmessaging-on-off-hours: the concrete twin defines the same flow twice", () => {
    const set = folderSet("webmessaging-on-off-hours", {
      "webmessage_flow.yaml": {
        acd_queue_name: "hours_differentiator_queue",
        schedule_name: "hours_differentiator_schedule",
      },
    });
    expect(errors(set)).toEqual([
      'webmessage_flow.yaml: DuplicateFlow: flow INBOUNDSHORTMESSAGE "chat_bot_hours_differentiator" is also defined in del-webmessage_flow.yaml; a flow set must define each (type, name) once',
    ]);
    expect(names(set)).toEqual([["hours_differentiator_webmessage_bot"], ["chat_bot_hours_differentiator"]]);
  });

  it("merge-ephemeral-contact: the message flow calls bot and common module under other key names", () => {
    // Terraform passes one value under two keys (bot_flow_name / bot_name, common_module_name /
    // module_name); the links exist only when both files get it.
    const bot = "Merge External Contact Bot";
    const module = "Resolve Contact";
    const set = folderSet(
      "merge-ephemeral-contact",
      sampleFileValues("merge-ephemeral-contact", {
        "MergeExternalContactMessageFlow.yaml": { bot_flow_name: bot, common_module_name: module },
        "MergeExternalContactBot.yaml": { bot_name: bot },
        "ResolveContact.yaml": { module_name: module },
      }),
    );
    expect(errors(set)).toEqual([]);
    expect(edges(set)).toEqual([
      "MergeExternalContactMessageFlow.yaml -> MergeExternalContactBot.yaml",
      "MergeExternalContactMessageFlow.yaml -> ResolveContact.yaml",
    ]);
    expect(names(set)).toEqual([[bot, module], ["sample-flow_name"]]);
  });

  it("send-transcript-by-email: the workflow calls the common module; the message flow stands alone", () => {
    const set = folderSet(
      "send-transcript-by-email",
      sampleFileValues("send-transcript-by-email", {
        "message-conv-with-transcript.yaml": { inbound_message_flow_name: "Message With Transcript" },
      }),
    );
    expect(errors(set)).toEqual([]);
    expect(edges(set)).toEqual(["send-message-transcript-to-customer-by-email.yaml -> resolve-contact.yaml"]);
    expect(set.edges[0]?.reference).toMatchObject({ kind: "flow", flowType: "COMMONMODULE" });
    expect(names(set)).toEqual([
      ["Message With Transcript", "sample-common_module_name"],
      ["sample-workflow_name"],
    ]);
  });
});
