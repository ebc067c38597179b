import { chmod, lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Snapshots are plain directories holding the files of one commit. They are made read-only once
 * written, because several readers (controller reconciles, CLI runs) share one per commit and none
 * may change what another reads.
 */

/** Makes a snapshot tree read-only: files 0444 (0555 if executable), directories 0555. Symlinks are left alone. */
export async function makeReadOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) {
      await makeReadOnly(path);
    } else {
      const { mode } = await lstat(path);
      await chmod(path, mode & 0o111 ? 0o555 : 0o444);
    }
  }
  await chmod(dir, 0o555);
}

/** Removes a read-only tree: directories get their write bit back first (unlink needs it on the parent). */
export async function removeTree(dir: string): Promise<void> {
  await makeWritable(dir).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

async function makeWritable(dir: string): Promise<void> {
  const info = await lstat(dir);
  if (!info.isDirectory()) return;
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeWritable(join(dir, entry.name));
  }
}
