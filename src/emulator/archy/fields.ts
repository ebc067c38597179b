import type { EmuReferenceKind } from "./reference.js";

/**
 * What the Architect import job resolves by name or id when it publishes a flow, written per KIND of
 * org object from Archy's documentation: the flow-authoring pages (each action's reference-bearing
 * settings, e.g. Transfer to ACD's Queue and In-Queue Flow, Call Data Action's category/action keys,
 * Evaluate Schedule Group's schedule group and emergency group, the outbound settings' contact list and
 * wrap-up code) and the expression-function reference (Find<Kind>, Find<Kind>ById, ToUser, ...).
 *
 * It is kept apart from the promoter's extractor (src/flowset) and laid out differently on purpose: it
 * stands in for Archy, so a reference the extractor misses must still fail an import here. Each kind
 * lists every field name under which its object is written, its `find<Kind>` action, and the expression
 * functions that take a literal name or id.
 */
interface KindFields {
  /** Fields whose `lit: {name: X}` (or, for flows, `name: X` / `X: {...}`) names this kind of object. */
  fields?: readonly string[];
  /** The `find<Kind>` action whose `findName: lit: X` is a name Archy checks when it publishes. */
  findAction?: string;
  /** Expression functions taking a literal name, e.g. `FindQueue("Sales")`. */
  byName?: readonly string[];
  /** Expression functions taking a literal id, e.g. `FindQueueById("…")`. */
  byId?: readonly string[];
  /** Top-level flow settings naming this kind (`inboundCall: {division: Home}`). */
  flowSetting?: string;
}

const CATALOG: Readonly<Record<EmuReferenceKind, KindFields>> = {
  queue: {
    // Transfer to ACD "Queue"; Find Queue; queue-typed variables and the Set Queue... settings.
    fields: ["targetQueue", "queue", "queues", "queueVariable"],
    findAction: "findQueue",
    byName: ["FindQueue"],
    byId: ["FindQueueById"],
  },
  dataAction: {}, // `category: {<Integration>: {dataAction: {<Action>: ...}}}`, see collect.ts
  schedule: {
    fields: ["schedule", "selectedSchedule"],
    findAction: "findSchedule",
    byName: ["FindSchedule"],
    byId: ["FindScheduleById"],
  },
  scheduleGroup: {
    fields: ["scheduleGroup", "selectedScheduleGroup"],
    findAction: "findScheduleGroup",
    byName: ["FindScheduleGroup"],
    byId: ["FindScheduleGroupById"],
  },
  userPrompt: {
    // Hold music and processing prompts of the in-queue/bot settings; `Prompt.<Name>` in expressions.
    fields: ["holdMusic", "processingPrompt", "prompt"],
    findAction: "findUserPrompt",
    byName: ["FindUserPrompt"],
    byId: ["FindUserPromptById"],
  },
  emergencyGroup: {
    fields: ["emergencyGroup"],
    findAction: "findEmergencyGroup",
    byName: ["FindEmergencyGroup"],
    byId: ["FindEmergencyGroupById"],
  },
  dataTable: { fields: ["dataTable"] }, // Data Table Lookup: `dataTable: {<Table>: {...}}`
  contactList: { fields: ["contactList"] },
  wrapupCode: { fields: ["wrapupCode"] },
  knowledgeBase: { fields: ["knowledgeBase"] }, // `settingsKnowledge: {<Base>: {...}}`, see collect.ts
  skill: {
    fields: ["skill", "skills"],
    findAction: "findSkill",
    byName: ["FindSkill"],
    byId: ["FindSkillById"],
  },
  language: {
    fields: ["languageSkill", "defaultLanguageSkill"],
    findAction: "findLanguageSkill",
    byName: ["FindLanguageSkill"],
    byId: ["FindLanguageSkillById"],
  },
  user: {
    // Transfer to User / Transfer to Voicemail; Find User by name (`FindUser`) or id.
    fields: ["targetUser", "user"],
    findAction: "findUser",
    byName: ["FindUser"],
    byId: ["FindUserById"],
  },
  group: {
    fields: ["targetGroup", "group"],
    findAction: "findGroup",
    byName: ["FindGroup"],
    byId: ["FindGroupById"],
  },
  flow: {
    // Transfer to Flow / Secure Flow, Call Common Module, Call Bot Flow / Digital Bot Flow, in-queue flows.
    fields: [
      "targetFlow",
      "overrideInQueueFlow",
      "inQueueFlow",
      "botFlow",
      "digitalBotFlow",
      "digitalBot",
      "commonModule",
    ],
  },
  division: { flowSetting: "division" },
};

