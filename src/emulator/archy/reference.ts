import { z } from "zod";

/**
 * The emulator's own vocabulary of what an Archy flow can reference. It is deliberately not the
 * promoter's (src/flowset): the emulator stands in for the real import job, so a reference the
 * promoter's extractor misses must still fail an import here.
 */
export const EmuReferenceKindSchema = z.enum([
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
  "division",
]);
/** A kind of object a flow can reference. */
export type EmuReferenceKind = z.infer<typeof EmuReferenceKindSchema>;

/** One reference found in an uploaded flow, by name or (for `Find*ById("…")` literals) by id. */
export const EmuReferenceSchema = z.object({
  kind: EmuReferenceKindSchema,
  /** The referenced name; for a by-id reference, the id. */
  name: z.string(),
  /** True when `name` is an object id (`FindQueueById("…")`), not a name. */
  byId: z.boolean().optional(),
  category: z.string().optional(),
  /** Flow references: the API flow type the construct fixes, when it does. */
  flowType: z.string().optional(),
  /** Dotted path inside the document, for job messages. */
  path: z.string(),
  line: z.number().int().positive().optional(),
});
/** A reference found by the emulator's import job. */
export type EmuReference = z.infer<typeof EmuReferenceSchema>;

/** What the import job reads out of a flow document. */
export interface EmuFlowDocument {
  archyType: string;
  apiType: string;
  name: string;
  references: EmuReference[];
}
