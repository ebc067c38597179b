import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logger.js";
// Snapshots are read-only: removeTree restores write bits first, so cleanup also works as non-root.
import { removeTree } from "../../../src/source/snapshot.js";
import {
  DEFAULT_READ_LIMITS,
  FlowSetReadError,
  GitSource,
  PathEscapeError,
  readFlowSet,
  type GitCheckout,
} from "../../../src/source/index.js";
import { makeRepo, type RepoFiles, type TestRepo } from "../../helpers/git-repo.js";

// readFlowSet on real checkouts: symlinks come from the repository itself, as an attacker would commit them.

let repo: TestRepo;
let cacheDir: string;
let source: GitSource;

const BASE: RepoFiles = {
  "ivr/flows/main.yaml": "inboundCall:\n  name: Main\n",
  "ivr/flows/sub/bot.yml": "botFlow:\n  name: Bot\n",
  "ivr/flows/notes.txt": "not yaml\n",
  "ivr/.github/ci.yaml": "on: push\n",
  "ivr/environments/dev.yaml": "values: {}\n",
  "common/shared.yaml": "commonModule:\n  name: Shared\n",
};

beforeAll(async () => {
  repo = await makeRepo(BASE);
  cacheDir = await mkdtemp(join(tmpdir(), "ivr-test-cache-"));
  source = new GitSource({
    cacheDir,
    logger: silentLogger(),
    env: process.env,
    policy: { allowLocal: true },
  });
});

afterAll(async () => {
  await repo?.cleanup();
  if (cacheDir) await removeTree(cacheDir);
});

async function checkoutWith(files: RepoFiles): Promise<GitCheckout> {
  const commit = await repo.commit(files, "symlink test");
  const checkout = await source.checkout({ url: repo.url, ref: { commit } });
  await repo.commit(Object.fromEntries(Object.keys(files).map((k) => [k, null])), "revert");
  return checkout;
}

describe("readFlowSet", () => {
  it("reads every YAML file below the path, sorted, with posix paths; skips dot-dirs and other files", async () => {
    const checkout = await source.checkout({ url: repo.url });
    const tree = await readFlowSet(checkout.dir, "ivr");
    expect(tree.files.map((f) => f.path)).toEqual([
      "environments/dev.yaml",
      "flows/main.yaml",
      "flows/sub/bot.yml",
    ]);
    expect(tree.files[1]!.text).toBe("inboundCall:\n  name: Main\n");
    const viaDot = await readFlowSet(checkout.dir, "./ivr/");
    expect(viaDot.files).toEqual(tree.files);
  });

  it("follows symlinks that stay inside the checkout", async () => {
    const checkout = await checkoutWith({ "ivr/flows/shared.yaml": { symlink: "../../common/shared.yaml" } });
    const tree = await readFlowSet(checkout.dir, "ivr");
    expect(tree.files.find((f) => f.path === "flows/shared.yaml")?.text).toContain("Shared");
  });

  it.each([
    ["..", /must not contain "\.\."/],
    ["ivr/../../etc", /must not contain "\.\."/],
    ["/etc", /must be relative/],
    ["C:\\flows", /must be relative/],
  ])("rejects the flow path %s", async (path, message) => {
    const checkout = await source.checkout({ url: repo.url });
    const err = await readFlowSet(checkout.dir, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathEscapeError);
    expect(String(err)).toMatch(message);
  });

  it.each<[string, RepoFiles]>([
    ["an absolute file symlink", { "ivr/flows/passwd.yaml": { symlink: "/etc/passwd" } }],
    ["a relative file symlink", { "ivr/flows/hosts.yaml": { symlink: "../../../../../../../../etc/hosts" } }],
    ["a directory symlink", { "ivr/flows/etc": { symlink: "/etc" } }],
    ["a dangling symlink pointing outside", { "ivr/flows/gone.yaml": { symlink: "/nonexistent/x.yaml" } }],
  ])("refuses %s that leaves the checkout", async (_label, files) => {
    const checkout = await checkoutWith(files);
    const err = await readFlowSet(checkout.dir, "ivr").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PathEscapeError);
    expect(String(err)).toMatch(
      /^PathEscapeError: ivr\/flows\/\S+: resolves outside the repository checkout/,
    );
  });

  it("refuses a flow path that is itself a symlink out of the checkout", async () => {
    const checkout = await checkoutWith({ outside: { symlink: "/etc" } });
    await expect(readFlowSet(checkout.dir, "outside")).rejects.toBeInstanceOf(PathEscapeError);
  });

  it("reports a missing path, a broken link inside, and oversized files as FlowSetReadError", async () => {
    const checkout = await checkoutWith({ "ivr/flows/broken.yaml": { symlink: "missing.yaml" } });
    await expect(readFlowSet(checkout.dir, "nope")).rejects.toThrow(/flow path "nope": does not exist/);
    await expect(readFlowSet(checkout.dir, "ivr")).rejects.toThrow(
      /ivr\/flows\/broken\.yaml: does not exist \(broken symlink\)/,
    );
    const clean = await source.checkout({ url: repo.url });
    const tiny = { ...DEFAULT_READ_LIMITS, maxFileBytes: 10 };
    const err = await readFlowSet(clean.dir, "ivr", tiny).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowSetReadError);
    expect(String(err)).toMatch(/ivr\/environments\/dev\.yaml: file is 11 bytes, more than the limit of 10/);
    await expect(readFlowSet(clean.dir, "ivr", { ...DEFAULT_READ_LIMITS, maxFiles: 2 })).rejects.toThrow(
      /more than 2 YAML files/,
    );
  });
});
