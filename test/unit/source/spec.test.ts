import { describe, expect, it } from "vitest";
import { classifyGitError } from "../../../src/source/classify.js";
import {
  GitAuthError,
  GitOperationError,
  GitRefNotFoundError,
  GitSpecError,
  GitUnreachableError,
} from "../../../src/source/errors.js";
import { access, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { baseGitEnv, prepareGitInvocation, shellQuote, sshCommand } from "../../../src/source/git-env.js";
import { formatRevision, parseRepoSpec, repoKey, transportOf } from "../../../src/source/spec.js";

describe("transportOf", () => {
  it.each([
    ["https://github.com/acme/flows.git", "https"],
    ["http://127.0.0.1:8080/flows", "http"],
    ["ssh://git@github.com:22/acme/flows.git", "ssh"],
    ["git@github.com:acme/flows.git", "ssh"],
    ["git://127.0.0.1/flows", "git"],
    ["file:///srv/git/flows", "file"],
  ])("%s is %s", (url, transport) => {
    expect(transportOf(url)).toBe(transport);
  });

  it.each([
    ["ext::sh -c touch% /tmp/pwned", /remote helpers \(x::\) are not allowed/],
    ["fd::17", /remote helpers/],
    ["host::path", /remote helpers/],
    ["/srv/git/flows", /expected https:\/\//],
    ["-uflows", /must not start with '-'/],
    ["ftp://example.com/r.git", /unsupported scheme "ftp"/],
    ["https://x-access-token:ghp_abc@github.com/acme/flows.git", /credentials in the URL are not allowed/],
    ["https://ghp_abc@github.com/acme/flows.git", /credentials in the URL are not allowed/],
  ])("rejects %s", (url, message) => {
    expect(() => transportOf(url)).toThrow(GitSpecError);
    expect(() => transportOf(url)).toThrow(message);
  });
});

describe("parseRepoSpec", () => {
  it("defaults the ref and the token username", () => {
    expect(parseRepoSpec({ url: "https://h/r.git", auth: { type: "token", token: "t0k3n" } })).toEqual({
      url: "https://h/r.git",
      ref: {},
      auth: { type: "token", token: "t0k3n", username: "git" },
    });
  });

  it.each([
    [{ url: "https://h/r", ref: { branch: "-x" } }, /ref\.branch: is not a valid branch name/],
    [{ url: "https://h/r", ref: { tag: "v1..2" } }, /ref\.tag: is not a valid tag name/],
    [{ url: "https://h/r", ref: { commit: "ABCDEF" } }, /ref\.commit: must be a full lowercase commit SHA/],
    [{ url: "https://h/r", ref: { sha: "x" } }, /ref: Unrecognized key: "sha"/],
    [{ url: "https://h/r", auth: { type: "basic", username: "u" } }, /auth\.password: /],
    [
      { url: "https://h/r", auth: { type: "ssh", privateKey: "nope", knownHosts: "h k" } },
      /auth\.privateKey: is not a PEM/,
    ],
    [{ url: "git@h:r.git", auth: { type: "token", token: "t" } }, /token credentials need an https:\/\/ URL/],
    [{ url: "http://example.com/r", auth: { type: "token", token: "t" } }, /plain http/],
  ])("rejects %j", (spec, message) => {
    expect(() => parseRepoSpec(spec)).toThrow(message);
  });

  it("allows credentials over http to loopback only (test servers)", () => {
    expect(parseRepoSpec({ url: "http://127.0.0.1:9/r", auth: { type: "token", token: "t" } }).url).toContain(
      "127.0.0.1",
    );
    expect(parseRepoSpec({ url: "http://[::1]:9/r", auth: { type: "token", token: "t" } }).url).toContain(
      "[::1]",
    );
  });
});

describe("repoKey and formatRevision", () => {
  it("gives distinct, filesystem-safe keys to distinct URLs", () => {
    const a = repoKey("https://github.com/acme/flows.git");
    expect(a).toMatch(/^github\.com-acme-flows-[0-9a-f]{16}$/);
    expect(repoKey("https://github.com/acme/flows")).not.toBe(a);
    expect(repoKey("file:///../../etc")).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it("formats Flux-style revisions", () => {
    const sha = "a".repeat(40);
    expect(formatRevision({ branch: "main" }, sha)).toBe(`main@sha1:${sha}`);
    expect(formatRevision({ tag: "v1.0.0", branch: "main" }, sha)).toBe(`v1.0.0@sha1:${sha}`);
    expect(formatRevision({ commit: sha, branch: "main" }, sha)).toBe(`sha1:${sha}`);
    expect(formatRevision({}, sha)).toBe(`HEAD@sha1:${sha}`);
  });
});

describe("git environment", () => {
  it("drops GIT_* overrides and tracing, keeps CA bundles, disables prompts and user config", () => {
    const env = baseGitEnv({
      PATH: "/bin",
      HOME: "/home/x",
      GIT_DIR: "/elsewhere",
      GIT_INDEX_FILE: "/elsewhere/index",
      GIT_TRACE_CURL: "1",
      GIT_SSH_COMMAND: "evil",
      GIT_SSL_CAINFO: "/etc/ca.pem",
      EDITOR: "vim",
      UNSET: undefined,
    });
    expect(env).toEqual({
      PATH: "/bin",
      HOME: "/home/x",
      GIT_SSL_CAINFO: "/etc/ca.pem",
      LC_ALL: "C",
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    });
    expect(baseGitEnv({}).PATH).toContain("/usr/bin");
  });

  it("quotes paths for the shell that runs GIT_SSH_COMMAND", () => {
    expect(shellQuote("/tmp/a b/it's")).toBe(`'/tmp/a b/it'\\''s'`);
    expect(sshCommand("ssh", "/k", "/kh")).toBe(
      "ssh -F /dev/null -i /k -o IdentitiesOnly=yes -o UserKnownHostsFile=/kh -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes",
    );
  });
});

describe("prepareGitInvocation", () => {
  const options = { baseEnv: { PATH: "/bin" }, sshBinary: "ssh", connectTimeoutSeconds: 7 };

  it("passes a bearer token as config from the environment, never in argv or a file", async () => {
    const inv = await prepareGitInvocation({ type: "bearer", token: "tok-123" }, options);
    expect(inv.env).toMatchObject({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: "Authorization: Bearer tok-123",
    });
    expect(inv.secrets).toEqual(["tok-123"]);
  });

  it("answers Basic prompts through an askpass script reading variables, removed by cleanup", async () => {
    const inv = await prepareGitInvocation({ type: "basic", username: "bot", password: "pw-456" }, options);
    const script = inv.env.GIT_ASKPASS!;
    expect(await readFile(script, "utf8")).not.toContain("pw-456");
    expect((await stat(dirname(script))).mode & 0o777).toBe(0o700);
    expect(inv.env).toMatchObject({ IVR_PROMOTER_GIT_USERNAME: "bot", IVR_PROMOTER_GIT_PASSWORD: "pw-456" });
    await inv.cleanup();
    await expect(access(dirname(script))).rejects.toThrow();
  });

  it("writes the SSH key 0600 and points GIT_SSH_COMMAND at it and at the known_hosts", async () => {
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----";
    const inv = await prepareGitInvocation(
      { type: "ssh", privateKey: key, knownHosts: "h ssh-ed25519 AAAA" },
      options,
    );
    const keyFile = /-i (\S+)/.exec(inv.env.GIT_SSH_COMMAND!)?.[1];
    expect((await stat(keyFile!)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile!, "utf8")).toBe(`${key}\n`);
    expect(inv.env.GIT_SSH_COMMAND).toContain("StrictHostKeyChecking=yes");
    expect(inv.env.GIT_SSH_COMMAND).toContain("ConnectTimeout=7");
    await inv.cleanup();
    await expect(access(keyFile!)).rejects.toThrow();
  });

  it("rejects a multi-line bearer token (header injection)", () => {
    expect(() =>
      parseRepoSpec({ url: "https://h/r", auth: { type: "bearer", token: "a\r\nX-Evil: 1" } }),
    ).toThrow(/auth\.token: must be one non-empty line/);
  });
});

describe("classifyGitError", () => {
  const ctx = {
    action: 'resolve branch "main"',
    url: "https://git.example.com/r.git",
    secrets: ["hunter2-token"],
    timeoutMs: 5000,
  };
  it.each([
    ["fatal: Authentication failed for 'https://git.example.com/r.git/'", GitAuthError],
    ["git@h: Permission denied (publickey).\nfatal: Could not read from remote repository.", GitAuthError],
    ["Host key verification failed.\nfatal: Could not read from remote repository.", GitAuthError],
    ["fatal: could not read Username for 'https://h': terminal prompts disabled", GitAuthError],
    ["error: Server does not allow request for unadvertised object abc", GitRefNotFoundError],
    ["fatal: couldn't find remote ref refs/heads/nope", GitRefNotFoundError],
    ["fatal: unable to access 'https://h/': Could not resolve host: h", GitUnreachableError],
    [
      "fatal: unable to connect to 127.0.0.1:\n127.0.0.1[0: 127.0.0.1]: errno=Connection refused",
      GitUnreachableError,
    ],
    ["fatal: unable to write new index file", GitOperationError],
  ])("classifies %j", (stderr, type) => {
    expect(classifyGitError(new Error(stderr), ctx)).toBeInstanceOf(type);
  });

  it("scrubs known secrets and credentials from the message", () => {
    const err = classifyGitError(
      new Error(
        "fatal: Authentication failed for 'https://bot:hunter2-token@git.example.com/r.git/'\nAuthorization: Basic Ym90Omh1bnRlcjI=",
      ),
      ctx,
    );
    expect(err.message).toMatch(
      /^resolve branch "main" in https:\/\/git\.example\.com\/r\.git: authentication failed: /,
    );
    expect(err.message).not.toContain("hunter2-token");
    expect(err.message).not.toContain("Ym90Omh1bnRlcjI=");
  });

  it("reports simple-git's timeout kill as unreachable", () => {
    const timeout = Object.assign(new Error("block timeout reached"), { plugin: "timeout" });
    const err = classifyGitError(timeout, ctx);
    expect(err).toBeInstanceOf(GitUnreachableError);
    expect(err.message).toContain("git gave no output for 5000 ms");
  });
});
