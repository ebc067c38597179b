/**
 * Archy top-level flow keys and the Platform API flow types they create (Archy flow-authoring docs;
 * API types per genesys-api.md §2.2). Archy accepts any casing of the key (`inQueueCall`).
 */
const KEYS: ReadonlyArray<readonly [string, string]> = [
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

const BY_KEY = new Map(KEYS.map(([k, t]) => [k.toLowerCase(), t]));

/** The API flow type of an Archy top-level key, or undefined when it is not a flow key. */
export function flowTypeOfKey(key: string): string | undefined {
  return BY_KEY.get(key.toLowerCase());
}

/** The in-queue flow type serving a flow of `apiType` (the media of an inQueueFlow reference). */
export function inQueueTypeOf(apiType: string): string {
  if (apiType === "INBOUNDEMAIL" || apiType === "INQUEUEEMAIL") return "INQUEUEEMAIL";
  if (["INBOUNDSHORTMESSAGE", "INQUEUESHORTMESSAGE", "INBOUNDCHAT"].includes(apiType))
    return "INQUEUESHORTMESSAGE";
  return "INQUEUECALL";
}
