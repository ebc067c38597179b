import { z } from "zod";

/**
 * The kinds of org object an Archy flow can name. Flow-to-flow references are `flow`;
 * everything else must already exist in the target org (they are not promoted by us).
 */
export const ReferenceKindSchema = z.enum([
  "flow",
  "queue",
  "dataAction",
  "schedule",
  "scheduleGroup",
  "userPrompt",
  "emergencyGroup",
  "dataTable",
  "contactList",
  "wrapupCode",
  "knowledgeBase",
  "skill",
  "language",
  "user",
  "group",
  /** The flow's own `division:` (a top-level setting, named like any other object). */
  "division",
]);
export type ReferenceKind = z.infer<typeof ReferenceKindSchema>;

/** One by-name reference found in a flow document. */
export const FlowReferenceSchema = z.object({
  kind: ReferenceKindSchema,
  /** The referenced object's name (for data actions: the action name). */
  name: z.string(),
  /** Data actions only: the integration category the action lives in. */
  category: z.string().optional(),
  /**
   * Flow references only: the Platform API flow type (UPPERCASE, e.g. BOT, INQUEUECALL, COMMONMODULE)
   * when the referencing construct fixes it; absent when any type with that name matches.
   */
  flowType: z.string().optional(),
  /** The reference names the object by id (`FindQueueById("…")`): `name` holds the id. */
  byId: z.boolean().optional(),
  /** 1-based line in the rendered file, when known. */
  line: z.number().int().positive().optional(),
  /** Dotted path of the reference inside the document, for messages (e.g. `inboundCall.menus[0]...`). */
  path: z.string(),
});
export type FlowReference = z.infer<typeof FlowReferenceSchema>;

/** A parsed Archy flow: what the promoter needs to know about it. */
export interface ArchyFlow {
  /** The top-level key of the document, as written (e.g. `inboundCall`, `inqueueCall`, `botFlow`). */
  archyType: string;
  /** The Platform API flow type (UPPERCASE, e.g. INBOUNDCALL, INQUEUECALL, BOT). */
  apiType: string;
  /** The flow name (after substitution). */
  name: string;
  /** Every by-name reference to a flow or org object, de-duplicated by (kind, category, name, flowType). */
  references: FlowReference[];
}
