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
 * `revision` is the release's: a journal of anything else is never rolled back by this.
 */
export async function rollBackRelease(
  client: GenesysPort,
  store: JournalStore,
  revision: string,
  options: { strategy?: RollbackStrategy; emit?: (e: ApplyEvent) => void; ownership?: AbortSignal },
): Promise<RollbackOutcome> {
  const journal = await store.read();
  if (!journal) throw new NothingToRollBackError(`the journal of ${revision} is gone`);
  if (journal.revision !== revision)
    throw new NothingToRollBackError(`the kept journal is of ${journal.revision}, not ${revision}`);
  await store.fence();
  const outcome = await rollBack(journal, await store.readBackup(), client, {
    store,
    ...(options.strategy ? { strategy: options.strategy } : {}),
    ...(options.emit ? { emit: options.emit } : {}),
    ...(options.ownership ? { ownership: options.ownership } : {}),
  });
  // Incomplete: the journal loses its completed mark, so any later run (the CLI's next apply, the
  // operator's next plan) treats it as an interrupted run and finishes the rollback before anything else.
  if (outcome.errors.length === 0) await store.clear();
  else await store.write({ ...journal, completedAt: undefined });
  return outcome;
}
