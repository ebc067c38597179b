import { z } from "zod";
import { FlowReferenceSchema } from "../flowset/types.js";

/**
 * The engine's data model: what we want (desired flows), what the org has (observed flows), what we
 * applied last time (inventory), and the plan that joins them. Everything here is plain, serialisable
 * data so a plan can be stored in status, printed as JSON and approved by its hash.
 */

/** A flow's identity across orgs: its API type and name (ids differ per org). */
export function flowKey(type: string, name: string): string {
  return `${type.toUpperCase()}/${name}`;
}

/** One rendered flow of the committed set, ready to import. */
export const DesiredFlowSchema = z.object({
  key: z.string(),
  type: z.string().describe("Platform API flow type, UPPERCASE (INBOUNDCALL, BOT, ...)."),
  name: z.string(),
  file: z.string().describe("Path of the source file, relative to the flow set path."),
  contentHash: z.string().describe("sha256 of the rendered YAML."),
  yaml: z.string(),
  /** Keys of flows of the set this flow references (its in-set dependencies). */
  dependsOn: z.array(z.string()),
  /** References the set does not satisfy: they must exist in the target org (checked by preflight). */
  external: z.array(FlowReferenceSchema),
});
export type DesiredFlow = z.infer<typeof DesiredFlowSchema>;

/** A flow as the org's paged listing shows it. */
export const ObservedFlowSchema = z.object({
  key: z.string(),
  id: z.string(),
  type: z.string(),
  name: z.string(),
  publishedVersion: z.string().optional(),
  /** Who holds the lock, when the flow is checked out ("client:<id>" or "user:<id>"). */
  lockedBy: z.string().optional(),
});
export type ObservedFlow = z.infer<typeof ObservedFlowSchema>;

/** What we applied last time, per flow: the basis for drift detection and pruning. */
export const InventoryEntrySchema = z.object({
  type: z.string(),
  name: z.string(),
  id: z.string(),
  publishedVersion: z.string(),
  contentHash: z.string(),
  file: z.string().optional(),
});
export type InventoryEntry = z.infer<typeof InventoryEntrySchema>;

/** What the plan will do to one flow. */
export const ActionKindSchema = z.enum(["create", "update", "drifted", "unchanged", "prune"]);
export type ActionKind = z.infer<typeof ActionKindSchema>;

/** One step of a plan. `drifted` is applied like `update` (it puts back what Git says). */
export const PlanActionSchema = z.object({
  kind: ActionKindSchema,
  key: z.string(),
  type: z.string(),
  name: z.string(),
  file: z.string().optional(),
  contentHash: z.string().optional(),
  /** The flow in the org before the change (absent for create). */
  current: z.object({ id: z.string(), publishedVersion: z.string().optional() }).optional(),
  /** Keys of actions (that write) which must finish before this one starts. */
  after: z.array(z.string()),
  /**
   * Keys of flows this import may create as stubs: dependencies cut out of `after` to break a cycle
   * (they do not exist yet; the import runs with the jobs API's `createStubs`).
   */
  stubs: z.array(z.string()).default([]),
  /** Dependency level in the set (0 = no in-set dependencies); prune actions use -1. */
  level: z.number().int(),
  /** Why this action was chosen, for people. */
  detail: z.string(),
});
export type PlanAction = z.infer<typeof PlanActionSchema>;

/** Counts of actions by kind, as shown in status and the CLI. */
export const PlanSummarySchema = z.object({
  create: z.number().int(),
  update: z.number().int(),
  drifted: z.number().int(),
  unchanged: z.number().int(),
  prune: z.number().int(),
});
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

/** A complete, ordered plan. `hash` covers everything that will be written, so approving it pins the change. */
export const PlanSchema = z.object({
  revision: z.string(),
  target: z.string().describe("The target org, as a stable label (org id or endpoint)."),
  actions: z.array(PlanActionSchema),
  summary: PlanSummarySchema,
  hash: z.string(),
});
export type Plan = z.infer<typeof PlanSchema>;

/** True for actions that write to the org. */
export function isWrite(action: Pick<PlanAction, "kind">): boolean {
  return action.kind !== "unchanged";
}
