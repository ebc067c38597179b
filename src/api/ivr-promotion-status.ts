import { z } from "zod";
import { ConditionSchema } from "./conditions.js";
import { VerificationStatusSchema } from "./verification.js";

/**
 * The observed state of an IvrPromotion, written only by the controller through the status
 * subresource. Re-exported by ivr-promotion.ts; kept apart so each file stays small.
 */

/** How many attempts `status.history` keeps (newest first). */
export const HISTORY_LIMIT = 10;

const count = (what: string) => z.int().min(0).describe(what);
const timestamp = (what: string) => z.iso.datetime().describe(`${what} (RFC 3339, UTC).`);

/** One flow this object applied: the basis for drift detection and pruning. */
export const InventoryItemSchema = z
  .object({
    type: z.string().min(1).describe("Platform API flow type, e.g. INBOUNDCALL, BOT, COMMONMODULE."),
    name: z.string().min(1).describe("Flow name in the org."),
    id: z.string().min(1).describe("Flow id in the target org."),
    publishedVersion: z.string().describe("Version published by the last apply, e.g. 3.0."),
    contentHash: z.string().describe("sha256 of the rendered flow that was imported."),
    file: z.string().optional().describe("Source file of the flow, relative to spec.path."),
  })
  .describe("A flow applied by this object.");
/** An inventory entry. */
export type InventoryItem = z.infer<typeof InventoryItemSchema>;

/** Counts of planned actions by kind. */
export const PlanCountsSchema = z
  .object({
    create: count("Flows to create."),
    update: count("Flows to update (the source changed)."),
    unchanged: count("Flows already up to date."),
    drifted: count("Flows changed in the org outside Git; applied like updates."),
    prune: count("Flows to delete (they left the set and prune is on)."),
  })
  .describe("Number of flows per planned action.");
/** Plan counts. */
export type PlanCounts = z.infer<typeof PlanCountsSchema>;

/** One flow of a pending plan, for the approver. */
export const PendingFlowSchema = z
  .object({
    flow: z.string().max(512).describe("TYPE/name of the flow."),
    action: z.string().max(16).describe("What apply will do: create, update, drifted (put back) or prune."),
    summary: z
      .string()
      .max(512)
      .describe(
        "What changes in it since the last applied revision, e.g. '+ choice Callbacks in Main Menu; ~ setting initialGreeting'.",
      ),
  })
  .describe("A flow the pending plan writes.");

/** A plan waiting for approval. */
export const PendingPlanSchema = z
  .object({
    revision: z.string().describe("Git revision the plan was built from, e.g. main@sha1:<sha>."),
    planHash: z
      .string()
      .describe("Hash of everything the plan writes; approve by setting the approved-plan annotation to it."),
    summary: PlanCountsSchema,
    flows: z
      .array(PendingFlowSchema)
      .max(50)
      .optional()
      .describe(
        "The flows the plan writes (at most 50), each with what changes in it since the last applied revision.",
      ),
    preview: z
      .string()
      .max(253)
      .optional()
      .describe("ConfigMap (same namespace) holding the full preview, masked: data['preview.md']."),
  })
  .describe("The plan held for approval (spec.approval.required); cleared once applied or superseded.");
/** A pending plan. */
export type PendingPlan = z.infer<typeof PendingPlanSchema>;

/** A plan held because no change window is open (see spec.changeWindows). */
export const ChangeWindowHoldSchema = z
  .object({
    revision: z.string().describe("Git revision of the held plan."),
    planHash: z
      .string()
      .describe("Hash of the held plan; an emergency override names it (change-window-override annotation)."),
    summary: PlanCountsSchema,
    heldSince: timestamp("When the plan was first held"),
    nextOpenAt: timestamp(
      "When the next change window opens; absent when none opens within 400 days",
    ).optional(),
    why: z.string().max(1024).describe('What keeps writes out, e.g. inside deny window "peak-hours".'),
  })
  .describe("The plan waiting for a change window; cleared once it is applied or nothing is held.");
