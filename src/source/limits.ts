import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { GitLimitError, formatBytes, type FetchLimits } from "./policy.js";

/**
 * The size checks of a fetch. git has no client-side cap on what a server sends, so the mirror is
 * measured right after each fetch (and dropped when too big, to give the disk back), and a commit's
 * files are counted from `git ls-tree` before any of them is written out as a snapshot.
 */

/** Bytes on disk under `dir` (files' sizes; a missing dir is 0). Does not follow symlinks. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop()!;
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else
        total += await lstat(path).then(
          (s) => s.size,
          () => 0,
        );
    }
  }
  return total;
}

/** Throws when the cache already uses its quota, before it grows further. */
export async function checkCacheQuota(cacheDir: string, limits: FetchLimits): Promise<void> {
  const used = await diskUsage(cacheDir);
  if (used >= limits.cacheQuotaBytes) {
    throw new GitLimitError(
      `the operator's Git cache uses ${formatBytes(used)}, at its quota of ` +
        `${formatBytes(limits.cacheQuotaBytes)} (--git-cache-quota); nothing more is fetched until it is raised ` +
        "or the cache is cleared (it is rebuilt from the remotes)",
    );
  }
}

/** Throws when the mirror of `url` is bigger than a repository may be. */
export function checkMirrorSize(url: string, bytes: number, limits: FetchLimits): void {
  if (bytes > limits.maxRepoBytes) {
    throw new GitLimitError(
      `repository ${url} is ${formatBytes(bytes)} on disk, over the limit of ` +
        `${formatBytes(limits.maxRepoBytes)} (--git-max-repo-size)`,
    );
  }
}

/**
 * Checks the output of `git ls-tree -r -l -z <commit>` (`<mode> <type> <object> <size>\t<path>` per
 * entry) against the file count, the largest file and the total size.
 */
export function checkTreeLimits(url: string, commit: string, lsTree: string, limits: FetchLimits): void {
  let files = 0;
  let total = 0;
  const where = `commit ${commit.slice(0, 12)} of ${url}`;
  for (const entry of lsTree.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab < 0) continue;
    const [, type, , sizeText] = entry.slice(0, tab).trim().split(/\s+/);
    if (type !== "blob") continue;
    const size = Number(sizeText);
    files++;
    total += size;
    if (size > limits.maxFileBytes) {
      throw new GitLimitError(
        `${where}: file ${entry.slice(tab + 1)} is ${formatBytes(size)}, over the limit of ` +
          `${formatBytes(limits.maxFileBytes)} (--git-max-file-size)`,
      );
    }
    if (files > limits.maxFiles) {
      throw new GitLimitError(`${where} has more than ${limits.maxFiles} files (--git-max-files)`);
    }
  }
  if (total > limits.maxRepoBytes) {
    throw new GitLimitError(
      `${where} holds ${formatBytes(total)} of files, over the limit of ` +
        `${formatBytes(limits.maxRepoBytes)} (--git-max-repo-size)`,
    );
  }
}

/**
 * Measures `dir` every `intervalMs` while git fetches into it, and aborts (through `signal`, handed to
 * simple-git) as soon as it passes the repository limit: a hostile or mistaken multi-gigabyte
 * repository is stopped near the limit instead of filling the cache volume first.
 */
export class SizeWatch {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private busy = false;
  private seen = 0;

  constructor(
    private readonly dir: string,
    private readonly limits: FetchLimits,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => void this.poll(), intervalMs);
    this.timer.unref();
  }

  /** Aborts when the limit is passed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops watching; throws {@link GitLimitError} when the mirror is (or was seen) over the limit. */
  async finish(url: string): Promise<void> {
    clearInterval(this.timer);
    checkMirrorSize(url, Math.max(this.seen, await diskUsage(this.dir)), this.limits);
  }

  private async poll(): Promise<void> {
    if (this.busy || this.controller.signal.aborted) return;
    this.busy = true;
    try {
      this.seen = Math.max(this.seen, await diskUsage(this.dir));
      if (this.seen > this.limits.maxRepoBytes) this.controller.abort();
    } finally {
      this.busy = false;
    }
  }
}