const entries = Object.entries(CATALOG) as Array<[EmuReferenceKind, KindFields]>;

/** Field name → the kind of object it names (the nearest such ancestor of a `lit` wins). */
export const NAMED_BY_KEY: ReadonlyMap<string, EmuReferenceKind> = new Map(
  entries.flatMap(([kind, f]) => (f.fields ?? []).map((field) => [field, kind] as const)),
);
/** `find<Kind>` action → kind. */
export const FIND_ACTIONS: ReadonlyMap<string, EmuReferenceKind> = new Map(
  entries.flatMap(([kind, f]) => (f.findAction ? [[f.findAction, kind] as const] : [])),
);
/** Top-level flow setting → kind. */
export const FLOW_SETTINGS: ReadonlyMap<string, EmuReferenceKind> = new Map(
  entries.flatMap(([kind, f]) => (f.flowSetting ? [[f.flowSetting, kind] as const] : [])),
);
/** Fields naming a flow directly (`commonModule: {name: X}` or `commonModule: {X: {...}}`). */
export const FLOW_FIELDS: ReadonlySet<string> = new Set(CATALOG.flow.fields);

const BY_NAME = new Map(entries.flatMap(([kind, f]) => (f.byName ?? []).map((fn) => [fn, kind] as const)));
const BY_ID = new Map(entries.flatMap(([kind, f]) => (f.byId ?? []).map((fn) => [fn, kind] as const)));

/** Keys that wrap a value rather than type it (skipped when looking for the kind-giving key). */
export const WRAPPERS: ReadonlySet<string> = new Set(["lit", "value", "initialValue", "noValue"]);
/** Value forms of a reference: never object names themselves. */
export const VALUE_FORMS: ReadonlySet<string> = new Set(["lit", "exp", "var", "noValue", "name"]);
/** Action defaults are settings, not references. */
export const DEFAULTS: ReadonlySet<string> = new Set(["settingsActionDefaults"]);

const CALL = /\b([A-Z][A-Za-z]*)\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)/g;
const STRING = /"(?:[^"\\]|\\.)*"/g;
const PROMPT = /\bPrompt\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** References an expression makes with literal arguments, and `Prompt.X` user prompts outside string literals. */
export function expressionReferences(
  expression: string,
): Array<{ kind: EmuReferenceKind; name: string; byId?: boolean }> {
  const out: Array<{ kind: EmuReferenceKind; name: string; byId?: boolean }> = [];
  for (const [, fn = "", raw = ""] of expression.matchAll(CALL)) {
    const arg = raw.replace(/\\(.)/g, "$1");
    if (!arg.trim()) continue;
    const byName = BY_NAME.get(fn);
    const byId = BY_ID.get(fn);
    if (byName) out.push({ kind: byName, name: arg });
    else if (byId) out.push({ kind: byId, name: arg, byId: true });
  }
  for (const [, name = ""] of expression.replace(STRING, '""').matchAll(PROMPT))
    out.push({ kind: "userPrompt", name });
  return out;
}

/**
 * The flow type a flow field fixes (`undefined`: any type with that name): a bot call needs a bot, a
 * common-module call a common module, a secure transfer a secure flow, an in-queue flow the in-queue
 * type of the flow's media.
 */
export function flowTypeOfField(
  key: string,
  parent: string | undefined,
  inQueueType: string,
): string | undefined {
  if (key === "botFlow") return "BOT";
  if (key === "digitalBotFlow" || key === "digitalBot") return "DIGITALBOT";
  if (key === "commonModule") return "COMMONMODULE";
  if (key === "overrideInQueueFlow" || key === "inQueueFlow") return inQueueType;
  if (key === "targetFlow" && (parent === "transferToFlowSecure" || parent === "transferToSecureFlow"))
    return "SECURECALL";
  return undefined;
}
