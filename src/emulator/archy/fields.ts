import type { EmuReferenceKind } from "./reference.js";

/**
 * Reference-bearing fields of Archy YAML, from the Archy documentation (flow authoring lessons and
 * the action reference): which key names which kind of org object, and which expression functions
 * look one up with a literal argument.
 */

/** `<key>: lit: { name: X }` names an object of this kind (the nearest such ancestor key wins). */
export const NAMED_BY_KEY: Readonly<Record<string, EmuReferenceKind>> = {
  targetQueue: "queue",
  queue: "queue",
  queues: "queue",
  queueVariable: "queue",
  contactList: "contactList",
  wrapupCode: "wrapupCode",
  selectedSchedule: "schedule",
  schedule: "schedule",
  scheduleGroup: "scheduleGroup",
  selectedScheduleGroup: "scheduleGroup",
  emergencyGroup: "emergencyGroup",
  holdMusic: "userPrompt",
  processingPrompt: "userPrompt",
  prompt: "userPrompt",
  dataTable: "dataTable",
  knowledgeBase: "knowledgeBase",
  skill: "skill",
  skills: "skill",
  languageSkill: "language",
  defaultLanguageSkill: "language",
  targetUser: "user",
  user: "user",
  targetGroup: "group",
  group: "group",
  targetFlow: "flow",
  overrideInQueueFlow: "flow",
  inQueueFlow: "flow",
  botFlow: "flow",
  digitalBotFlow: "flow",
  digitalBot: "flow",
  commonModule: "flow",
};

/** Keys that wrap a value rather than type it (skipped when looking for the kind-giving key). */
export const WRAPPERS: ReadonlySet<string> = new Set(["lit", "value", "initialValue", "noValue"]);
/** Value forms of a reference: never object names themselves. */
export const VALUE_FORMS: ReadonlySet<string> = new Set(["lit", "exp", "var", "noValue", "name"]);
/** Action defaults are settings, not references. */
export const DEFAULTS: ReadonlySet<string> = new Set(["settingsActionDefaults"]);

/** `find<Kind>: findName: lit: X` actions. */
export const FIND_ACTIONS: Readonly<Record<string, EmuReferenceKind>> = {
  findQueue: "queue",
  findSkill: "skill",
  findLanguageSkill: "language",
  findGroup: "group",
  findUser: "user",
  findSchedule: "schedule",
  findScheduleGroup: "scheduleGroup",
  findEmergencyGroup: "emergencyGroup",
  findUserPrompt: "userPrompt",
};

/** Expression functions taking a literal name (`FindQueue("Sales")`). */
const BY_NAME: Readonly<Record<string, EmuReferenceKind>> = {
  FindQueue: "queue",
  FindEmergencyGroup: "emergencyGroup",
  FindScheduleGroup: "scheduleGroup",
  FindSchedule: "schedule",
  FindSkill: "skill",
  FindLanguageSkill: "language",
  FindGroup: "group",
  FindUserPrompt: "userPrompt",
  FindUser: "user",
};

/** Expression functions taking a literal id (`FindQueueById("…")`): Architect resolves those at publish too. */
const BY_ID: Readonly<Record<string, EmuReferenceKind>> = {
  FindQueueById: "queue",
  FindUserById: "user",
  FindGroupById: "group",
  FindSkillById: "skill",
  FindLanguageSkillById: "language",
  FindScheduleById: "schedule",
  FindScheduleGroupById: "scheduleGroup",
  FindEmergencyGroupById: "emergencyGroup",
  FindUserPromptById: "userPrompt",
};

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
    const byName = BY_NAME[fn];
    const byId = BY_ID[fn];
    if (byName) out.push({ kind: byName, name: arg });
    else if (byId) out.push({ kind: byId, name: arg, byId: true });
  }
  for (const [, name = ""] of expression.replace(STRING, '""').matchAll(PROMPT))
    out.push({ kind: "userPrompt", name });
  return out;
}

/** The flow type a flow-reference key fixes (`undefined`: any type with that name). */
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

/** Keys whose value names a flow directly (`commonModule: { name: X }` or `commonModule: { X: {...} }`). */
export const FLOW_FIELDS: ReadonlySet<string> = new Set(
  Object.entries(NAMED_BY_KEY)
    .filter(([, k]) => k === "flow")
    .map(([key]) => key),
);
