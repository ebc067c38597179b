import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { checkTreeLimits } from "../../../src/source/limits.js";
import {
  DEFAULT_FETCH_LIMITS,
  GitLimitError,
  GitUrlNotAllowedError,
  checkSourceUrl,
  formatBytes,
} from "../../../src/source/policy.js";
import { transportOf } from "../../../src/source/spec.js";

/** The Git URL policy and the tree limits, without git. */

const LOCKDOWN = { allowInsecureHttp: false, allowLocal: false };
const CACHE = join(tmpdir(), "ivr-policy-cache");
const check = (url: string, policy = LOCKDOWN) => checkSourceUrl(url, transportOf(url), policy, CACHE);

describe("checkSourceUrl", () => {
  it("allows https, ssh and git:// under the lockdown", async () => {
    for (const url of ["https://h/r.git", "ssh://git@h/r.git", "git@h:org/r.git", "git://h/r.git"]) {
      await expect(check(url)).resolves.toBeUndefined();
    }
  });

  it("refuses http and file:// unless allowed, naming the flag", async () => {
    await expect(check("http://h/r.git")).rejects.toThrow(/--allow-insecure-http/);
    await expect(check("file:///srv/r.git")).rejects.toThrow(/--allow-local-git/);
    await expect(check("http://h/r.git")).rejects.toBeInstanceOf(GitUrlNotAllowedError);
    const open = { allowInsecureHttp: true, allowLocal: true };
    await expect(check("http://h/r.git", open)).resolves.toBeUndefined();
    await expect(check("file:///srv/r.git", open)).resolves.toBeUndefined();
  });

  it("never takes the cache, a path inside it or one of its parents as a source", async () => {
    const open = { allowInsecureHttp: true, allowLocal: true };
    for (const path of [CACHE, join(CACHE, "git", "x", "mirror.git"), join(CACHE, "..")]) {
      await expect(check(pathToFileURL(path).href, open)).rejects.toThrow(/Git cache is not a source/);
    }
  });
});

describe("checkTreeLimits", () => {
  const entry = (size: number, path: string) =>
    `100644 blob ${"a".repeat(40)} ${String(size).padStart(7)}\t${path}`;
  const listing = (...entries: string[]) => entries.join("\0") + "\0";
  const limits = { ...DEFAULT_FETCH_LIMITS, maxFiles: 2, maxFileBytes: 100, maxRepoBytes: 150 };

  it("passes a tree within the limits, ignoring submodule and tree entries", () => {
    const gitlink = `160000 commit ${"b".repeat(40)}       -\tvendor/x`;
    expect(() =>
      checkTreeLimits("u", "c", listing(entry(10, "a"), gitlink, entry(90, "b")), limits),
    ).not.toThrow();
  });

  it.each([
    [listing(entry(1, "a"), entry(1, "b"), entry(1, "c")), /more than 2 files \(--git-max-files\)/],
    [
      listing(entry(101, "big.wav")),
      /file big.wav is 101 B, over the limit of 100 B \(--git-max-file-size\)/,
    ],
    [
      listing(entry(80, "a"), entry(80, "b")),
      /holds 160 B of files, over the limit of 150 B \(--git-max-repo-size\)/,
    ],
  ])("refuses %#", (text, message) => {
    expect(() => checkTreeLimits("u", "c".repeat(40), text, limits)).toThrow(GitLimitError);
    expect(() => checkTreeLimits("u", "c".repeat(40), text, limits)).toThrow(message);
  });

  it("formats sizes for messages", () => {
    expect([formatBytes(512), formatBytes(2048), formatBytes(256 << 20), formatBytes(1536 << 20)]).toEqual([
      "512 B",
      "2 KiB",
      "256 MiB",
      "1.5 GiB",
    ]);
  });
});
