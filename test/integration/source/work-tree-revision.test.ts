import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { workTreeRevision } from "../../../src/source/work-tree-revision.js";
import { makeRepo, testGitEnv, type TestRepo } from "../../helpers/git-repo.js";

let repo: TestRepo;
const env = { PATH: process.env["PATH"] ?? "", HOME: tmpdir() };

beforeEach(async () => {
  repo = await makeRepo({ "flows/a.yaml": "inboundCall:\n  name: A\n", ".gitignore": "scratch/\n" });
});
afterEach(async () => {
  await repo.cleanup();
});

describe("workTreeRevision", () => {
  it("is HEAD when clean (ignored files do not count), HEAD+dirty when modified", async () => {
    const head = await repo.head();
    await mkdir(join(repo.dir, "scratch"));
    await writeFile(join(repo.dir, "scratch", "notes.txt"), "ignored\n");
    expect(await workTreeRevision(repo.dir, env)).toBe(head);
    await writeFile(join(repo.dir, "flows", "b.yaml"), "inboundCall:\n  name: B\n");
    expect(await workTreeRevision(repo.dir, env)).toBe(`${head}+dirty`);
  });

  it("is the branch commit the work tree equals, and leaves the user's index as it was", async () => {
    const head = await repo.head();
    await repo.git.raw(["branch", "side"]);
    await repo.switchTo("side");
    const side = await repo.commit({ "flows/b.yaml": "inboundCall:\n  name: B\n" });
    await repo.switchTo("main");
    await writeFile(join(repo.dir, "flows", "b.yaml"), "inboundCall:\n  name: B\n");
    await writeFile(join(repo.dir, "flows", "a.yaml"), "inboundCall:\n  name: A2\n");
    await repo.git.add(["flows/a.yaml"]); // staged by the user
    expect(await workTreeRevision(repo.dir, env)).toBe(`${head}+dirty`);
    expect(await repo.git.raw(["diff", "--cached", "--name-only"])).toBe("flows/a.yaml\n");
    await repo.git.raw(["checkout", "HEAD", "--", "flows/a.yaml"]);
    expect(await workTreeRevision(repo.dir, env)).toBe(side);
    expect(await repo.git.raw(["status", "--porcelain"])).toBe("?? flows/b.yaml\n");
  });

  it("is 'local' outside Git", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ivr-not-git-"));
    try {
      expect(await workTreeRevision(dir, { ...testGitEnv(), GIT_CEILING_DIRECTORIES: tmpdir() })).toBe(
        "local",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
