import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { simpleGit } from "simple-git";

/**
 * The revision of a local checkout as `plan --dir` and `apply --dir` report it: the HEAD commit when
 * the work tree is clean; when it is not, the commit whose tree is exactly the work tree if a local
 * branch has one (what `export` just committed on `ivr-export/<env>` without moving HEAD, say: the
 * content is that commit, so nothing is "dirty"); else `<HEAD>+dirty`. `local` outside Git.
 * `env` is the environment of the git processes (PATH, HOME).
 */
export async function workTreeRevision(root: string, env: Readonly<Record<string, string>>): Promise<string> {
  try {
    const git = simpleGit(root).env({ ...env });
    if (!(await git.checkIsRepo())) return "local";
    const head = (await git.revparse(["HEAD"])).trim();
    if ((await git.status()).isClean()) return head;
    const tree = await workTreeTree(root, env);
    const tips = await git.raw(["for-each-ref", "--format=%(objectname) %(tree)", "refs/heads"]);
    // HEAD first: with several matches (the export branch still at HEAD's tree), HEAD is the truth.
    const headTree = (await git.revparse([`${head}^{tree}`])).trim();
    if (headTree === tree) return head;
    for (const line of tips.split("\n")) {
      const [commit, commitTree] = line.trim().split(" ");
      if (commit && commitTree === tree) return commit;
    }
    return `${head}+dirty`;
  } catch {
    return "local";
  }
}

/**
 * The tree `git add -A && git write-tree` would make of the work tree, built in a private copy of the
 * index so the user's index (what they staged) is never touched; .gitignore applies as usual.
 */
async function workTreeTree(root: string, env: Readonly<Record<string, string>>): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), "ivr-worktree-"));
  try {
    const index = join(tmp, "index");
    const userIndex = resolve(
      root,
      (
        await simpleGit(root)
          .env({ ...env })
          .revparse(["--git-path", "index"])
      ).trim(),
    );
    // Starting from the user's index keeps its stat cache: only files that changed are hashed again.
    await copyFile(userIndex, index).catch(() => undefined);
    const git = simpleGit(root).env({ ...env, GIT_INDEX_FILE: index });
    await git.raw(["add", "--all"]);
    return (await git.raw(["write-tree"])).trim();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
