import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { FileJournalStore } from "../engine/journal.js";
import { InventoryEntrySchema, flowKey, type InventoryEntry } from "../engine/model.js";

/**
 * The CLI's memory between runs, per target org (the operator keeps the same in the object's status):
 * the inventory of what was last applied (for drift and no-op detection) and the apply journal.
 * Kept in `--state-dir` (default: the XDG state directory, outside the work tree), one file per org id,
 * so CI can cache it.
 */
const StateFileSchema = z.object({
  org: z.object({ id: z.string(), name: z.string() }),
  revision: z.string().optional(),
  inventory: z.array(InventoryEntrySchema),
});
export type StateFile = z.infer<typeof StateFileSchema>;

/** File names are derived from the org id only (ids are UUIDs; anything else is made safe). */
function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** Reads the inventory recorded for `orgId`; empty when nothing was applied from here yet. */
export async function readInventory(stateDir: string, orgId: string): Promise<InventoryEntry[]> {
  const path = join(stateDir, `${safe(orgId)}.json`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const parsed = StateFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${path}: not an ivr-promoter state file: ${parsed.error.issues[0]?.message}`);
  return parsed.data.inventory;
}

/** Records the inventory after a successful apply (written atomically). */
export async function writeInventory(stateDir: string, state: StateFile): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, `${safe(state.org.id)}.json`);
  await writeFile(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** Records `entries` as applied to `org`, replacing entries of the same flows and keeping the others. */
export async function mergeInventory(
  stateDir: string,
  org: StateFile["org"],
  entries: readonly InventoryEntry[],
): Promise<void> {
  const keys = new Set(entries.map((e) => flowKey(e.type, e.name)));
  const kept = (await readInventory(stateDir, org.id)).filter((e) => !keys.has(flowKey(e.type, e.name)));
  await writeInventory(stateDir, { org, inventory: [...kept, ...entries] });
}

/**
 * After a rollback by re-import: the restored flows publish their pre-run content under new version ids,
 * which are ours, so the recorded inventory follows them (the next plan must not call them drift).
 */
export async function recordRestored(
  stateDir: string,
  orgId: string,
  versions: Readonly<Record<string, string>>,
): Promise<void> {
  if (Object.keys(versions).length === 0) return;
  const path = join(stateDir, `${safe(orgId)}.json`);
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return;
  const state = StateFileSchema.parse(JSON.parse(text));
  state.inventory = state.inventory.map((e) => {
    const version = versions[flowKey(e.type, e.name)];
    return version ? { ...e, publishedVersion: version } : e;
  });
  await writeInventory(stateDir, state);
}

/** The journal store for `orgId`: a crashed `apply` is rolled back by the next `plan` or `apply`. */
export function journalFor(stateDir: string, orgId: string): FileJournalStore {
  return new FileJournalStore(join(stateDir, `${safe(orgId)}.journal.json`));
}
