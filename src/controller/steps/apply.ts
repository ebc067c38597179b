import { Reason, toRfc3339, type Outcome } from "../../api/conditions.js";
import { Annotation, pushHistory, type HistoryEntry, type IvrPromotion } from "../../api/ivr-promotion.js";
import type { ApplyEvent } from "../../engine/apply.js";
import { ApplyFailedError, PlanChangedError } from "../../engine/errors.js";
import { flowKey, isWrite, type Plan, type PlanSummary } from "../../engine/model.js";
import type { GenesysPort } from "../../engine/port.js";
import {
  planPromotion,
  promote,
  promotedFlows,
  type PromotedFlow,
  type PromotionRequest,
} from "../../engine/promote.js";
import type { Metrics } from "../../metrics.js";
import { oneLine } from "../../redact.js";
import { shortPlanHash, shortRevision } from "../revision.js";
import type { StatusDraft } from "../status.js";

/**
 * Plan → approval gate → promote, and what it leaves in status: inventory, applied revision,
 * pending plan, history. Errors are thrown to the reconciler, after a history entry for a failed apply.
 */

/** Everything this step needs besides the engine request. */
export interface ApplyStepInput {
  obj: IvrPromotion;
  client: GenesysPort;
  request: PromotionRequest;
  draft: StatusDraft;
  metrics: Metrics;
  now: () => Date;
  knownSecrets: readonly string[];
}

/** What happened: the outcome for the conditions, how many flows were written, and the drift put back. */
export interface ApplyStepResult {
  outcome: Outcome;
  written: number;
  /** Flows published outside Git since our last apply (and put back by this one). */
  drifted?: Array<{ flow: string; detail: string }>;
  /** The flows this apply wrote, with the version each now publishes and the one it replaced. */
  promoted?: PromotedFlow[];
  /** The plan held for approval, when the outcome is AwaitingApproval (the preview step shows it). */
  heldPlan?: Plan;
}

/** "2 created, 1 updated, 5 unchanged" (drift corrections count as updates, as in the CLI). */
export function summaryText(s: PlanSummary): string {
  const parts = [`${s.create} created`, `${s.update + s.drifted} updated`];
  if (s.prune > 0) parts.push(`${s.prune} pruned`);
  parts.push(`${s.unchanged} unchanged`);
  return parts.join(", ");
}

/** Runs the step; see the module comment. */
export async function planAndApply(input: ApplyStepInput): Promise<ApplyStepResult> {
  const { obj } = input;
  let approvedHash: string | undefined;
  if (obj.spec.approval?.required === true) {
    const approved = obj.metadata.annotations?.[Annotation.approvedPlan];
    if (approved !== undefined && approved === obj.status?.pendingPlan?.planHash) {
      // The published plan was approved: promote checks it is still the plan, and says so if not.
      approvedHash = approved;
    } else {
      const gate = await approvalGate(input, approved);
      if ("held" in gate) return gate.held;
      approvedHash = gate.approvedHash;
    }
  }
  try {
    return await apply(input, approvedHash);
  } catch (err) {
    // The world moved between approval and apply: publish the new plan for a new approval.
    if (err instanceof PlanChangedError && approvedHash !== undefined) {
      const gate = await approvalGate(input, undefined);
      return "held" in gate ? gate.held : apply(input, gate.approvedHash);
    }
    throw err;
  }
}

/**
 * Plans (with preflight, so approvers only see plans that can apply) and holds a plan that writes
 * unless `approved` is its hash. A plan that writes nothing needs no approval; it is still pinned, so
 * a change in between is caught.
 */
async function approvalGate(
  input: ApplyStepInput,
  approved: string | undefined,
): Promise<{ held: ApplyStepResult } | { approvedHash: string }> {
  const { plan } = await planPromotion(input.client, input.request, { check: true });
  if (plan.actions.some(isWrite) && approved !== plan.hash) return { held: awaitApproval(input, plan) };
  return { approvedHash: plan.hash };
}