/** A held plan. */
export type ChangeWindowHold = z.infer<typeof ChangeWindowHoldSchema>;

/** An emergency override of the change windows that was used. */
export const ChangeWindowOverrideSchema = z
  .object({
    planHash: z.string().describe("The plan the override was for, and that was written."),
    revision: z.string().describe("Its Git revision."),
    reason: z.string().max(1024).describe("The reason given in the annotation."),
    setBy: z
      .string()
      .max(256)
      .optional()
      .describe("Field manager that set the annotation (from managedFields), when known."),
    usedAt: timestamp("When the override let the plan through"),
    why: z.string().max(1024).describe("What the windows said at the time (e.g. inside deny window ...)."),
  })
  .describe("The last emergency override of spec.changeWindows that let a plan through.");
/** A used override. */
export type ChangeWindowOverride = z.infer<typeof ChangeWindowOverrideSchema>;

/** One finished attempt. */
export const HistoryEntrySchema = z
  .object({
    revision: z.string().describe("Git revision applied or attempted."),
    planHash: z.string().describe("Hash of the plan that ran."),
    startedAt: timestamp("When the apply started"),
    finishedAt: timestamp("When it finished"),
    result: z
      .enum(["Succeeded", "Failed", "RolledBack"])
      .describe("Outcome: Succeeded, Failed, or RolledBack (failed, then restored the previous versions)."),
    message: z.string().max(1024).describe("One-line summary for people."),
    flows: count("Number of flows written (created, updated or pruned)."),
  })
  .describe("A finished apply.");
/** A history entry. */
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** The status subresource. */
export const IvrPromotionStatusSchema = z
  .object({
    observedGeneration: z
      .int()
      .min(-1)
      .optional()
      .describe(
        "The metadata.generation the status describes; behind it means the controller has not caught up.",
      ),
    conditions: z
      .array(ConditionSchema)
      .max(16)
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
      .optional()
      .describe("kstatus conditions: Ready, Reconciling and Stalled (the last two only while True)."),
    lastAttemptedRevision: z.string().optional().describe("Revision of the last attempt, successful or not."),
    lastAppliedRevision: z.string().optional().describe("Revision of the last successful apply."),
    lastAppliedRevisionShort: z
      .string()
      .optional()
      .describe(
        "lastAppliedRevision with the commit cut to 8 hex digits (main@sha1:1b7d2f3a), for the REVISION column.",
      ),
    lastHandledReconcileAt: z
      .string()
      .optional()
      .describe("The last ivr.promoter.dev/requested-at annotation value acted on."),
    inventory: z.array(InventoryItemSchema).optional().describe("Flows applied by this object."),
    pendingPlan: PendingPlanSchema.optional(),
    changeWindowHold: ChangeWindowHoldSchema.optional(),
    changeWindowOverride: ChangeWindowOverrideSchema.optional(),
    drift: z
      .array(
        z.object({
          flow: z.string().describe("The flow, as TYPE/name."),
          detail: z.string().describe("What differed (the published version, and the one we applied)."),
        }),
      )
      .max(100)
      .optional()
      .describe(
        "Flows found changed in the org outside Git by the last apply (whoever published them), then put back.",
      ),
    history: z
      .array(HistoryEntrySchema)
      .max(HISTORY_LIMIT)
      .optional()
      .describe(`The last ${HISTORY_LIMIT} applies, newest first.`),
    verification: VerificationStatusSchema.optional(),
  })
  .describe("Observed state, written by the controller.");
/** The observed state of an IvrPromotion. */
export type IvrPromotionStatus = z.infer<typeof IvrPromotionStatusSchema>;

/** `history` with `entry` added in front, bounded to {@link HISTORY_LIMIT} (pure). */
export function pushHistory(
  history: readonly HistoryEntry[] | undefined,
  entry: HistoryEntry,
): HistoryEntry[] {
  return [entry, ...(history ?? [])].slice(0, HISTORY_LIMIT);
}
