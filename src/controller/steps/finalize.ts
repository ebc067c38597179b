import type { IvrPromotion } from "../../api/ivr-promotion.js";
import { promote, type PromotionRequest } from "../../engine/promote.js";
import type { Logger } from "../../logger.js";
import type { GenesysClient } from "../../genesys/index.js";

/** The finalizer that keeps an IvrPromotion around until its flows are pruned or orphaned. */
export const FINALIZER = "ivr.promoter.dev/finalizer";

/** The revision label of a deletion's prune run (nothing is imported, so no Git revision applies). */
const DELETION_REVISION = "deletion";

/**
 * Deletes the flows recorded in `status.inventory` from the org: the engine's prune path with an
 * empty desired set, so an interrupted apply is rolled back first, flows still used by others are
 * retried until none is left, and a flow recreated by someone else (a different id) is left alone.
 */
export async function pruneInventory(
  obj: IvrPromotion,
  client: GenesysClient,
  request: Pick<PromotionRequest, "target" | "selfClientId" | "journal" | "signal" | "onJournalIgnored">,
  logger: Logger,
): Promise<number> {
  const inventory = obj.status?.inventory ?? [];
  const outcome = await promote(client, {
    ...request,
    revision: obj.status?.lastAppliedRevision ?? DELETION_REVISION,
    desired: [],
    inventory,
    prune: true,
    lockPolicy: obj.spec.lockPolicy,
    concurrency: obj.spec.concurrency,
    logger,
  });
  return outcome.applied.pruned.length;
}
