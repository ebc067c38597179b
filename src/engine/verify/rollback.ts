import { PromoterError } from "../../errors.js";
import type { ApplyEvent } from "../apply.js";
import type { JournalStore } from "../journal.js";
import type { GenesysPort } from "../port.js";
import { rollBack, type RollbackOutcome, type RollbackStrategy } from "../rollback.js";

/** No kept journal to roll a failed release back from (it was cleared, or never kept). */
export class NothingToRollBackError extends PromoterError {
  constructor(detail: string) {
    super("VerificationRollbackImpossible", "Stalled", `cannot roll the release back: ${detail}`);
  }
}

/**
 * Rolls a verified release back as a whole, with the same rollback a failed apply uses (issue 8):
 * the completed run's journal and backup (kept by `retainJournal`) say which flows it created (deleted
 * now) and what the flows it updated published before (re-imported now, then verified by export).
 * The journal is cleared only when every flow was restored; otherwise the next attempt retries.
 */
export async function rollBackRelease(
  client: GenesysPort,
  store: JournalStore,
  options: { strategy?: RollbackStrategy; emit?: (e: ApplyEvent) => void; ownership?: AbortSignal },
): Promise<RollbackOutcome> {
  const journal = await store.read();
  if (!journal) throw new NothingToRollBackError("the journal of the release is gone");
  if (journal.completedAt === undefined)
    throw new NothingToRollBackError(`the journal of ${journal.revision} is of an unfinished run`);
  await store.fence();
  const outcome = await rollBack(journal, await store.readBackup(), client, {
    store,
    ...(options.strategy ? { strategy: options.strategy } : {}),
    ...(options.emit ? { emit: options.emit } : {}),
    ...(options.ownership ? { ownership: options.ownership } : {}),
  });
  if (outcome.errors.length === 0) await store.clear();
  return outcome;
}
