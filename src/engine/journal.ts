import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";

/**
 * The apply journal: what a run has started and finished, written before and after every write to the org,
 * so a process that dies mid-apply leaves enough behind for the next one to restore the org.
 */
export const JournalEntrySchema = z.object({
  key: z.string(),
  type: z.string(),
  name: z.string(),
  kind: z.enum(["create", "update", "drifted"]),
  /** The flow before this run touched it; absent id = it did not exist. */
  before: z.object({ id: z.string().optional(), publishedVersion: z.string().optional() }),
  state: z.enum(["started", "done"]),
  flowId: z.string().optional(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

export const JournalSchema = z.object({
  planHash: z.string(),
  revision: z.string(),
  target: z.string(),
  startedAt: z.string(),
  entries: z.array(JournalEntrySchema),
});
export type Journal = z.infer<typeof JournalSchema>;

/** Where the journal lives: a file for the CLI, the cluster for the operator. */
export interface JournalStore {
  read(): Promise<Journal | undefined>;
  write(journal: Journal): Promise<void>;
  clear(): Promise<void>;
}

/** A journal kept in a JSON file, replaced atomically (write to a temp file, then rename). */
export class FileJournalStore implements JournalStore {
  constructor(private readonly path: string) {}

  async read(): Promise<Journal | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    return JournalSchema.parse(JSON.parse(text));
  }

  async write(journal: Journal): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(journal, null, 2));
    await rename(tmp, this.path);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** A journal held in memory (tests, and callers that accept losing it with the process). */
export class MemoryJournalStore implements JournalStore {
  #journal: Journal | undefined;
  async read(): Promise<Journal | undefined> {
    return this.#journal && structuredClone(this.#journal);
  }
  async write(journal: Journal): Promise<void> {
    this.#journal = structuredClone(journal);
  }
  async clear(): Promise<void> {
    this.#journal = undefined;
  }
}
