import { access, mkdir, mkdtemp, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import type { Logger } from "../logger.js";
import { classifyGitError } from "./classify.js";
import { GitOperationError, GitRefNotFoundError } from "./errors.js";
import { prepareGitInvocation } from "./git-env.js";
import { SizeWatch, checkCacheQuota, checkTreeLimits } from "./limits.js";
import { DEFAULT_FETCH_LIMITS, checkSourceUrl, type FetchLimits, type SourcePolicy } from "./policy.js";
import { KeyedMutex, withFileLock } from "./repo-lock.js";
import { makeReadOnly, removeTree } from "./snapshot.js";
import {
  formatRevision,
  parseRepoSpec,
  repoKey,
  transportOf,
  type GitRef,
  type GitRepoSpec,
  type ParsedRepoSpec,
} from "./spec.js";

/** Options for {@link GitSource}. */
export interface GitSourceOptions {
  /** Root of the cache; repositories live in `<cacheDir>/git/<slug>-<hash of URL>/`. */
  cacheDir: string;
  logger: Logger;
  /** A git command that prints nothing for this long is killed (simple-git `timeout.block`). Default 60 s, as Flux. */
  timeoutMs?: number;
  /**
   * Environment for git (PATH, HOME, proxy and CA variables), normally the process environment handed
   * down from `config.ts`. GIT_* overrides in it are ignored. Default: a PATH of the usual bin dirs only.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** The ssh client (default `ssh`). */
  sshBinary?: string;
  /** How long to wait for another process holding the repository lock. Default 10 minutes. */
  lockWaitMs?: number;
  /** Which URLs may be fetched; default: neither plain http nor file:// (see policy.ts). */
  policy?: Partial<SourcePolicy>;
  /** Size limits and the cache quota; default {@link DEFAULT_FETCH_LIMITS}. */
  limits?: Partial<FetchLimits>;
}

/** A read-only directory holding the files of one commit. */
export interface GitCheckout {
  /** Full commit SHA. */
  commit: string;
  /** Flux-style `branch@sha1:<sha>` (see {@link formatRevision}). */
  revision: string;
  /** Absolute path of the snapshot; shared between callers, never modify it. */
  dir: string;
}

/**
 * Resolves refs to commits and materialises commits as read-only snapshots. One bare mirror per
 * repository URL, fetched shallowly by SHA when the server allows it; every mutation of a mirror
 * happens under {@link KeyedMutex} + a lock file, so concurrent callers (and processes) are safe.
 *
 * The cache is shared by every caller, so it is never the proof that a caller may read a repository:
 * every checkout talks to the remote with the caller's own credentials first. A branch or tag is
 * resolved there anyway; a pinned commit costs one `git ls-remote` of HEAD (only refs, no objects)
 * before a cached snapshot is served. We chose this over keying the cache by URL + credential
 * identity because revoking a token must take effect at once (a per-credential cache would keep
 * serving what it holds), because one team's Secret rotation would otherwise refetch everything, and
 * because Git hosts authorise per repository: a caller that may list a repository's refs may read
 * its commits. The cost is that a pinned commit needs the remote to be up, like a branch always did.
 */
export class GitSource {
  private readonly mutex = new KeyedMutex();
  private readonly timeoutMs: number;
  private readonly policy: SourcePolicy;
  private readonly limits: FetchLimits;

  constructor(private readonly options: GitSourceOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.policy = { allowInsecureHttp: false, allowLocal: false, ...options.policy };
    this.limits = { ...DEFAULT_FETCH_LIMITS, ...options.limits };
  }

  /** The commit SHA `spec.ref` points at now. Branches and tags cost one `ls-remote`; a commit is verified to exist. */
  async resolve(input: GitRepoSpec): Promise<string> {
    const spec = await this.admit(input);
    const commit = spec.ref.commit;
    if (commit === undefined) return this.lsRemote(spec);
    await this.confirmAccess(spec);
    await this.locked(spec, () => this.ensureCommit(spec, commit));
    return commit;
  }

  /** Resolves `spec` and returns the snapshot of that commit, exporting it first if this cache has none. */
  async checkout(input: GitRepoSpec): Promise<GitCheckout> {
    const spec = await this.admit(input);
    // lsRemote of a branch or tag proves access; a pinned commit needs its own proof (see the class doc).
    const commit = spec.ref.commit ?? (await this.lsRemote(spec));
    if (spec.ref.commit !== undefined) await this.confirmAccess(spec);
    const dir = join(this.repoDir(spec.url), "snapshots", commit);
    const result = { commit, revision: formatRevision(spec.ref, commit), dir };
    // Snapshots appear by atomic rename, so one that exists is complete.
    if (await exists(dir)) return result;
    await this.locked(spec, async () => {
      if (await exists(dir)) return;
      await this.ensureCommit(spec, commit);
      await this.exportSnapshot(spec, commit, dir);
    });
    this.options.logger.debug({ url: spec.url, commit }, "git snapshot ready");
    return result;
  }

  /** Deletes this repository's snapshots except those of `keepCommits` (call after a promotion settles). */
  async prune(url: string, keepCommits: readonly string[]): Promise<void> {
    const spec = parseRepoSpec({ url });
    const snapshots = join(this.repoDir(url), "snapshots");
    await this.locked(spec, async () => {
      const names = await readdir(snapshots).catch(() => [] as string[]);
      for (const name of names) if (!keepCommits.includes(name)) await removeTree(join(snapshots, name));
    });
  }

  /** Parses the spec and applies the URL policy. */
  private async admit(input: GitRepoSpec): Promise<ParsedRepoSpec> {
    const spec = parseRepoSpec(input);
    await checkSourceUrl(spec.url, transportOf(spec.url), this.policy, this.options.cacheDir);
    return spec;
  }

  /** The remote answers `ls-remote` with these credentials: the caller may read the repository. */
  private async confirmAccess(spec: ParsedRepoSpec): Promise<void> {
    await this.git(spec, "confirm access", (git) => git.raw(["ls-remote", spec.url, "HEAD"]));
  }

  private async lsRemote(spec: ParsedRepoSpec): Promise<string> {
    const wanted = spec.ref.tag
      ? `refs/tags/${spec.ref.tag}`
      : spec.ref.branch
        ? `refs/heads/${spec.ref.branch}`
        : "HEAD";
    // An annotated tag's own object is not a commit: ask for the peeled `<tag>^{}` line as well.
    const patterns = spec.ref.tag ? [wanted, `${wanted}^{}`] : [wanted];
    const out = await this.git(spec, `resolve ${describeRef(spec.ref)}`, (git) =>
      git.raw(["ls-remote", spec.url, ...patterns]),
    );
    const refs = new Map<string, string>();
    for (const line of out.split("\n")) {
      const [sha, name] = line.trim().split("\t");
      if (sha && name) refs.set(name, sha);
    }
    const commit = refs.get(`${wanted}^{}`) ?? refs.get(wanted);
    if (commit === undefined)
      throw new GitRefNotFoundError(`${describeRef(spec.ref)} not found in ${spec.url}`);
    return commit;
  }

  /** Makes `commit` present in the mirror: a shallow fetch by SHA, else a full fetch of the ref(s). Caller holds the lock. */
  private async ensureCommit(spec: ParsedRepoSpec, commit: string): Promise<void> {
    const mirror = await this.ensureMirror(spec);
    if (await this.hasCommit(spec, mirror, commit)) return;
    await checkCacheQuota(this.options.cacheDir, this.limits);
    const watch = new SizeWatch(mirror, this.limits);
    try {
      await this.fetchInto(spec, mirror, commit, watch.signal);
      await watch.finish(spec.url);
    } catch (err) {
      await watch.finish(spec.url).catch(async (limitErr: unknown) => {
        await removeTree(mirror); // give the disk back; the next attempt starts from scratch
        throw limitErr;
      });
      throw err;
    }
    if (!(await this.hasCommit(spec, mirror, commit))) {
      throw new GitRefNotFoundError(`commit ${commit} not found in ${spec.url}`);
    }
    // A ref keeps the fetched commit from ever being garbage-collected.
    await this.git(spec, "pin commit", (git) =>
      git.raw(["--git-dir", mirror, "update-ref", `refs/ivr/commits/${commit}`, commit]),
    );
  }

  /** A shallow fetch of `commit`, else of the ref(s) in full; `signal` stops git (the size watch). */
  private async fetchInto(
    spec: ParsedRepoSpec,
    mirror: string,
    commit: string,
    signal: AbortSignal,
  ): Promise<void> {
    const action = `fetch ${describeRef(spec.ref)}`;
    const fetch = (args: readonly string[]) =>
      this.git(
        spec,
        action,
        (git) =>
          git.raw(["--git-dir", mirror, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", ...args]),
        {},
        signal,
      );
    try {
      await fetch(["--depth=1", spec.url, commit]);
    } catch (err) {
      // Servers that refuse a want by SHA (protocol v0 without allowReachableSHA1InWant, dumb HTTP) say
      // "not our ref" or fail on --depth: fall back to fetching the named refs in full.
      if (!isRetryableByFullFetch(err) || signal.aborted) throw err;
      await fetch([spec.url, ...fullRefspecs(spec.ref)]);
    }
  }

  private async ensureMirror(spec: ParsedRepoSpec): Promise<string> {
    const mirror = join(this.repoDir(spec.url), "mirror.git");
    if (await exists(join(mirror, "HEAD"))) return mirror;
    // A mirror without HEAD is a leftover of a crash during init: start over.
    await removeTree(mirror);
    await this.git(spec, "create cache", (git) => git.raw(["init", "--quiet", "--bare", mirror]));
    return mirror;
  }

  private async hasCommit(spec: ParsedRepoSpec, mirror: string, commit: string): Promise<boolean> {
    return this.git(spec, "look up commit", (git) =>
      git.raw(["--git-dir", mirror, "cat-file", "-e", `${commit}^{commit}`]),
    ).then(
      () => true,
      () => false,
    );
  }

  /** Writes the tree of `commit` into a temp dir with a private index, freezes it, and renames it into place. */
  private async exportSnapshot(spec: ParsedRepoSpec, commit: string, dir: string): Promise<void> {
    const mirror = join(this.repoDir(spec.url), "mirror.git");
    const listing = await this.git(spec, "list files", (git) =>
      git.raw(["--git-dir", mirror, "ls-tree", "-r", "-l", "-z", commit]),
    );
    checkTreeLimits(spec.url, commit, listing, this.limits);
    await checkCacheQuota(this.options.cacheDir, this.limits);
    const tmp = await mkdtemp(join(this.repoDir(spec.url), "tmp-"));
    const tree = join(tmp, "tree");
    try {
      await mkdir(tree);
      const extraEnv = { GIT_INDEX_FILE: join(tmp, "index") };
      const base = ["--git-dir", mirror, "--work-tree", tree];
      await this.git(spec, "export snapshot", (git) => git.raw([...base, "read-tree", commit]), extraEnv);
      await this.git(
        spec,
        "export snapshot",
        (git) => git.raw([...base, "checkout-index", "--all", "--force"]),
        extraEnv,
      );
      await makeReadOnly(tree);
      await mkdir(join(dir, ".."), { recursive: true });
      await rename(tree, dir);
    } finally {
      await removeTree(tmp);
    }
  }

  /** Runs `fn` with a simple-git bound to this operation's environment; failures become typed errors. */
  private async git<T>(
    spec: ParsedRepoSpec,
    action: string,
    fn: (git: SimpleGit) => Promise<T>,
    extraEnv = {},
    signal?: AbortSignal,
  ): Promise<T> {
    await mkdir(this.options.cacheDir, { recursive: true });
    const invocation = await prepareGitInvocation(spec.auth, {
      baseEnv: this.options.env ?? {},
      sshBinary: this.options.sshBinary ?? "ssh",
      connectTimeoutSeconds: Math.max(1, Math.ceil(this.timeoutMs / 1000)),
    });
    try {
      const git = simpleGit({
        baseDir: this.options.cacheDir,
        timeout: { block: this.timeoutMs },
        ...(signal ? { abort: signal } : {}),
        config: [
          "gc.auto=0",
          "maintenance.auto=false",
          // Credentials go to the URL's host only: with them, no redirect is followed at all (git would
          // answer the new host's prompt with our askpass, and send an extraHeader anywhere). Without
          // them, only the first request may redirect (git's default), e.g. http -> https.
          `http.followRedirects=${spec.auth ? "false" : "initial"}`,
        ],
        // We set these variables ourselves (git-env.ts); nothing user-supplied reaches them unchecked.
        unsafe: {
          allowUnsafeAskPass: true,
          allowUnsafeSshCommand: true,
          allowUnsafeConfigPaths: true,
          allowUnsafeConfigEnvCount: true,
        },
      }).env({ ...invocation.env, GIT_ALLOW_PROTOCOL: this.allowedProtocols(), ...extraEnv });
      return await fn(git);
    } catch (err) {
      throw classifyGitError(err, {
        action,
        url: spec.url,
        secrets: invocation.secrets,
        timeoutMs: this.timeoutMs,
      });
    } finally {
      await invocation.cleanup();
    }
  }

  private async locked<T>(spec: ParsedRepoSpec, fn: () => Promise<T>): Promise<T> {
    const dir = this.repoDir(spec.url);
    return this.mutex.run(dir, async () => {
      await mkdir(dir, { recursive: true });
      const lock = {
        waitMs: this.options.lockWaitMs ?? 600_000,
        staleMs: Math.max(120_000, this.timeoutMs * 3),
      };
      return withFileLock(join(dir, "lock"), lock, fn);
    });
  }

  /** git's own transport allow-list, the same as the URL policy (also covers anything git might follow). */
  private allowedProtocols(): string {
    const extra = [this.policy.allowInsecureHttp ? "http" : "", this.policy.allowLocal ? "file" : ""];
    return ["https", "ssh", "git", ...extra].filter(Boolean).join(":");
  }

  private repoDir(url: string): string {
    return join(this.options.cacheDir, "git", repoKey(url));
  }
}

/** Human description of a ref for messages: `branch "main"`, `tag "v1"`, `commit 0123abc…`, `the default branch`. */
export function describeRef(ref: GitRef): string {
  if (ref.commit) return `commit ${ref.commit}`;
  if (ref.tag) return `tag "${ref.tag}"`;
  if (ref.branch) return `branch "${ref.branch}"`;
  return "the default branch (HEAD)";
}

function fullRefspecs(ref: GitRef): string[] {
  if (ref.branch) return [`+refs/heads/${ref.branch}:refs/ivr/heads/${ref.branch}`];
  if (ref.tag && !ref.commit) return [`+refs/tags/${ref.tag}:refs/ivr/tags/${ref.tag}`];
  return ["+refs/heads/*:refs/ivr/heads/*", "+refs/tags/*:refs/ivr/tags/*"];
}

function isRetryableByFullFetch(err: unknown): boolean {
  return err instanceof GitRefNotFoundError || err instanceof GitOperationError;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