async function apply(input: ApplyStepInput, approvedHash: string | undefined): Promise<ApplyStepResult> {
  const { draft, request } = input;
  let plan: Plan | undefined;
  const startedAt = input.now();
  try {
    const outcome = await promote(
      input.client,
      {
        ...request,
        onPlan: (p) => {
          plan = p;
          return request.onPlan?.(p);
        },
        onEvent: countingEvents(input.metrics, request.onEvent),
      },
      approvedHash,
    );
    const written = outcome.applied.written.length + outcome.applied.pruned.length;
    const drifted = outcome.plan.actions
      .filter((a) => a.kind === "drifted")
      .map((a) => ({ flow: a.key, detail: a.detail }));
    const corrected = drifted.length > 0 ? `; ${drifted.length} drifted put back` : "";
    const summary = `${summaryText(outcome.plan.summary)}${corrected}`;
    // The Ready message is the STATUS column: short revision, counts only. The full revision is in
    // status.lastAppliedRevision, the flows in status.drift and the history entry.
    const message = `Applied ${shortRevision(request.revision)}: ${summary}`;
    draft.next.inventory = outcome.inventory;
    draft.next.lastAppliedRevision = request.revision;
    draft.next.lastAppliedRevisionShort = shortRevision(request.revision);
    draft.next.pendingPlan = undefined;
    draft.next.drift = drifted.length > 0 ? drifted.slice(0, 100) : undefined;
    if (written > 0 || (outcome.recovered?.restored.length ?? 0) > 0) {
      const full = `Applied revision ${request.revision}: ${summary}`;
      record(input, {
        planHash: outcome.plan.hash,
        startedAt,
        result: "Succeeded",
        message: full,
        flows: written,
      });
    }
    const promoted = promotedFlows(outcome);
    return { outcome: { state: "Ready", reason: Reason.Succeeded, message }, written, drifted, promoted };
  } catch (err) {
    if (err instanceof ApplyFailedError) {
      // Restored by re-import: the pre-run content under a new version id, which is ours, not drift.
      const versions = err.restoredVersions;
      draft.next.inventory = (draft.next.inventory ?? []).map((e) => {
        const version = versions[flowKey(e.type, e.name)];
        return version ? { ...e, publishedVersion: version } : e;
      });
    }
    if (err instanceof ApplyFailedError && plan) {
      const result = err.rollbackErrors.length === 0 ? "RolledBack" : "Failed";
      record(input, {
        planHash: plan.hash,
        startedAt,
        result,
        message: err.message,
        flows: err.rolledBack.length,
      });
    }
    throw err;
  }
}

function awaitApproval(input: ApplyStepInput, plan: Plan): ApplyStepResult {
  const { create, update, drifted, unchanged, prune } = plan.summary;
  input.draft.next.pendingPlan = {
    revision: plan.revision,
    planHash: plan.hash,
    summary: { create, update, drifted, unchanged, prune },
  };
  // The STATUS column stays short: the full hash to approve is status.pendingPlan.planHash.
  const message = `Plan ${shortPlanHash(plan.hash)} for ${shortRevision(plan.revision)} awaits approval (${summaryText(plan.summary)})`;
  return {
    outcome: { state: "Waiting", reason: Reason.AwaitingApproval, message },
    written: 0,
    heldPlan: plan,
  };
}

function record(
  input: ApplyStepInput,
  entry: Pick<HistoryEntry, "planHash" | "result" | "message" | "flows"> & { startedAt: Date },
): void {
  const { draft } = input;
  draft.next.history = pushHistory(draft.next.history, {
    revision: input.request.revision,
    planHash: entry.planHash,
    startedAt: toRfc3339(entry.startedAt),
    finishedAt: toRfc3339(input.now()),
    result: entry.result,
    message: oneLine(entry.message, 1024, input.knownSecrets),
    flows: entry.flows,
  });
}

function countingEvents(metrics: Metrics, next?: (e: ApplyEvent) => void): (e: ApplyEvent) => void {
  return (e) => {
    if (e.type === "imported") metrics.flowsImported.inc();
    if (e.type === "rolled-back") metrics.flowsRolledBack.inc();
    next?.(e);
  };
}
