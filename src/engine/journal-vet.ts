import { JournalTargetMismatchError } from "./errors.js";
import type { Journal, JournalEntry } from "./journal.js";
import { flowKey } from "./model.js";
import type { GenesysPort } from "./port.js";

/**
 * A journal is only ever acted on for flows this object is responsible for. The journal lives in a
 * ConfigMap of the tenant's namespace, so whoever may write ConfigMaps there could plant or edit one
 * (even with an ownerReference naming the object's UID, which they can read): a "done create" entry
 * carrying another flow's id would make recovery delete that flow. So before a rollback:
 * - the journal's target must be the object's current target (else {@link JournalTargetMismatchError});
 * - an entry must name a flow of the inventory or of the desired set;
 * - every flow id an entry carries must, in the org, be a flow of the entry's type and name.
 * Entries that fail are dropped and reported through `onIgnored`, never acted on.
 */

/** What the object is responsible for. */
export interface JournalScope {
  target: string;
  /** Keys (`flowKey(type, name)`) of the inventory and the desired set. */
  keys: ReadonlySet<string>;
  onIgnored: (detail: string) => void;
}

/** The journal with only the entries that may be acted on; throws when the target differs. */
export async function vetJournal(
  journal: Journal,
  scope: JournalScope,
  client: GenesysPort,
): Promise<Journal> {
  if (journal.target !== scope.target) throw new JournalTargetMismatchError(journal.target, scope.target);
  const kept: JournalEntry[] = [];
  for (const entry of journal.entries) {
    const why = await rejection(entry, scope, client);
    if (why) scope.onIgnored(`journal entry for ${entry.type} "${entry.name}" ignored: ${why}`);
    else kept.push(entry);
  }
  return { ...journal, entries: kept };
}

async function rejection(
  entry: JournalEntry,
  scope: JournalScope,
  client: GenesysPort,
): Promise<string | undefined> {
  if (entry.key !== flowKey(entry.type, entry.name)) return `its key "${entry.key}" is not its flow's`;
  if (!scope.keys.has(entry.key)) return "the flow is neither in the inventory nor in the flow set";
  for (const id of new Set([entry.flowId, entry.before.id])) {
    if (!id) continue;
    const flow = await client.getFlow(id);
    // Gone already: nothing could be done to it anyway. Otherwise the id must be this very flow.
    if (flow && (flow.type !== entry.type || flow.name !== entry.name))
      return `flow ${id} is ${flow.type} "${flow.name}", not this flow`;
  }
  return undefined;
}
