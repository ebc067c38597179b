import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GitAuth } from "./spec.js";

/**
 * The environment of every git child process. Credentials reach git through it and through files in
 * a private temp dir, never through argv (visible in `ps`) nor the remote URL (stored in .git/config).
 */

/** What a git invocation needs: its environment, the secret values to scrub, and a cleanup. */
export interface GitInvocation {
  env: Record<string, string>;
  /** Secret values that must never appear in logs or errors (scrubbed from git's stderr). */
  secrets: string[];
  /** Removes the temp dir holding the askpass helper, SSH key and known_hosts. */
  cleanup(): Promise<void>;
}

/** Options for {@link prepareGitInvocation}. */
export interface GitEnvOptions {
  /** Base environment (PATH, HOME, proxy and CA variables); GIT_* variables in it are dropped. */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** The ssh client to run (default `ssh`). */
  sshBinary: string;
  /** Seconds ssh waits for the TCP connection. */
  connectTimeoutSeconds: number;
}

// Git variables that are safe and useful to inherit (corporate CA bundles). Everything else that
// starts with GIT_ is dropped: GIT_DIR/GIT_INDEX_FILE would redirect us, GIT_TRACE_CURL would log tokens.
const KEPT_GIT_VARS = new Set(["GIT_SSL_CAINFO", "GIT_SSL_CAPATH"]);
// Programs git could launch that a fetch never needs (simple-git also refuses to run with them set).
const DROPPED_VARS = new Set(["SSH_ASKPASS", "EDITOR", "VISUAL", "PAGER", "PREFIX"]);
const DEFAULT_PATH = "/usr/local/bin:/opt/homebrew/bin:/usr/bin:/bin";

// Answers git's "Username for ..." / "Password for ..." prompts from variables only git's children see.
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  [Uu]sername*) printf '%s\\n' "$IVR_PROMOTER_GIT_USERNAME" ;;
  *) printf '%s\\n' "$IVR_PROMOTER_GIT_PASSWORD" ;;
esac
`;

/** Builds the env (and temp files) for one git operation with `auth`; always call `cleanup()`. */
export async function prepareGitInvocation(
  auth: GitAuth | undefined,
  options: GitEnvOptions,
): Promise<GitInvocation> {
  const env = baseGitEnv(options.baseEnv);
  const sshArgs = ["-o", "BatchMode=yes", "-o", `ConnectTimeout=${options.connectTimeoutSeconds}`];
  if (!auth) {
    env.GIT_SSH_COMMAND = [options.sshBinary, ...sshArgs].map(shellQuote).join(" ");
    return { env, secrets: [], cleanup: async () => undefined };
  }
  if (auth.type === "bearer") {
    // Config from the environment (GIT_CONFIG_COUNT): the header never reaches argv or a file.
    env.GIT_CONFIG_COUNT = "1";
    env.GIT_CONFIG_KEY_0 = "http.extraHeader";
    env.GIT_CONFIG_VALUE_0 = `Authorization: Bearer ${auth.token}`;
    return { env, secrets: [auth.token], cleanup: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), "ivr-promoter-git-"));
  await chmod(dir, 0o700);
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    if (auth.type === "ssh") {
      const keyFile = join(dir, "identity");
      const knownHostsFile = join(dir, "known_hosts");
      // OpenSSH rejects a key without the final newline ("invalid format").
      await writeFile(keyFile, auth.privateKey.endsWith("\n") ? auth.privateKey : `${auth.privateKey}\n`, {
        mode: 0o600,
      });
      await writeFile(knownHostsFile, `${auth.knownHosts.trim()}\n`, { mode: 0o600 });
      env.GIT_SSH_COMMAND = sshCommand(options.sshBinary, keyFile, knownHostsFile, sshArgs);
      env.GIT_SSH_VARIANT = "ssh";
      return { env, secrets: [auth.privateKey], cleanup };
    }
    const askpass = join(dir, "askpass.sh");
    await writeFile(askpass, ASKPASS_SCRIPT, { mode: 0o700 });
    const password = auth.type === "basic" ? auth.password : auth.token;
    env.GIT_ASKPASS = askpass;
    env.IVR_PROMOTER_GIT_USERNAME = auth.username;
    env.IVR_PROMOTER_GIT_PASSWORD = password;
    return { env, secrets: [password], cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The GIT_SSH_COMMAND for a key: only that identity, only the given known_hosts, no prompts, no ~/.ssh/config. */
export function sshCommand(
  sshBinary: string,
  keyFile: string,
  knownHostsFile: string,
  extra: string[] = [],
): string {
  const args = [
    sshBinary,
    ...[
      "-F",
      "/dev/null",
      "-i",
      keyFile,
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${knownHostsFile}`,
    ],
    ...["-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes"],
    ...extra,
  ];
  return args.map(shellQuote).join(" ");
}

/** The inherited environment minus GIT_* overrides, plus: no prompts, no system/global git config, C locale. */
export function baseGitEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    if (key.startsWith("GIT_") && !KEPT_GIT_VARS.has(key)) continue;
    if (DROPPED_VARS.has(key.toUpperCase()) || key.startsWith("IVR_PROMOTER_GIT_")) continue;
    env[key] = value;
  }
  env.PATH ??= DEFAULT_PATH;
  // Error classification reads git's English messages; prompts would hang a controller forever.
  env.LC_ALL = "C";
  env.GIT_TERMINAL_PROMPT = "0";
  // Hermetic: a user's credential.helper=store must never persist our tokens, nor insteadOf rewrite URLs.
  env.GIT_CONFIG_NOSYSTEM = "1";
  env.GIT_CONFIG_GLOBAL = "/dev/null";
  return env;
}

/** POSIX single-quote quoting, for GIT_SSH_COMMAND (git runs it through `sh -c`). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
