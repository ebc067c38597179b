import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/logger.js";
// Snapshots are read-only: removeTree restores write bits first, so cleanup also works as non-root.
import { removeTree } from "../../../src/source/snapshot.js";
import { GitAuthError, GitSource, GitUnreachableError } from "../../../src/source/index.js";
import { gitAt, makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import {
  closedPort,
  startBlackhole,
  startGitDaemon,
  startGitHttpServer,
  type GitHttpServer,
  type GitServer,
} from "../../helpers/git-servers.js";

// The same GitSource over the network transports: git:// (git daemon) and smart HTTP with Basic auth.

const TOKEN = "ghp_s3cretT0kenValue-Do-Not-Leak-42";
const USER = "promoter-bot";

/** The servers here speak plain http on loopback: the test allows it explicitly (the default refuses it). */
const HTTP = { allowInsecureHttp: true };

let repo: TestRepo;
let daemon: GitServer;
let http: GitHttpServer;
let httpV0: GitHttpServer;
let cacheDir: string;
let source: GitSource;
let commits: string[];

beforeAll(async () => {
  repo = await makeRepo({ "flows/a.yaml": "inboundCall:\n  name: A\n" });
  commits = [await repo.head()];
  for (let i = 1; i < 4; i++)
    commits.push(await repo.commit({ [`flows/f${i}.yaml`]: `workflow:\n  name: W${i}\n` }));
  daemon = await startGitDaemon(repo.root);
  http = await startGitHttpServer(repo.root, { username: USER, password: TOKEN });
  httpV0 = await startGitHttpServer(repo.root, { username: USER, password: TOKEN, protocolV0: true });
  cacheDir = await mkdtemp(join(tmpdir(), "ivr-test-cache-"));
  source = new GitSource({
    cacheDir,
    logger: silentLogger(),
    env: process.env,
    timeoutMs: 20_000,
    policy: HTTP,
  });
});

afterAll(async () => {
  await Promise.all([daemon?.close(), http?.close(), httpV0?.close()]);
  await repo?.cleanup();
  if (cacheDir) await removeTree(cacheDir);
});

/** Every file of the cache, as text, to prove a secret was written nowhere. */
async function cacheText(): Promise<string> {
  const files = (await readdir(cacheDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const texts = await Promise.all(files.map((f) => readFile(join(f.parentPath, f.name), "latin1")));
  return texts.join("\n");
}

describe("git daemon (git://)", () => {
  it("resolves and checks out with a shallow fetch of only the wanted commit", async () => {
    const tip = commits[3]!;
    expect(await source.resolve({ url: daemon.url(repo.name), ref: { branch: "main" } })).toBe(tip);
    const checkout = await source.checkout({ url: daemon.url(repo.name), ref: { branch: "main" } });
    expect(checkout.commit).toBe(tip);
    expect(await readFile(join(checkout.dir, "flows/f3.yaml"), "utf8")).toContain("W3");
    const [key] = (await readdir(join(cacheDir, "git"))).filter((k) => k.includes("127.0.0.1"));
    const mirror = gitAt(join(cacheDir, "git", key!, "mirror.git"));
    expect((await mirror.raw(["rev-parse", "--is-shallow-repository"])).trim()).toBe("true");
    expect((await mirror.raw(["rev-list", "--count", tip])).trim()).toBe("1");
  });

  it("fetches an older commit by SHA without fetching the branch history", async () => {
    const checkout = await source.checkout({ url: daemon.url(repo.name), ref: { commit: commits[1]! } });
    await expect(readFile(join(checkout.dir, "flows/f1.yaml"), "utf8")).resolves.toContain("W1");
    await expect(readFile(join(checkout.dir, "flows/f2.yaml"), "utf8")).rejects.toThrow();
  });

  it("treats a closed port as unreachable (Transient)", async () => {
    const port = await closedPort();
    const err = await source
      .resolve({ url: `git://127.0.0.1:${port}/${repo.name}` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitUnreachableError);
    expect(String(err)).toMatch(/unreachable.*(connection refused|unable to connect)/i);
  });

  it("stops a hung server after the timeout and reports it as unreachable", async () => {
    const hung = await startBlackhole();
    const impatient = new GitSource({
      cacheDir,
      logger: silentLogger(),
      env: process.env,
      timeoutMs: 1_500,
      policy: HTTP,
    });
    try {
      const err = await impatient.resolve({ url: hung.url(repo.name) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitUnreachableError);
      expect(String(err)).toContain("git gave no output for 1500 ms and was stopped");
    } finally {
      await hung.close();
    }
  });
});

describe("smart HTTP with Basic auth", () => {
  it("authenticates with a token and never stores it in the cache", async () => {
    const before = http.authorizations.length;
    const spec = {
      url: http.url(repo.name),
      ref: { branch: "main" },
      auth: { type: "token" as const, token: TOKEN, username: USER },
    };
    const checkout = await source.checkout(spec);
    expect(checkout.commit).toBe(commits[3]);
    expect(http.authorizations.slice(before)).toContain(`${USER}:${TOKEN}`);
    const [key] = (await readdir(join(cacheDir, "git"))).filter((k) => k.includes(String(http.port)));
    const config = await readFile(join(cacheDir, "git", key!, "mirror.git", "config"), "utf8");
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(USER);
    expect(await cacheText()).not.toContain(TOKEN);
  });

  it("authenticates with a bearer header, kept out of the cache as well", async () => {
    const before = http.authorizations.length;
    const auth = { type: "bearer" as const, token: TOKEN };
    const missing = source.resolve({ url: http.url(repo.name), ref: { tag: "v2" }, auth });
    await expect(missing).rejects.toThrow(/tag "v2" not found/);
    await repo.tag("v2");
    const checkout = await source.checkout({ url: http.url(repo.name), ref: { tag: "v2" }, auth });
    expect(checkout.commit).toBe(commits[3]);
    expect(http.authorizations.slice(before)).toContain(`Bearer ${TOKEN}`);
    expect(await cacheText()).not.toContain(TOKEN);
  });

  it("falls back to a full fetch when the server refuses a want by SHA (protocol v0)", async () => {
    const auth = { type: "basic" as const, username: USER, password: TOKEN };
    const checkout = await source.checkout({
      url: httpV0.url(repo.name),
      ref: { commit: commits[0]! },
      auth,
    });
    await expect(readFile(join(checkout.dir, "flows/a.yaml"), "utf8")).resolves.toContain("name: A");
  });

  it("reports wrong credentials as GitAuthError without leaking them", async () => {
    const wrong = "wrong-" + TOKEN;
    const err = await source
      .resolve({ url: http.url(repo.name), auth: { type: "basic", username: USER, password: wrong } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitAuthError);
    expect(err).toMatchObject({ reason: "Stalled", code: "GitAuthFailed" });
    const text = `${String(err)} ${JSON.stringify(err)} ${(err as Error).stack ?? ""}`;
    expect(text).toMatch(/authentication failed/i);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(TOKEN);
  });

  it("reports missing credentials as GitAuthError instead of prompting", async () => {
    const err = await source.resolve({ url: http.url(repo.name) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitAuthError);
  });

  it("refuses to send credentials over plain http to a non-loopback host", async () => {
    const auth = { type: "token" as const, token: TOKEN };
    await expect(source.resolve({ url: "http://git.example.com/r.git", auth })).rejects.toThrow(/plain http/);
  });
});
