import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logger.js";
// Snapshots are read-only: removeTree restores write bits first, so cleanup also works as non-root.
import { removeTree } from "../../../src/source/snapshot.js";
import {
  GitRefNotFoundError,
  GitSource,
  GitSpecError,
  GitUnreachableError,
} from "../../../src/source/index.js";
import { gitAt, makeRepo, type TestRepo } from "../../helpers/git-repo.js";

// Branch, tag and commit resolution, snapshots and cache safety against a real repository over file://.

/** The repositories here are local: the test allows file:// explicitly (the default refuses it). */
const LOCAL = { allowLocal: true };

let repo: TestRepo;
let cacheDir: string;
let source: GitSource;
let first: string;

beforeAll(async () => {
  repo = await makeRepo({ "flows/main.yaml": "inboundCall:\n  name: Main\n", "README.md": "# flows\n" });
  first = await repo.head();
  cacheDir = await mkdtemp(join(tmpdir(), "ivr-test-cache-"));
  source = new GitSource({
    cacheDir,
    logger: silentLogger(),
    env: process.env,
    timeoutMs: 30_000,
    policy: LOCAL,
  });
});

afterAll(async () => {
  await repo?.cleanup();
  if (cacheDir) await removeTree(cacheDir);
});

describe("GitSource.resolve", () => {
  it("resolves a branch, the default branch, and a new commit to a new SHA", async () => {
    expect(await source.resolve({ url: repo.url, ref: { branch: "main" } })).toBe(first);
    expect(await source.resolve({ url: repo.url })).toBe(first);
    const second = await repo.commit({ "flows/main.yaml": "inboundCall:\n  name: Main v2\n" });
    expect(second).not.toBe(first);
    expect(await source.resolve({ url: repo.url, ref: { branch: "main" } })).toBe(second);
  });

  it("resolves lightweight and annotated tags to the commit they point at", async () => {
    const light = await repo.tag("v1.0.0");
    const annotated = await repo.tag("v1.0.1", "release 1.0.1");
    expect(await source.resolve({ url: repo.url, ref: { tag: "v1.0.0" } })).toBe(light);
    expect(await source.resolve({ url: repo.url, ref: { tag: "v1.0.1" } })).toBe(annotated);
  });

  it("resolves a pinned commit that is no longer a branch tip", async () => {
    await repo.commit({ "flows/other.yaml": "botFlow:\n  name: Bot\n" });
    expect(await source.resolve({ url: repo.url, ref: { commit: first } })).toBe(first);
  });

  it("reports unknown branches, tags and commits as GitRefNotFoundError (Stalled)", async () => {
    const missingBranch = source.resolve({ url: repo.url, ref: { branch: "nope" } });
    await expect(missingBranch).rejects.toBeInstanceOf(GitRefNotFoundError);
    await expect(missingBranch).rejects.toThrow(/branch "nope" not found in file:/);
    await expect(source.resolve({ url: repo.url, ref: { tag: "v9" } })).rejects.toThrow(/tag "v9" not found/);
    const missingCommit = source.resolve({ url: repo.url, ref: { commit: "0".repeat(39) + "1" } });
    await expect(missingCommit).rejects.toBeInstanceOf(GitRefNotFoundError);
    await expect(missingCommit).rejects.toMatchObject({ reason: "Stalled", code: "GitRefNotFound" });
  });

  it("rejects bad specs before running git", async () => {
    await expect(source.resolve({ url: repo.url, ref: { commit: "abc123" } })).rejects.toThrow(
      /ref\.commit: must be a full lowercase commit SHA/,
    );
    await expect(
      source.resolve({ url: repo.url, ref: { branch: "--upload-pack=touch /tmp/x" } }),
    ).rejects.toBeInstanceOf(GitSpecError);
    await expect(source.resolve({ url: "ext::sh -c touch% /tmp/pwned" })).rejects.toThrow(
      /url: remote helpers/,
    );
    await expect(source.resolve({ url: "https://user:hunter2@example.com/r.git" })).rejects.toThrow(
      /credentials in the URL are not allowed/,
    );
  });

  it("reports a missing repository as GitUnreachableError (Transient)", async () => {
    const gone = source.resolve({ url: `${repo.url}-missing`, ref: { branch: "main" } });
    await expect(gone).rejects.toBeInstanceOf(GitUnreachableError);
    await expect(gone).rejects.toMatchObject({ reason: "Transient" });
  });
});

