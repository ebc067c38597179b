import { z } from "zod";

/**
 * The preview of a change (`ivr-promoter diff`, the operator's approval gate): per environment, what
 * each flow becomes. Everything here is masked: secret values appear only as `<secret:KEY>`.
 */

/** What happened to a flow between the two revisions, for one environment. */
export const FlowStatusSchema = z
  .enum(["added", "removed", "changed", "renamed", "unchanged"])
  .describe("added, removed, changed, renamed (same type, new name, mostly the same content) or unchanged.");
export type FlowStatus = z.infer<typeof FlowStatusSchema>;

/** The kind of flow element a semantic change is about. */
export const ElementKindSchema = z
  .enum(["setting", "menu", "choice", "task", "state", "bot", "action"])
  .describe("setting (a flow-level key), menu, choice (of a menu), task, state, bot, action.");
export type ElementKind = z.infer<typeof ElementKindSchema>;

/** One element added, removed or changed. */
export const SemanticChangeSchema = z
  .object({
    change: z.enum(["added", "removed", "changed"]),
    kind: ElementKindSchema,
    name: z.string().describe("The element's name, e.g. the menu choice 'Sales' or the setting key."),
    where: z.string().optional().describe("The menu, task or state holding it."),
    details: z
      .array(z.string())
      .optional()
      .describe("For changes: the fields that differ, as 'field: old → new' (masked)."),
  })
  .describe("An element of the flow added, removed or changed.");
export type SemanticChange = z.infer<typeof SemanticChangeSchema>;

/** A by-name reference the change adds or removes. */
export const ReferenceChangeSchema = z
  .object({
    change: z.enum(["added", "removed"]),
    kind: z.string().describe("queue, dataAction, flow, schedule, scheduleGroup, userPrompt, …"),
    name: z.string(),
    category: z.string().optional().describe("Data actions: the integration category."),
  })
  .describe("A reference to an org object or another flow, added or removed.");
export type ReferenceChange = z.infer<typeof ReferenceChangeSchema>;

/** One flow in one environment. */
export const FlowPreviewSchema = z
  .object({
    type: z.string().describe("Platform API flow type, e.g. INBOUNDCALL."),
    name: z.string().describe("The flow's name at head (at base when removed)."),
    status: FlowStatusSchema,
    previousName: z.string().optional().describe("Renamed flows: the name at base."),
    path: z.string().optional().describe("File at head (relative to the flow path)."),
    previousPath: z.string().optional().describe("File at base, when it differs or the flow was removed."),
    note: z
      .string()
      .optional()
      .describe("What a reviewer must know, e.g. that a renamed flow's old name stays in the org."),
    changes: z.array(SemanticChangeSchema),
    references: z.array(ReferenceChangeSchema),
    diff: z.string().describe("Unified diff of the rendered YAML (masked); empty when unchanged."),
    mermaid: z.string().optional().describe("Mermaid flowchart with added/changed/removed nodes marked."),
  })
  .describe("One flow of one environment.");
export type FlowPreview = z.infer<typeof FlowPreviewSchema>;

/** Counts of flows per status. */
export const StatusCountsSchema = z.object({
  added: z.number().int().min(0),
  removed: z.number().int().min(0),
  changed: z.number().int().min(0),
  renamed: z.number().int().min(0),
  unchanged: z.number().int().min(0),
});
export type StatusCounts = z.infer<typeof StatusCountsSchema>;

/** The plan and preflight verdict against a target org (`--target`). */
export const TargetVerdictSchema = z
  .object({
    target: z.string().describe("Org name (id)."),
    plan: z.object({
      hash: z.string(),
      summary: z.object({
        create: z.number().int(),
        update: z.number().int(),
        drifted: z.number().int(),
        prune: z.number().int(),
        unchanged: z.number().int(),
      }),
      actions: z.array(z.object({ kind: z.string(), key: z.string(), detail: z.string() })),
    }),
    preflight: z.object({
      ok: z.boolean(),
      findings: z.array(z.object({ flow: z.string(), code: z.string(), message: z.string() })),
      warnings: z.array(z.object({ flow: z.string(), code: z.string(), message: z.string() })),
    }),
  })
  .describe("What apply would do in the target org, and whether preflight passes (nothing was written).");
export type TargetVerdict = z.infer<typeof TargetVerdictSchema>;

/** One environment's preview. */
export const EnvironmentPreviewSchema = z.object({
  environment: z.string(),
  /** Absent at base or head: every flow is added or removed. */
  presence: z.enum(["both", "added", "removed"]),
  counts: StatusCountsSchema,
  flows: z.array(FlowPreviewSchema),
  target: TargetVerdictSchema.optional(),
});
export type EnvironmentPreview = z.infer<typeof EnvironmentPreviewSchema>;

/** The whole preview (`ivr-promoter diff --output json`). */
export const PreviewReportSchema = z
  .object({
    base: z.string().describe("Base revision (a commit SHA)."),
    head: z.string().describe("Head revision (a commit SHA, or '<sha>+worktree' for the working tree)."),
    path: z.string().describe("Flow path inside the repository."),
    changed: z.boolean().describe("True when any environment has a flow that is not unchanged."),
    environments: z.array(EnvironmentPreviewSchema),
  })
  .describe("ivr-promoter diff: what a change does to each environment's flows.");
export type PreviewReport = z.infer<typeof PreviewReportSchema>;

/** The JSON Schema of {@link PreviewReportSchema} for schemas/ (see scripts/gen-schemas.ts). */
export function previewJsonSchemas(): Record<string, Record<string, unknown>> {
  const name = "ivr-preview.schema.json";
  const { $schema, ...rest } = z.toJSONSchema(PreviewReportSchema, { io: "output", target: "draft-2020-12" });
  return { [name]: { $schema, $id: `https://ivr.promoter.dev/schemas/${name}`, ...rest } };
}

/** Zero counts. */
export function emptyCounts(): StatusCounts {
  return { added: 0, removed: 0, changed: 0, renamed: 0, unchanged: 0 };
}
