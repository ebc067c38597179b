/**
 * Archy top-level keys ↔ Platform API flow types.
 *
 * Archy documents start with one key naming the flow type (`inboundCall:`, `botFlow:` ...). The API
 * speaks UPPERCASE enum values (genesys-api.md §2.5). Archy itself is lenient about the casing of the
 * key (`inQueueCall` is seen in the wild), so lookups here are case-insensitive.
 */

/** Canonical Archy key → API type. The first key listed for a type is the canonical one. */
const ARCHY_TO_API: ReadonlyArray<readonly [string, string]> = [
  ["inboundCall", "INBOUNDCALL"],
  ["inboundChat", "INBOUNDCHAT"],
  ["inboundEmail", "INBOUNDEMAIL"],
  ["inboundShortMessage", "INBOUNDSHORTMESSAGE"],
  ["inqueueCall", "INQUEUECALL"],
  ["inqueueEmail", "INQUEUEEMAIL"],
  ["inqueueShortMessage", "INQUEUESHORTMESSAGE"],
  ["outboundCall", "OUTBOUNDCALL"],
  ["secureCall", "SECURECALL"],
  ["botFlow", "BOT"],
  ["bot", "BOT"],
  ["digitalBot", "DIGITALBOT"],
  ["digitalBotFlow", "DIGITALBOT"],
  ["commonModule", "COMMONMODULE"],
  ["workflow", "WORKFLOW"],
  ["workitem", "WORKITEM"],
  ["voicemail", "VOICEMAIL"],
  ["surveyInvite", "SURVEYINVITE"],
  ["voiceSurvey", "VOICESURVEY"],
  ["speech", "SPEECH"],
  ["voice", "VOICE"],
  ["emailSend", "EMAILSEND"],
  ["businessProcess", "BUSINESSPROCESS"],
];

const BY_LOWER_KEY = new Map(ARCHY_TO_API.map(([key, api]) => [key.toLowerCase(), api]));
const BY_API = new Map<string, string>();
for (const [key, api] of ARCHY_TO_API) if (!BY_API.has(api)) BY_API.set(api, key);

/**
 * Maps an Archy top-level key (inboundCall, inqueueCall, botFlow, digitalBot, commonModule, workflow, ...)
 * to the API type (INBOUNDCALL, INQUEUECALL, BOT, DIGITALBOT, COMMONMODULE, WORKFLOW, ...);
 * undefined when `key` is not a flow key. Case-insensitive (`inQueueCall` works).
 */
export function apiTypeOfArchyKey(key: string): string | undefined {
  return BY_LOWER_KEY.get(key.toLowerCase());
}

/** The reverse of {@link apiTypeOfArchyKey}: API type → canonical Archy key (INBOUNDCALL → inboundCall). */
export function archyKeyOfApiType(apiType: string): string | undefined {
  return BY_API.get(apiType.toUpperCase());
}

/** Every API flow type we know an Archy key for (UPPERCASE). */
export function knownApiFlowTypes(): string[] {
  return [...BY_API.keys()];
}

/**
 * The in-queue flow type that serves a flow of `apiType`: an `overrideInQueueFlow` inside an inbound
 * email flow points at an INQUEUEEMAIL flow, inside a message flow at INQUEUESHORTMESSAGE, and so on.
 */
export function inQueueTypeFor(apiType: string): string {
  switch (apiType) {
    case "INBOUNDEMAIL":
    case "INQUEUEEMAIL":
      return "INQUEUEEMAIL";
    case "INBOUNDSHORTMESSAGE":
    case "INQUEUESHORTMESSAGE":
    case "INBOUNDCHAT":
      return "INQUEUESHORTMESSAGE";
    default:
      return "INQUEUECALL";
  }
}
