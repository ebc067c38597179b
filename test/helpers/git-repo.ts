import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { simpleGit, type SimpleGit } from "simple-git";

/**
 * Real git repositories in temp dirs for tests. Commits are made with a fixed identity and with the
 * user's global/system git config ignored, so results do not depend on the machine.
 */

/** File content to commit: text, `null` to delete, or a symlink (target as written, may be relative). */
export type RepoFile = string | null | { symlink: string };
/** Files to commit, keyed by repository-relative path with `/` separators. */
export type RepoFiles = Record<string, RepoFile>;

/** A repository made by {@link makeRepo}. */
export interface TestRepo {
  /** The working tree (a normal, non-bare repository). */
  dir: string;
  /** The directory holding `dir` (serve it with git daemon or http-backend); the repo is `<root>/<name>`. */
  root: string;
  name: string;
  /** `file://` URL of the repository. */
  url: string;
  /** Writes `files` on the current branch, commits them and returns the new commit SHA. */
  commit(files: RepoFiles, message?: string): Promise<string>;
  /** Creates tag `name` at HEAD (annotated when `message` is given) and returns the commit it points at. */
  tag(name: string, message?: string): Promise<string>;
  /** Creates branch `name` at HEAD and switches to it, so later commits land there. */
  branch(name: string): Promise<void>;
  /** Switches to an existing branch. */
  switchTo(name: string): Promise<void>;
  /** The commit SHA of HEAD (or of `rev`). */
  head(rev?: string): Promise<string>;
  /** The simple-git instance bound to `dir`, for anything else. */
  git: SimpleGit;
  /** Deletes the temp dir. */
  cleanup(): Promise<void>;
}

/** Git environment for test repositories: no user config, fixed identity, no prompts. */
export function testGitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  // simple-git refuses to run with editor/pager variables set; a test never needs them.
  const dropped = new Set(["EDITOR", "VISUAL", "PAGER", "PREFIX"]);
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("GIT_") && !dropped.has(k.toUpperCase())) env[k] = v;
  }
  return { ...env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" };
}

/** A simple-git bound to `dir` with {@link testGitEnv} and a fixed committer identity. */
export function gitAt(dir: string): SimpleGit {
  return simpleGit({
    baseDir: dir,
    config: [
      "user.name=IVR Test",
      "user.email=test@ivr-promoter.invalid",
      "commit.gpgsign=false",
      "tag.gpgsign=false",
    ],
    unsafe: { allowUnsafeConfigPaths: true },
  }).env(testGitEnv());
}

/** Creates a repository on branch `main` with one commit holding `files`. */
export async function makeRepo(files: RepoFiles, options: { name?: string } = {}): Promise<TestRepo> {
  const root = await mkdtemp(join(tmpdir(), "ivr-test-repo-"));
  const name = options.name ?? "flows";
  const dir = join(root, name);
  await mkdir(dir);
  const git = gitAt(dir);
  const repo: TestRepo = {
    dir,
    root,
    name,
    url: pathToFileURL(dir).href,
    git,
    async commit(changes, message = "update flows") {
      for (const [path, content] of Object.entries(changes)) {
        const full = join(dir, ...path.split("/"));
        if (content === null) {
          await git.raw(["rm", "--quiet", "-r", "--", path]);
          continue;
        }
        await mkdir(dirname(full), { recursive: true });
        await rm(full, { force: true });
        if (typeof content === "string") await writeFile(full, content);
        else await symlink(content.symlink, full);
      }
      await git.raw(["add", "--all"]);
      await git.raw(["commit", "--quiet", "--allow-empty", "-m", message]);
      return repo.head();
    },
    async tag(tagName, message) {
      await git.raw(message === undefined ? ["tag", tagName] : ["tag", "-a", tagName, "-m", message]);
      return repo.head();
    },
    async branch(branchName) {
      await git.raw(["switch", "--quiet", "-c", branchName]);
    },
    async switchTo(branchName) {
      await git.raw(["switch", "--quiet", branchName]);
    },
    async head(rev = "HEAD") {
      return (await git.raw(["rev-parse", `${rev}^{commit}`])).trim();
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  try {
    await git.raw(["init", "--quiet", "--initial-branch=main"]);
    await repo.commit(files, "initial flows");
  } catch (err) {
    await repo.cleanup(); // a failed setup must not leave a temp dir behind
    throw err;
  }
  return repo;
}
