import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";

/** What {@link commitToBranch} did. */
export interface BranchCommit {
  /** The new commit, or undefined when the files already matched the branch. */
  commit: string | undefined;
  branch: string;
  /** True when `branch` is the one checked out (an ordinary commit on HEAD). */
  onHead: boolean;
}

/**
 * Commits `files` (paths relative to `root`, as they are in the work tree) onto `branch` without
 * moving HEAD or touching the user's index: the commit is made in a throw-away detached worktree at
 * HEAD (or at the branch's tip while it holds an export HEAD does not have), and the branch ref then
 * moves with a compare-and-swap on its old value. When `branch` is the one checked out, it is an ordinary commit.
 */
export async function commitToBranch(
  root: string,
  branch: string,
  files: readonly string[],
  message: string,
): Promise<BranchCommit> {
  const git = simpleGit(root);
  const ref = `refs/heads/${branch}`;
  await git.raw(["check-ref-format", ref]);
  if ((await git.branchLocal()).current === branch) {
    await git.add([...files]);
    const done = await git.commit(message, [...files]);
    return { commit: done.commit || undefined, branch, onHead: true };
  }
  const old = (await git.raw(["rev-parse", "--verify", "--quiet", ref]).catch(() => "")).trim();
  const head = (await git.revparse(["HEAD"])).trim();
  // On HEAD unless the branch holds an export not merged yet: then the commit is HEAD plus the
  // exported files, which is the work tree, so a plan right after reads that commit, not `+dirty`.
  // A branch already merged into HEAD moves forward to it (its history stays reachable).
  const base = old && !(await isAncestor(git, old, head)) ? old : head;
  const tmp = await mkdtemp(join(tmpdir(), "ivr-export-"));
  const tree = join(tmp, "tree");
  await git.raw(["worktree", "add", "--detach", "--quiet", tree, base]);
  try {
    const wt = simpleGit(tree);
    for (const file of files) {
      await mkdir(dirname(join(tree, file)), { recursive: true });
      await copyFile(join(root, file), join(tree, file));
    }
    await wt.add([...files]);
    if ((await wt.status()).isClean()) {
      if (!old) await git.raw(["update-ref", ref, base, "0".repeat(40)]);
      return { commit: undefined, branch, onHead: false };
    }
    await wt.commit(message, [...files]);
    const commit = (await wt.revparse(["HEAD"])).trim();
    // An all-zero old value makes git refuse if the branch appeared meanwhile, so no commit is lost.
    await git.raw(["update-ref", "-m", "ivr-promoter export", ref, commit, old || "0".repeat(40)]);
    return { commit, branch, onHead: false };
  } finally {
    await git.raw(["worktree", "remove", "--force", tree]).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  }
}

/** True when `commit` is `head` or one of its ancestors. */
async function isAncestor(git: SimpleGit, commit: string, head: string): Promise<boolean> {
  // Not `merge-base --is-ancestor`: its "no" is an exit status without stderr, which simple-git
  // does not report as an error.
  const base = await git.raw(["merge-base", commit, head]).catch(() => "");
  return base.trim() === commit;
}
