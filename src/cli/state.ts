import { constants } from "node:fs";
import { access, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { FileJournalStore } from "../engine/journal.js";
import { InventoryEntrySchema, flowKey, type InventoryEntry } from "../engine/model.js";
import { ConfigError } from "./exit-codes.js";

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
    throw unusable(stateDir, err);
  }
  return parseState(path, text).inventory;
}

/**
 * Makes sure `stateDir` exists and is writable before anything is written to an org, so an apply
 * never changes the org and then fails to record what it applied.
 */
export async function checkStateDir(stateDir: string): Promise<void> {
  try {
    await mkdir(stateDir, { recursive: true });
    await access(stateDir, constants.W_OK);
  } catch (err) {
    throw unusable(stateDir, err);
  }
}

/** A state file that is not one (hand-edited, truncated): a config error naming it and the way out. */
function parseState(path: string, text: string): StateFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      "StateFileInvalid",
      `${path}: not an ivr-promoter state file (${err instanceof Error ? err.message : String(err)}): move it away (the next apply records the org again) or give another --state-dir`,
    );
  }
  const parsed = StateFileSchema.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(
      "StateFileInvalid",
      `${path}: not an ivr-promoter state file (${parsed.error.issues[0]?.path.join(".") || "file"}: ${parsed.error.issues[0]?.message}): move it away or give another --state-dir`,
    );
  return parsed.data;
}

function unusable(stateDir: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === "ENOTDIR"
      ? "not a directory"
      : code === "EACCES" || code === "EPERM"
        ? "permission denied"
        : code === "EROFS"
          ? "read-only file system"
          : (code ?? String(err));
  return new ConfigError("StateDirUnusable", `--state-dir ${stateDir}: ${why}: give a writable directory`, {
    cause: err,
  });
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
  const state = parseState(path, text);
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