describe("GitSource.checkout", () => {
  it("exports the commit's files into a read-only snapshot", async () => {
    const checkout = await source.checkout({ url: repo.url, ref: { commit: first } });
    expect(checkout.commit).toBe(first);
    expect(checkout.revision).toBe(`sha1:${first}`);
    expect(await readFile(join(checkout.dir, "flows/main.yaml"), "utf8")).toBe(
      "inboundCall:\n  name: Main\n",
    );
    expect(await readdir(checkout.dir)).not.toContain(".git");
    expect((await stat(join(checkout.dir, "flows/main.yaml"))).mode & 0o222).toBe(0);
    expect((await stat(join(checkout.dir, "flows"))).mode & 0o222).toBe(0);
    // Root may ignore permissions; a non-root caller must not be able to write.
    if (process.getuid?.() !== 0)
      await expect(writeFile(join(checkout.dir, "x.yaml"), "x")).rejects.toThrow();
  });

  it("checks out a branch with a Flux-style revision and reuses the snapshot", async () => {
    const tip = await repo.head();
    const a = await source.checkout({ url: repo.url, ref: { branch: "main" } });
    const b = await source.checkout({ url: repo.url, ref: { branch: "main" } });
    expect(a).toEqual(b);
    expect(a.revision).toBe(`main@sha1:${tip}`);
    expect(await readFile(join(a.dir, "flows/other.yaml"), "utf8")).toContain("Bot");
  });

  it("keeps the cache intact under 8 concurrent resolves and checkouts of the same repo", async () => {
    const tip = await repo.commit({ "flows/concurrent.yaml": "workflow:\n  name: Concurrent\n" });
    const fresh = await mkdtemp(join(tmpdir(), "ivr-test-cache-"));
    // Two instances share the cache dir: within one the mutex serialises, between them the lock file does.
    const sources = [0, 1].map(
      () => new GitSource({ cacheDir: fresh, logger: silentLogger(), env: process.env, policy: LOCAL }),
    );
    try {
      const refs = [{ branch: "main" }, { commit: tip }, { commit: first }, { tag: "v1.0.1" }];
      const expected = [tip, tip, first, await repo.head("v1.0.1")];
      const runs = Array.from({ length: 8 }, (_, i) => {
        const [a, b] = sources as [GitSource, GitSource];
        const spec = { url: repo.url, ref: refs[i % refs.length]! };
        return i % 2 === 0 ? a.checkout(spec).then((c) => c.commit) : b.resolve(spec);
      });
      const commits = await Promise.all(runs);
      commits.forEach((c, i) => expect(c).toBe(expected[i % 4]));
      const checkout = await sources[1]!.checkout({ url: repo.url, ref: { branch: "main" } });
      expect(await readFile(join(checkout.dir, "flows/concurrent.yaml"), "utf8")).toContain("Concurrent");
      const [repoDir] = await readdir(join(fresh, "git"));
      const entries = await readdir(join(fresh, "git", repoDir!));
      expect(entries.sort()).toEqual(["mirror.git", "snapshots"]);
      const mirror = gitAt(join(fresh, "git", repoDir!, "mirror.git"));
      await expect(mirror.raw(["fsck", "--no-progress", "--no-dangling"])).resolves.toBe("");
    } finally {
      await removeTree(fresh);
    }
  });

  it("prunes snapshots it is not told to keep", async () => {
    const keep = await source.checkout({ url: repo.url, ref: { branch: "main" } });
    const old = await source.checkout({ url: repo.url, ref: { commit: first } });
    await source.prune(repo.url, [keep.commit]);
    await expect(stat(old.dir)).rejects.toThrow();
    expect((await stat(keep.dir)).isDirectory()).toBe(true);
  });
});
