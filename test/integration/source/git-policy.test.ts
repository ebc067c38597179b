import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logger.js";
import { removeTree } from "../../../src/source/snapshot.js";
import {
  GitAuthError,
  GitLimitError,
  GitSource,
  GitUnreachableError,
  GitUrlNotAllowedError,
  type GitSourceOptions,
} from "../../../src/source/index.js";
import { startCaptureServer, type CaptureServer } from "../../helpers/capture-server.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { startGitHttpServer, type GitHttpServer } from "../../helpers/git-servers.js";

/**
 * The Git source's tenant boundary: which URLs it fetches, that credentials go to the URL's host
 * only, that its cache is never proof of access, and its size limits. Real git against real
 * loopback servers; the "attacker" is a capture server that records what reaches it.
 */

const TOKEN = "ghp_tenantA-s3cret-token-Do-Not-Leak";
const USER = "team-a-bot";
const auth = { type: "basic" as const, username: USER, password: TOKEN };

let repo: TestRepo;
let work: string;
let http: GitHttpServer;
let capture: CaptureServer;

beforeAll(async () => {
  repo = await makeRepo({ "flows/a.yaml": "inboundCall:\n  name: A\n", "flows/b.yaml": "x: 1\n" });
  work = await mkdtemp(join(tmpdir(), "ivr-git-policy-"));
  http = await startGitHttpServer(repo.root, { username: USER, password: TOKEN });
  capture = await startCaptureServer();
});

afterAll(async () => {
  await http.close();
  await capture.close();
  await repo.cleanup();
  await removeTree(work);
});

let n = 0;
function source(options: Partial<GitSourceOptions> = {}): GitSource {
  const cacheDir = join(work, `cache-${n++}`);
  return new GitSource({ cacheDir, logger: silentLogger(), env: process.env, timeoutMs: 20_000, ...options });
}

describe("URL policy", () => {
  it("refuses plain http by default, before any request: the capture server gets nothing", async () => {
    const err = await source()
      .checkout({ url: `${capture.url}/team-b.git`, ref: { branch: "main" }, auth })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitUrlNotAllowedError);
    expect(err).toMatchObject({ reason: "Stalled", code: "GitUrlNotAllowed" });
    expect(String(err)).toContain("--allow-insecure-http");
    expect(capture.requests).toEqual([]);
  });

  it("refuses file:// by default, and the cache's own mirror even when file:// is allowed", async () => {
    const strict = source();
    await expect(strict.resolve({ url: repo.url })).rejects.toThrow(/--allow-local-git/);
    const cacheDir = join(work, "cache-local");
    const local = source({ cacheDir, policy: { allowLocal: true } });
    const checkout = await local.checkout({ url: repo.url, ref: { branch: "main" } });
    const [key] = await readdir(join(cacheDir, "git"));
    const mirror = pathToFileURL(join(cacheDir, "git", key!, "mirror.git")).href;
    const err = await local.checkout({ url: mirror, ref: { commit: checkout.commit } }).catch((e) => e);
    expect(err).toBeInstanceOf(GitUrlNotAllowedError);
    expect(String(err)).toContain("the operator's Git cache is not a source");
  });

  it("follows no redirect with credentials: the other host never sees them", async () => {
    const elsewhere = await startCaptureServer();
    // localhost, not 127.0.0.1: another host name, as a real redirect to an attacker's host would be.
    const redirector = await startCaptureServer({ redirectTo: `http://localhost:${elsewhere.port}` });
    try {
      const err = await source({ policy: { allowInsecureHttp: true } })
        .resolve({ url: `${redirector.url}/team-a.git`, auth })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitUrlNotAllowedError);
      expect(String(err)).toContain("credentials never follow a redirect");
      expect(redirector.requests.length).toBeGreaterThan(0);
      expect(elsewhere.withCredentials([TOKEN])).toEqual([]);
      expect(elsewhere.requests).toEqual([]);
      expect(String(err)).not.toContain(TOKEN);
    } finally {
      await redirector.close();
      await elsewhere.close();
    }
  });
});

