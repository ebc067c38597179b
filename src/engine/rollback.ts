import type { ApplyEvent } from "./apply.js";
import type { JournalEntry } from "./journal.js";
import type { GenesysPort } from "./port.js";

/** What a rollback restored, and what it could not. */
export interface RollbackOutcome {
  restored: string[];
  errors: string[];
}

/**
 * Restores every flow a run touched to its state before the run, newest change first, so a flow that
 * uses a newly created one is restored before the new one is deleted (a delete of a flow in use is refused).
 *
 * Entries still `started` may or may not have been imported (the process died, or the job outcome is
 * unknown): the flow is looked up by name and type, and restored only if it differs from `before`.
 */
export async function rollBack(
  entries: readonly JournalEntry[],
  client: GenesysPort,
  emit: (e: ApplyEvent) => void = () => undefined,
): Promise<RollbackOutcome> {
  const outcome: RollbackOutcome = { restored: [], errors: [] };
  let left = merged(entries).reverse();
  // A delete refused because another flow still uses the flow (a stub, say) succeeds once that other
  // flow is restored: retry in rounds while each round makes progress.
  while (left.length > 0) {
    const failed: Array<{ entry: JournalEntry; error: string }> = [];
    for (const entry of left) {
      try {
        const how = await restore(entry, client);
        emit({ type: "rolled-back", key: entry.key, how });
        if (how !== "left") outcome.restored.push(entry.key);
      } catch (err) {
        failed.push({ entry, error: `${entry.key}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    if (failed.length === left.length) {
      outcome.errors.push(...failed.map((f) => f.error));
      break;
    }
    left = failed.map((f) => f.entry);
  }
  return outcome;
}

/**
 * One entry per flow, in the order each flow was first touched, with the state from BEFORE the run
 * (its first entry) and the id it got (its last). A flow created as a stub and then imported for real
 * has two entries; it must be restored once, to "did not exist".
 */
function merged(entries: readonly JournalEntry[]): JournalEntry[] {
  const byKey = new Map<string, JournalEntry>();
  for (const entry of entries) {
    const first = byKey.get(entry.key);
    if (!first) byKey.set(entry.key, { ...entry });
    else if (entry.flowId) first.flowId = entry.flowId;
  }
  return [...byKey.values()];
}

async function restore(
  entry: JournalEntry,
  client: GenesysPort,
): Promise<"republished" | "deleted" | "left"> {
  const { before } = entry;
  // An import known to have finished changed the flow: restore without looking first (half the calls).
  if (entry.state === "done" && entry.flowId) {
    if (!before.id) {
      await client.deleteFlow(entry.flowId); // a flow already gone is fine
      return "deleted";
    }
    if (before.publishedVersion) {
      await client.publishFlow(before.id, before.publishedVersion);
      return "republished";
    }
    return "left";
  }
  const current = await findCurrent(entry, client);
  if (!current) return "left";
  if (!before.id) {
    await client.deleteFlow(current.id);
    return "deleted";
  }
  if (before.publishedVersion && current.publishedVersion?.id !== before.publishedVersion) {
    await client.publishFlow(before.id, before.publishedVersion);
    return "republished";
  }
  // Already as it was (the import never took effect), or it had no published version to go back to.
  return "left";
}

async function findCurrent(entry: JournalEntry, client: GenesysPort) {
  const id = entry.flowId ?? entry.before.id;
  if (id) return client.getFlow(id);
  const found = await client.listFlows({ types: [entry.type.toLowerCase()], name: entry.name });
  return found.find((f) => f.name === entry.name && f.type.toUpperCase() === entry.type.toUpperCase());
}
