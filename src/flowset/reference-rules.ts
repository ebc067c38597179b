import type { ReferenceKind } from "./types.js";

/**
 * The vocabulary that tells which org object a by-name reference points at. Archy names objects in a
 * few syntaxes (see the corpus PROVENANCE notation); the KIND comes from the key the value sits under.
 */

/** Keys whose `lit: {name: X}` child names an object of that kind. Nearest such ancestor key wins. */
export const LIT_NAME_KIND: Readonly<Record<string, ReferenceKind>> = {
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

/** Keys skipped when looking for the kind-giving ancestor of a `lit` (they wrap values, they do not type them). */
export const TRANSPARENT_KEYS: ReadonlySet<string> = new Set(["lit", "value", "initialValue", "noValue"]);

/** Keys whose subtree holds defaults for actions, not references (PROVENANCE: "defaults, not references"). */
export const DEFAULTS_KEYS: ReadonlySet<string> = new Set(["settingsActionDefaults"]);

/** Keys whose children are the VALUE forms of a reference rather than names (runtime or empty). */
export const NON_NAME_KEYS: ReadonlySet<string> = new Set(["lit", "exp", "var", "noValue", "name"]);

/**
 * Flow-reference keys and the API flow type their construct fixes; `undefined` = any type.
 * `parentKey` is the action key around it (transferToFlow vs transferToFlowSecure), `ownType` the
 * API type of the referencing flow (an in-queue flow serves the media of the flow that transfers).
 */
export function flowTypeOfRefKey(
  key: string,
  parentKey: string | undefined,
  inQueueType: string,
): string | undefined {
  switch (key) {
    case "botFlow":
      return "BOT";
    case "digitalBotFlow":
    case "digitalBot":
      return "DIGITALBOT";
    case "commonModule":
      return "COMMONMODULE";
    case "overrideInQueueFlow":
    case "inQueueFlow":
      return inQueueType;
    case "targetFlow":
      return parentKey === "transferToFlowSecure" || parentKey === "transferToSecureFlow"
        ? "SECURECALL"
        : undefined;
    default:
      return undefined;
  }
}

/** Flow-reference keys (the ones {@link flowTypeOfRefKey} knows), for the bare-name and key forms. */
export const FLOW_REF_KEYS: ReadonlySet<string> = new Set(
  Object.entries(LIT_NAME_KIND)
    .filter(([, kind]) => kind === "flow")
    .map(([key]) => key),
);

/** Runtime-lookup actions whose `findName: lit: X` is a name known at deploy time. */
export function kindOfFindAction(actionKey: string): ReferenceKind | undefined {
  const table: Record<string, ReferenceKind> = {
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
  return table[actionKey];
}

/** Expression functions that look an object up by a name; a literal argument is a deploy-time reference. */
const FIND_FUNCTIONS: Readonly<Record<string, ReferenceKind>> = {
  FindQueue: "queue",
  FindEmergencyGroup: "emergencyGroup",
  FindScheduleGroup: "scheduleGroup",
  FindSchedule: "schedule",
  FindSkill: "skill",
  FindLanguageSkill: "language",
  FindGroup: "group",
  FindUserPrompt: "userPrompt",
};

const FIND_CALL = new RegExp(
  `\\b(${Object.keys(FIND_FUNCTIONS).join("|")})\\s*\\(\\s*"((?:[^"\\\\]|\\\\.)*)"\\s*\\)`,
  "g",
);
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/g;
/** `Prompt.Name` is a user prompt by name; `PromptSystem.x` is built in (the dot must follow "Prompt"). */
const USER_PROMPT = /\bPrompt\.([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Lookups by id with a literal argument (`FindQueueById("…")`): the id is hard-coded (lint flags it)
 * and is still reported as a reference, marked `byId`, so preflight can check it exists.
 */
const FIND_BY_ID_FUNCTIONS: Readonly<Record<string, ReferenceKind>> = {
  FindQueueById: "queue",
  FindUserById: "user",
  FindGroupById: "group",
};
const FIND_BY_ID_CALL = new RegExp(
  `\\b(${Object.keys(FIND_BY_ID_FUNCTIONS).join("|")})\\s*\\(\\s*"((?:[^"\\\\]|\\\\.)*)"\\s*\\)`,
  "g",
);
/** Any lookup call (by name or id), whatever its argument, to find the ones whose argument is not a literal. */
const ANY_FIND_CALL = new RegExp(
  `\\b(${[...Object.keys(FIND_FUNCTIONS), ...Object.keys(FIND_BY_ID_FUNCTIONS)].join("|")})\\s*\\(\\s*([^)\\s][^)]*)\\)`,
  "g",
);

/** Lookups whose argument is not a string literal (`FindQueue(Flow.queueName)`): dynamic, not checked. */
export function dynamicLookups(expression: string): Array<{ fn: string; argument: string }> {
  const found: Array<{ fn: string; argument: string }> = [];
  for (const m of expression.matchAll(ANY_FIND_CALL)) {
    const argument = (m[2] ?? "").trim();
    if (!/^"(?:[^"\\]|\\.)*"$/.test(argument)) found.push({ fn: m[1] ?? "", argument });
  }
  return found;
}

/** Ids passed as literals to lookups by id, e.g. `FindQueueById("3fa8…")`. */
export function idsInByIdCalls(expression: string): string[] {
  return [...expression.matchAll(FIND_BY_ID_CALL)].map((m) => (m[2] ?? "").trim()).filter(Boolean);
}

/** Names an expression refers to with literal arguments: `FindQueue("X")`, `ToAudio(Prompt.Welcome)`. */
export function referencesInExpression(
  expression: string,
): Array<{ kind: ReferenceKind; name: string; byId?: true }> {
  const found: Array<{ kind: ReferenceKind; name: string; byId?: true }> = [];
  for (const match of expression.matchAll(FIND_BY_ID_CALL)) {
    const kind = FIND_BY_ID_FUNCTIONS[match[1] ?? ""];
    const id = (match[2] ?? "").trim();
    if (kind && id) found.push({ kind, name: id, byId: true });
  }
  for (const match of expression.matchAll(FIND_CALL)) {
    const kind = FIND_FUNCTIONS[match[1] ?? ""];
    const name = (match[2] ?? "").replace(/\\(.)/g, "$1");
    if (kind && name.trim()) found.push({ kind, name });
  }
  // Prompt.X inside a string literal is text, not a reference: look outside literals only.
  const code = expression.replace(STRING_LITERAL, '""');
  for (const match of code.matchAll(USER_PROMPT)) found.push({ kind: "userPrompt", name: match[1] ?? "" });
  return found;
}
