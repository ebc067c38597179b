import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { PromoterError } from "./errors.js";

/**
 * Process configuration from the environment. This is the only module that reads `process.env`;
 * everything else receives the parsed {@link EnvConfig} (or values taken from it) from `main.ts`.
 */
export const EnvConfigSchema = z.object({
  /** Unset: `info` for the operator, `warn` for the CLI commands (their output is for people). */
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).optional(),
  /** Genesys OAuth client credentials for CLI targets given by region (never logged). */
  genesysClientId: z.string().optional(),
  genesysClientSecret: z.string().optional(),
  genesysRegion: z.string().optional(),
  /** Directory for the Git clone cache and the apply journal. */
  cacheDir: z.string().optional(),
  /** CLI: base of the per-user state directory (`XDG_STATE_HOME`; default ~/.local/state). */
  stateHome: z.string().optional(),
  /** CLI output: `NO_COLOR` (any value: no ANSI styling) and `FORCE_COLOR` (styling even into a pipe). */
  noColor: z.string().optional(),
  forceColor: z.string().optional(),
  /** Operator: namespaces to watch (comma-separated; empty = all). */
  watchNamespaces: z.string().optional(),
  /** Operator: kubeconfig file list (`KUBECONFIG`, colon-separated), checked before client-node loads it. */
  kubeconfig: z.string().optional(),
  /** Operator: pod name, used as the leader-election identity. */
  podName: z.string().optional(),
  /** Operator: namespace holding the leader-election Lease. */
  podNamespace: z.string().optional(),
  /** What child processes (git, ssh) may see: PATH, HOME, proxy and CA settings; nothing secret. */
  childEnv: z.record(z.string(), z.string()).default({}),
  /** CLI: secret substitution values, by environment variable name (`IVR_SECRET_<KEY>`); never logged. */
  flowSecrets: z.record(z.string(), z.string()).default({}),
});

/** Parsed environment configuration. */
export type EnvConfig = z.infer<typeof EnvConfigSchema>;

const ENV_NAMES: Record<keyof EnvConfig, string> = {
  logLevel: "IVR_PROMOTER_LOG_LEVEL",
  genesysClientId: "GENESYS_CLIENT_ID",
  genesysClientSecret: "GENESYS_CLIENT_SECRET",
  genesysRegion: "GENESYS_REGION",
  cacheDir: "IVR_PROMOTER_CACHE_DIR",
  stateHome: "XDG_STATE_HOME",
  noColor: "NO_COLOR",
  forceColor: "FORCE_COLOR",
  watchNamespaces: "IVR_PROMOTER_WATCH_NAMESPACES",
  kubeconfig: "KUBECONFIG",
  podName: "POD_NAME",
  podNamespace: "POD_NAMESPACE",
  flowSecrets: "IVR_SECRET_*",
  childEnv: "PATH, HOME, *_PROXY, SSL_CERT_*",
};

const CHILD_ENV =
  /^(PATH|HOME|TMPDIR|LANG|LC_ALL|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|SSL_CERT_(FILE|DIR))$/;

const SECRET_PREFIX = "IVR_SECRET_";

/** An environment variable with an unusable value (the CLI exits 2, as for a bad flag). */
export class EnvConfigError extends PromoterError {
  constructor(message: string) {
    super("EnvConfigInvalid", "Stalled", message);
  }
}

/** Reads and validates the environment; a bad value is a one-line error naming the variable. */
export function loadEnvConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  raw["childEnv"] = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => CHILD_ENV.test(e[0]) && e[1] !== undefined),
  );
  raw["flowSecrets"] = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[0].startsWith(SECRET_PREFIX) && e[1] !== undefined,
    ),
  );
  const parsed = EnvConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? "");
    const name = ENV_NAMES[key as keyof EnvConfig] ?? key;
    throw new EnvConfigError(`invalid environment variable ${name}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/**
 * Where the CLI keeps its inventory and journal per org when --state-dir is not given: the XDG state
 * directory, outside any Git work tree, so a run leaves `git status` clean (like helm's and kubectl's
 * caches under the home directory).
 */
export function defaultStateDir(env: Pick<EnvConfig, "stateHome">): string {
  return join(env.stateHome ?? join(homedir(), ".local", "state"), "ivr-promoter");
}
