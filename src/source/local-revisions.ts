import { simpleGit, type SimpleGit } from "simple-git";
import { GitRefNotFoundError } from "./errors.js";

/**
 * Revisions of a local checkout, for `ivr-promoter diff`: the repository root, a revision resolved to
 * its commit, the default branch's merge base with HEAD, and whether the working tree differs from HEAD.
 * Reading a commit's files goes through {@link GitSource.checkout} like every other read of Git.
 */

/** The git of `dir`, with the caller's environment (PATH, HOME; no prompts). */
function gitAt(dir: string, env: Readonly<Record<string, string>>): SimpleGit {
  return simpleGit({ baseDir: dir }).env({ ...env, GIT_TERMINAL_PROMPT: "0" });
}

/** A local repository and what `diff` needs to know of it. */
export interface LocalRepo {
  /** The working tree's top level. */
  root: string;
  /** The commit a revision (branch, tag, SHA, `HEAD~1`, …) names; GitRefNotFoundError if none. */
  commitOf(rev: string): Promise<string>;
  /** The merge base of HEAD with the default branch (origin/HEAD, else main, master, origin/main, origin/master). */
  defaultBase(): Promise<{ commit: string; branch: string }>;
  /** HEAD's commit, with `+dirty` when the working tree (tracked or untracked files) differs from it. */
  worktreeRevision(): Promise<string>;
}

/** Opens the repository holding `dir`; a one-line GitRefNotFoundError when `dir` is not in one. */
export async function openLocalRepo(
  dir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<LocalRepo> {
  const git = gitAt(dir, env);
  const root = await git.revparse(["--show-toplevel"]).catch(() => {
    throw new GitRefNotFoundError(`${dir} is not inside a Git working tree`);
  });
  const commitOf = async (rev: string): Promise<string> => {
    if (rev.startsWith("-")) throw new GitRefNotFoundError(`revision "${rev}" may not start with "-"`);
    try {
      return (await git.revparse(["--verify", "--end-of-options", `${rev}^{commit}`])).trim();
    } catch {
      throw new GitRefNotFoundError(`revision "${rev}" is not a commit of ${root.trim()}`);
    }
  };
  return {
    root: root.trim(),
    commitOf,
    async defaultBase() {
      const candidates: string[] = [];
      const originHead = await git
        .raw(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"])
        .catch(() => "");
      if (originHead.trim()) candidates.push(originHead.trim());
      candidates.push("main", "master", "origin/main", "origin/master");
      for (const branch of candidates) {
        const commit = await commitOf(branch).catch(() => undefined);
        if (commit === undefined) continue;
        const base = (await git.raw(["merge-base", "HEAD", commit]).catch(() => "")).trim();
        if (base) return { commit: base, branch };
      }
      throw new GitRefNotFoundError(
        `no default branch to compare with (origin/HEAD, main, master): give --base REVISION`,
      );
    },
    async worktreeRevision() {
      const head = await commitOf("HEAD");
      const status = await git.status();
      return status.isClean() ? head : `${head}+dirty`;
    },
  };
}
