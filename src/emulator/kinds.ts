import type { EmuReferenceKind } from "./archy/reference.js";

/** Every org-object kind the emulator stores (all reference kinds except flows). */
export type ObjectKind = Exclude<EmuReferenceKind, "flow">;

/** How one kind of org object appears in the seed, the API and dependency tracking. */
export interface KindInfo {
  kind: ObjectKind;
  /** Key of the list in the seed and in admin `objects` bodies (`queues`, `dataActions`, ...). */
  seedKey: string;
  /** The real list endpoint (CONTRACTS §2). */
  path: string;
  /** Dependency-tracking object type (genesys-api.md §4). */
  dependencyType: string;
  /** Human label used in import-job messages. */
  label: string;
  /** Largest `pageSize` the list endpoint takes, when the SDK docs give one ("The max ... is 100"). */
  maxPageSize?: number;
  /** The list endpoint pages with `before`/`after` cursors instead of page numbers. */
  cursorPaging?: boolean;
  /** The search endpoint (POST) that finds this kind by name, when the list has no name filter. */
  searchPath?: string;
}

/** The kinds, in a fixed order (also the order of `/__admin/state` objects). */
export const KINDS: readonly KindInfo[] = [
  {
    kind: "queue",
    seedKey: "queues",
    path: "/api/v2/routing/queues",
    dependencyType: "QUEUE",
    label: "queue",
  },
  {
    kind: "dataAction",
    seedKey: "dataActions",
    path: "/api/v2/integrations/actions",
    dependencyType: "DATAACTION",
    label: "data action",
  },
  {
    kind: "schedule",
    seedKey: "schedules",
    path: "/api/v2/architect/schedules",
    dependencyType: "SCHEDULE",
    label: "schedule",
  },
  {
    kind: "scheduleGroup",
    seedKey: "scheduleGroups",
    path: "/api/v2/architect/schedulegroups",
    dependencyType: "SCHEDULEGROUP",
    label: "schedule group",
  },
  {
    kind: "userPrompt",
    seedKey: "userPrompts",
    path: "/api/v2/architect/prompts",
    dependencyType: "USERPROMPT",
    label: "prompt",
  },
  {
    kind: "emergencyGroup",
    seedKey: "emergencyGroups",
    path: "/api/v2/architect/emergencygroups",
    dependencyType: "EMERGENCYGROUP",
    label: "emergency group",
  },
  {
    kind: "dataTable",
    seedKey: "dataTables",
    path: "/api/v2/flows/datatables",
    dependencyType: "DATATABLE",
    label: "data table",
  },
  {
    kind: "contactList",
    seedKey: "contactLists",
    path: "/api/v2/outbound/contactlists",
    dependencyType: "CONTACTLIST",
    label: "contact list",
    // SDK OutboundApi.js getOutboundContactlists: "Page size. The max that will be returned is 100."
    maxPageSize: 100,
  },
  {
    kind: "wrapupCode",
    seedKey: "wrapupCodes",
    path: "/api/v2/routing/wrapupcodes",
    dependencyType: "ACDWRAPUPCODE",
    label: "wrapup code",
  },
  {
    kind: "knowledgeBase",
    seedKey: "knowledgeBases",
    path: "/api/v2/knowledge/knowledgebases",
    dependencyType: "KNOWLEDGEBASE",
    label: "knowledge base",
    // SDK KnowledgeApi.js getKnowledgeKnowledgebases: before/after cursors, "Maximum of 100".
    maxPageSize: 100,
    cursorPaging: true,
  },
  {
    kind: "skill",
    seedKey: "skills",
    path: "/api/v2/routing/skills",
    dependencyType: "ACDSKILL",
    label: "skill",
  },
  {
    kind: "language",
    seedKey: "languages",
    path: "/api/v2/routing/languages",
    dependencyType: "ACDLANGUAGE",
    label: "language",
  },
  {
    kind: "user",
    seedKey: "users",
    path: "/api/v2/users",
    dependencyType: "USER",
    label: "user",
    searchPath: "/api/v2/users/search",
  },
  {
    kind: "group",
    seedKey: "groups",
    path: "/api/v2/groups",
    dependencyType: "GROUP",
    label: "group",
    searchPath: "/api/v2/groups/search",
  },
  {
    kind: "division",
    seedKey: "divisions",
    // SDK AuthorizationApi.js getAuthorizationDivisions: pageSize/pageNumber, `name` "Search term to
    // filter by division name"; every org has its Home division (homeDivision: true).
    path: "/api/v2/authorization/divisions",
    dependencyType: "DIVISION",
    label: "division",
  },
];

const BY_KIND = new Map(KINDS.map((k) => [k.kind as string, k]));

/** Metadata of `kind`, or undefined when it is not an object kind. */
export function kindInfo(kind: string): KindInfo | undefined {
  return BY_KIND.get(kind);
}

/** The `*FLOW` dependency object type of an API flow type (TF `SetFlowTypeObjectMaps`; WORKFLOW stays WORKFLOW). */
export function flowDependencyType(apiType: string): string {
  return apiType === "WORKFLOW" ? "WORKFLOW" : `${apiType}FLOW`;
}

/** Lowercase query values accepted by GET /api/v2/flows `type` (genesys-api.md §2.2, plus BUSINESSPROCESS). */
export const FLOW_TYPES: readonly string[] = [
  "BOT",
  "BUSINESSPROCESS",
  "COMMONMODULE",
  "DIGITALBOT",
  "EMAILSEND",
  "INBOUNDCALL",
  "INBOUNDCHAT",
  "INBOUNDEMAIL",
  "INBOUNDSHORTMESSAGE",
  "INQUEUECALL",
  "INQUEUEEMAIL",
  "INQUEUESHORTMESSAGE",
  "OUTBOUNDCALL",
  "SECURECALL",
  "SPEECH",
  "SURVEYINVITE",
  "VOICE",
  "VOICEMAIL",
  "VOICESURVEY",
  "WORKFLOW",
  "WORKITEM",
];
