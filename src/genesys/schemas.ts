import { z } from "zod";

/*
Response schemas for every call the client makes (genesys-api.md §2–§5). Objects are loose: the real API
adds fields over time, and enum-like fields are plain strings because SDKs with old enums break on new
values (genesys-api.md §2.5 "a client must accept unknown enum strings").
*/

/** `{id, name?, selfUri?}` as used for divisions, users and OAuth clients inside other objects. */
export const EntityRefSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  selfUri: z.string().optional(),
});
/** A reference to another entity. */
export type EntityRef = z.infer<typeof EntityRefSchema>;

/** FlowVersion (genesys-api.md §2.6); ids look like "1.0". */
export const FlowVersionSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  commitVersion: z.string().optional(),
  configurationVersion: z.string().optional(),
  type: z.string().optional(),
  secure: z.boolean().optional(),
  debug: z.boolean().optional(),
  dateCreated: z.number().optional(),
  dateCheckedIn: z.number().optional(),
  dateSaved: z.number().optional(),
  datePublished: z.string().optional(),
  selfUri: z.string().optional(),
});
/** One version of a flow. */
export type FlowVersion = z.infer<typeof FlowVersionSchema>;

/** Error detail inside an ErrorBody or an Operation. */
export const DetailSchema = z.looseObject({
  errorCode: z.string().optional(),
  fieldName: z.string().optional(),
  entityId: z.string().optional(),
  entityName: z.string().optional(),
});

/** Operation: the status of an asynchronous flow action (genesys-api.md §2.7). */
export const OperationSchema = z.looseObject({
  id: z.string().optional(),
  complete: z.boolean().optional(),
  user: EntityRefSchema.nullish(),
  client: EntityRefSchema.nullish(),
  errorMessage: z.string().nullish(),
  errorCode: z.string().nullish(),
  errorDetails: z.array(DetailSchema).nullish(),
  actionName: z.string().optional(),
  actionStatus: z.string().optional(),
});
/** The result of checkin/publish and `Flow.currentOperation`. */
export type Operation = z.infer<typeof OperationSchema>;

/** Flow (genesys-api.md §2.5); `type` is UPPERCASE in responses. */
export const FlowSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  description: z.string().nullish(),
  division: EntityRefSchema.nullish(),
  lockedUser: EntityRefSchema.nullish(),
  lockedClient: EntityRefSchema.nullish(),
  active: z.boolean().optional(),
  system: z.boolean().optional(),
  deleted: z.boolean().optional(),
  publishedVersion: FlowVersionSchema.nullish(),
  savedVersion: FlowVersionSchema.nullish(),
  checkedInVersion: FlowVersionSchema.nullish(),
  publishedBy: EntityRefSchema.nullish(),
  currentOperation: OperationSchema.nullish(),
  selfUri: z.string().optional(),
});
/** An Architect flow as the API returns it. */
export type Flow = z.infer<typeof FlowSchema>;

/** ErrorBody (genesys-api.md §5.1). Every field optional: gateways may answer with less. */
export const ErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  code: z.string().optional(),
  status: z.number().optional(),
  contextId: z.string().optional(),
  entityId: z.string().optional(),
  entityName: z.string().optional(),
  details: z.array(DetailSchema).optional(),
  errors: z.array(z.unknown()).optional(),
});
/** The error payload of a failed API call. */
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** OAuth token response (genesys-api.md §1.2). */
export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive().optional(),
});

/** OAuth error response (genesys-api.md §1.3). */
export const TokenErrorSchema = z.looseObject({
  error: z.string().optional(),
  description: z.string().optional(),
  error_description: z.string().optional(),
});

/** Builds the schema of a standard paged listing of `entity` (genesys-api.md §2.3). */
export function entityListing<T extends z.ZodType>(entity: T) {
  return z.looseObject({
    entities: z.array(entity).nullish(),
    pageSize: z.number().optional(),
    pageNumber: z.number().optional(),
    total: z.number().optional(),
    pageCount: z.number().optional(),
  });
}

/** A by-name org object (queue, data action, schedule, ...) from one of the CONTRACTS §2 listings. */
export const OrgObjectSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  selfUri: z.string().optional(),
  /** Data actions only. */
  category: z.string().optional(),
  /** Flows only (when a flow is looked up as an object). */
  type: z.string().optional(),
});
/** An object in the org that flows refer to by name. */
export type OrgObject = z.infer<typeof OrgObjectSchema>;

/** GET /api/v2/organizations/me. */
export const OrganizationSchema = z.looseObject({ id: z.string(), name: z.string() });
/** The org the client's credentials belong to. */
export type Organization = z.infer<typeof OrganizationSchema>;

/** Dependency (genesys-api.md §4). */
export const DependencySchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  version: z.string().optional(),
  type: z.string().optional(),
  deleted: z.boolean().optional(),
  updated: z.boolean().optional(),
  stateUnknown: z.boolean().optional(),
  selfUri: z.string().optional(),
});
/** One consumed or consuming resource from dependency tracking. */
export type Dependency = z.infer<typeof DependencySchema>;

/** ArchitectJobMessage (genesys-api.md §3.2). */
export const JobMessageSchema = z.looseObject({
  dateTime: z.string().optional(),
  type: z.string().optional(),
  text: z.string().optional(),
  details: z.array(z.unknown()).optional(),
});
/** A log line of an Architect job (Archy output). */
export type JobMessage = z.infer<typeof JobMessageSchema>;

/** RegisterArchitectJobResponse (genesys-api.md §3.1). */
export const RegisterImportJobSchema = z.looseObject({
  id: z.string(),
  presignedUrl: z.string().min(1),
  headers: z.record(z.string(), z.string()).nullish(),
  selfUri: z.string().optional(),
});

/** Register response of export and validate jobs (genesys-api.md §3.3, §3.5). */
export const RegisterJobSchema = z.looseObject({
  id: z.string(),
  status: z.string().optional(),
  totalFlows: z.number().optional(),
  selfUri: z.string().optional(),
});

/** State of any Architect job (import, export, validate: genesys-api.md §3.2, §3.4, §3.5). */
export const JobStateSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  command: z.string().optional(),
  flow: z.looseObject({ id: z.string().optional(), selfUri: z.string().optional() }).nullish(),
  downloadUrl: z.string().nullish(),
  messages: z.array(JobMessageSchema).nullish(),
});
/** The state of an Architect job as polled. */
export type JobState = z.infer<typeof JobStateSchema>;

/** A finished import job: the flow was created or updated and published. */
export const ImportResultSchema = z.object({
  jobId: z.string(),
  status: z.literal("Success"),
  command: z.string().optional(),
  flowId: z.string(),
  messages: z.array(JobMessageSchema),
});
/** The result of {@link GenesysClient.importFlow}. */
export type ImportResult = z.infer<typeof ImportResultSchema>;

/** A finished export or validate job (status is "Success" or "Failure"). */
export const JobResultSchema = z.object({
  jobId: z.string(),
  status: z.string(),
  command: z.string().optional(),
  messages: z.array(JobMessageSchema),
});
/** The result of {@link GenesysClient.validateFlows}. */
export type JobResult = z.infer<typeof JobResultSchema>;

/** One flow from an export job. `id` is absent when a zip entry could not be matched to a requested id. */
export const ExportedFlowSchema = z.object({
  id: z.string().optional(),
  name: z.string(),
  type: z.string(),
  yaml: z.string(),
  fileName: z.string(),
});
/** An exported flow: its Archy YAML plus what identifies it. */
export type ExportedFlow = z.infer<typeof ExportedFlowSchema>;