describe("the cache is not proof of access", () => {
  it("serves a cached pinned commit only to a caller the remote accepts", async () => {
    const cacheDir = join(work, "cache-shared");
    const shared = source({ cacheDir, policy: { allowInsecureHttp: true } });
    const url = http.url(repo.name);
    const commit = await shared.resolve({ url, ref: { branch: "main" }, auth });
    await shared.checkout({ url, ref: { commit }, auth }); // team A's snapshot is now cached
    const wrong = { ...auth, password: `wrong-${TOKEN}` };
    await expect(shared.checkout({ url, ref: { commit }, auth: wrong })).rejects.toBeInstanceOf(GitAuthError);
    await expect(shared.checkout({ url, ref: { commit } })).rejects.toBeInstanceOf(GitAuthError);
    await expect(shared.resolve({ url, ref: { commit } })).rejects.toBeInstanceOf(GitAuthError);
    await expect(shared.checkout({ url, ref: { commit }, auth })).resolves.toMatchObject({ commit });
  });

  it("does not serve the cache when the server is unreachable", async () => {
    const cacheDir = join(work, "cache-down");
    const other = await startGitHttpServer(repo.root, { username: USER, password: TOKEN });
    const cached = source({ cacheDir, policy: { allowInsecureHttp: true } });
    const url = other.url(repo.name);
    const commit = await cached.resolve({ url, ref: { branch: "main" }, auth });
    await cached.checkout({ url, ref: { commit }, auth });
    await other.close();
    const err = await cached.checkout({ url, ref: { commit } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitUnreachableError);
  });
});

describe("fetch limits", () => {
  const local = { allowLocal: true };
  it("refuses a commit with too many files, or too large a file, as Stalled", async () => {
    const many = source({ policy: local, limits: { maxFiles: 1 } });
    const err = await many.checkout({ url: repo.url, ref: { branch: "main" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLimitError);
    expect(err).toMatchObject({ reason: "Stalled", code: "GitLimitExceeded" });
    expect(String(err)).toContain("--git-max-files");
    const large = source({ policy: local, limits: { maxFileBytes: 8 } });
    await expect(large.checkout({ url: repo.url, ref: { branch: "main" } })).rejects.toThrow(
      /flows\/a\.yaml is 2\d B, over the limit of 8 B \(--git-max-file-size\)/,
    );
  });

  it("refuses a repository bigger than --git-max-repo-size and drops its mirror", async () => {
    const cacheDir = join(work, "cache-big");
    const big = source({ cacheDir, policy: local, limits: { maxRepoBytes: 1024 } });
    await expect(big.checkout({ url: repo.url, ref: { branch: "main" } })).rejects.toThrow(
      /over the limit of 1 KiB \(--git-max-repo-size\)/,
    );
    const [key] = await readdir(join(cacheDir, "git"));
    expect(await readdir(join(cacheDir, "git", key!))).not.toContain("mirror.git");
  });

  it("stops a fetch that grows past --git-max-repo-size (8 MiB of random data, limit 1 MiB)", async () => {
    const { randomBytes } = await import("node:crypto");
    const huge = await makeRepo({
      "flows/a.yaml": "x: 1\n",
      "blob.bin": randomBytes(8 << 20).toString("base64"),
    });
    try {
      const cacheDir = join(work, "cache-huge");
      const capped = source({ cacheDir, policy: local, limits: { maxRepoBytes: 1 << 20 } });
      const err = await capped.checkout({ url: huge.url, ref: { branch: "main" } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitLimitError);
      expect(String(err)).toContain("over the limit of 1 MiB (--git-max-repo-size)");
      const [key] = await readdir(join(cacheDir, "git"));
      expect(await readdir(join(cacheDir, "git", key!))).not.toContain("mirror.git");
    } finally {
      await huge.cleanup();
    }
  });

  it("fetches nothing more once the cache is at its quota", async () => {
    const cacheDir = join(work, "cache-quota");
    const first = source({ cacheDir, policy: local });
    await first.checkout({ url: repo.url, ref: { branch: "main" } });
    const full = source({ cacheDir, policy: local, limits: { cacheQuotaBytes: 1024 } });
    const other = await makeRepo({ "flows/c.yaml": "x: 2\n" });
    try {
      await expect(full.checkout({ url: other.url, ref: { branch: "main" } })).rejects.toThrow(
        /at its quota of 1 KiB \(--git-cache-quota\)/,
      );
    } finally {
      await other.cleanup();
    }
  });
});
