import { open, readFile, rename, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { GitOperationError } from "./errors.js";

/**
 * Serialises work on one cached repository: an in-process async mutex per key (cheap, fair, FIFO)
 * around a lock file (so two processes sharing a cache directory, e.g. the CLI next to a running
 * operator, never fetch into the same mirror at once).
 */

/** FIFO async mutex per key: `run(key, fn)` starts `fn` only after every earlier `fn` for `key` settled. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` exclusively for `key`. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(fn);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      // Drop the entry when nobody queued behind us, so the map does not grow with every repo ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** Timing of {@link withFileLock}. */
export interface FileLockOptions {
  /** Give up waiting after this long (GitOperationError, Transient). */
  waitMs: number;
  /** A lock whose file was not touched for this long is abandoned (its holder crashed or hung). */
  staleMs: number;
  pollMs?: number;
}

const LockOwnerSchema = z.object({ pid: z.number().int(), host: z.string() });
type LockOwner = z.infer<typeof LockOwnerSchema>;

/** Runs `fn` while holding the lock file at `path` (created with O_EXCL, refreshed while held, removed after). */
export async function withFileLock<T>(
  path: string,
  options: FileLockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  await acquire(path, options);
  // Touch the file while we hold it, so a long fetch is not mistaken for a crashed holder.
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    Math.max(1000, Math.floor(options.staleMs / 3)),
  );
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    await unlink(path).catch(() => undefined);
  }
}

async function acquire(path: string, options: FileLockOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  const pollMs = options.pollMs ?? 50;
  for (;;) {
    try {
      const handle = await open(path, "wx", 0o600);
      const owner: LockOwner = { pid: process.pid, host: hostname() };
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (await isAbandoned(path, options.staleMs)) {
      // Rename first: of several waiters that all saw the stale lock, only one rename succeeds.
      const moved = `${path}.stale-${process.pid}-${Date.now()}`;
      if (
        await rename(path, moved).then(
          () => true,
          () => false,
        )
      )
        await unlink(moved).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new GitOperationError(
        `git cache is locked by another process (${path}); gave up after ${options.waitMs} ms`,
      );
    }
    await sleep(pollMs + Math.floor(Math.random() * pollMs));
  }
}

async function isAbandoned(path: string, staleMs: number): Promise<boolean> {
  try {
    const info = await stat(path);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const owner = parseOwner(await readFile(path, "utf8"));
    return owner !== undefined && owner.host === hostname() && !isAlive(owner.pid);
  } catch {
    return false; // vanished meanwhile: the next open() will tell
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const parsed = LockOwnerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // being written right now
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
