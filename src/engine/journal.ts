import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";

/**
 * The apply journal: what a run has started and finished, written before and after every write to the org,
 * so a process that dies (or is deposed) mid-apply leaves enough behind for the next one to restore the org.
 *
 * The job id of every import is recorded *before* its upload, so recovery can wait for jobs the dead run
 * left in flight instead of racing them; the content each flow had before the run is recorded (as a hash,
 * and for flows whose previous content is not in Git, as an export in the store's backup) before the first
 * write, so a rollback re-imports it through the same jobs API the forward path uses.
 */
export const JournalEntrySchema = z.object({
  key: z.string(),
  type: z.string(),
  name: z.string(),
  kind: z.enum(["create", "update", "drifted"]),
  /** The flow before this run touched it; absent id = it did not exist. */
  before: z.object({ id: z.string().optional(), publishedVersion: z.string().optional() }),
  /**
   * started: about to import (the job may or may not be registered); registered: the job exists and its
   * id is `jobId` (the upload may or may not have happened); done / failed: the job's outcome is known.
   */
  state: z.enum(["started", "registered", "done", "failed"]),
  jobId: z.string().optional(),
  flowId: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

export const JournalSchema = z.object({
  planHash: z.string(),
  revision: z.string(),
  target: z.string(),
  startedAt: z.string(),
  /** Keys of flows whose pre-run content is in the store's backup (an export taken before the first write). */
  backedUp: z.array(z.string()).default([]),
  entries: z.array(JournalEntrySchema),
  /**
   * Set when the run finished and its journal (and backup) are kept for verification after promotion:
   * not an interrupted run, but the means to roll the release back if verification fails.
   */
  completedAt: z.string().optional(),
});
export type Journal = z.infer<typeof JournalSchema>;

/** Pre-run content of flows, by flow key: the Archy YAML to re-import on rollback. */
export type Backup = Record<string, string>;

/**
 * Where the journal lives: a file for the CLI, the cluster for the operator.
 *
 * `fence()` is the write barrier: it resolves only while this process still holds the right to write for
 * the journal's object, and throws (FencedOutError) once another writer took it. The engine calls it
 * before every batch of writes to the org that is not already preceded by a journal write; `write` and
 * `clear` are fenced too, so a deposed writer's next step is refused before it reaches Genesys.
 */
export interface JournalStore {
  read(): Promise<Journal | undefined>;
  write(journal: Journal): Promise<void>;
  clear(): Promise<void>;
  fence(): Promise<void>;
  readBackup(): Promise<Backup>;
  writeBackup(backup: Backup): Promise<void>;
}

/** A journal kept in a JSON file, replaced atomically (write to a temp file, then rename). */
export class FileJournalStore implements JournalStore {
  constructor(private readonly path: string) {}

  async read(): Promise<Journal | undefined> {
    const text = await readOptional(this.path);
    return text === undefined ? undefined : JournalSchema.parse(JSON.parse(text));
  }

  async write(journal: Journal): Promise<void> {
    await writeAtomic(this.path, JSON.stringify(journal, null, 2));
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
    await rm(this.backupPath, { force: true });
  }

  /** One CLI process per state dir: nothing else can take the right to write away. */
  async fence(): Promise<void> {}

  async readBackup(): Promise<Backup> {
    const text = await readOptional(this.backupPath);
    return text === undefined ? {} : z.record(z.string(), z.string()).parse(JSON.parse(text));
  }

  async writeBackup(backup: Backup): Promise<void> {
    await writeAtomic(this.backupPath, JSON.stringify(backup));
  }

  private get backupPath(): string {
    return `${this.path.replace(/\.json$/, "")}.backup.json`;
  }
}

/** A journal held in memory (tests, and callers that accept losing it with the process). */
export class MemoryJournalStore implements JournalStore {
  #journal: Journal | undefined;
  #backup: Backup = {};
  async read(): Promise<Journal | undefined> {
    return this.#journal && structuredClone(this.#journal);
  }
  async write(journal: Journal): Promise<void> {
    this.#journal = structuredClone(journal);
  }
  async clear(): Promise<void> {
    this.#journal = undefined;
    this.#backup = {};
  }
  async fence(): Promise<void> {}
  async readBackup(): Promise<Backup> {
    return { ...this.#backup };
  }
  async writeBackup(backup: Backup): Promise<void> {
    this.#backup = { ...backup };
  }
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
