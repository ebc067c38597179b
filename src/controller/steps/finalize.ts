import { Annotation, type IvrPromotion, type PendingPlan } from "../../api/ivr-promotion.js";
import { isWrite } from "../../engine/model.js";
import { planPromotion, promote, type PromotionRequest } from "../../engine/promote.js";
import type { Logger } from "../../logger.js";
import type { GenesysClient } from "../../genesys/index.js";
import { shortPlanHash } from "../revision.js";
import { summaryText } from "./apply.js";

/** The finalizer that keeps an IvrPromotion around until its flows are pruned or orphaned. */
export const FINALIZER = "ivr.promoter.dev/finalizer";

/** The revision label of a deletion's prune run (nothing is imported, so no Git revision applies). */
const DELETION_REVISION = "deletion";

/** What the deletion's prune run is told besides the object. */
export type PruneRequest = Pick<
  PromotionRequest,
  "target" | "selfClientId" | "journal" | "signal" | "onJournalIgnored" | "onPlan"
>;

/** The deletion of an object that requires approval, held until its deletion plan is approved. */
export interface HeldDeletion {
  pendingPlan: PendingPlan;
  message: string;
}

function deletionRequest(obj: IvrPromotion, request: PruneRequest, logger: Logger): PromotionRequest {
  return {
    ...request,
    revision: obj.status?.lastAppliedRevision ?? DELETION_REVISION,
    desired: [],
    inventory: obj.status?.inventory ?? [],
    prune: true,
    lockPolicy: obj.spec.lockPolicy,
    concurrency: obj.spec.concurrency,
    logger,
  };
}

/**
 * Deletes the flows recorded in `status.inventory` from the org: the engine's prune path with an
 * empty desired set, so an interrupted apply is rolled back first, flows still used by others are
 * retried until none is left, and a flow recreated by someone else (a different id) is left alone.
 *
 * With `spec.approval.required` a deletion is a plan like any other: it is published in
 * `status.pendingPlan` and nothing is deleted until annotation `ivr.promoter.dev/approved-plan` names
 * its hash (then the prune checks it is still that plan). Returns the held deletion, or the count pruned.
 */
export async function pruneInventory(
  obj: IvrPromotion,
  client: GenesysClient,
  request: PruneRequest,
  logger: Logger,
): Promise<number | HeldDeletion> {
  const req = deletionRequest(obj, request, logger);
  let approvedHash: string | undefined;
  if (obj.spec.approval?.required === true) {
    const { plan } = await planPromotion(client, req, { check: true });
    const approved = obj.metadata.annotations?.[Annotation.approvedPlan];
    if (plan.actions.some(isWrite) && approved !== plan.hash) {
      const { create, update, drifted, unchanged, prune } = plan.summary;
      return {
        pendingPlan: {
          revision: plan.revision,
          planHash: plan.hash,
          summary: { create, update, drifted, unchanged, prune },
        },
        // Short, as the STATUS column; the full hash to approve is status.pendingPlan.planHash.
        message: `Deletion plan ${shortPlanHash(plan.hash)} awaits approval (${summaryText(plan.summary)}), or set spec.prune=false to orphan the flows`,
      };
    }
    approvedHash = plan.hash;
  }
  const outcome = await promote(client, req, approvedHash);
  return outcome.applied.pruned.length;
}
