import { z } from "zod";

/**
 * Process configuration from the environment. This is the only module that reads `process.env`;
 * everything else receives the parsed {@link EnvConfig} (or values taken from it) from `main.ts`.
 */
export const EnvConfigSchema = z.object({
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  /** Genesys OAuth client credentials for CLI targets given by region (never logged). */
  genesysClientId: z.string().optional(),
  genesysClientSecret: z.string().optional(),
  genesysRegion: z.string().optional(),
  /** Directory for the Git clone cache and the apply journal. */
  cacheDir: z.string().optional(),
  /** Operator: namespaces to watch (comma-separated; empty = all). */
  watchNamespaces: z.string().optional(),
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
  watchNamespaces: "IVR_PROMOTER_WATCH_NAMESPACES",
  podName: "POD_NAME",
  podNamespace: "POD_NAMESPACE",
  flowSecrets: "IVR_SECRET_*",
  childEnv: "PATH, HOME, *_PROXY, SSL_CERT_*",
};

const CHILD_ENV =
  /^(PATH|HOME|TMPDIR|LANG|LC_ALL|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|SSL_CERT_(FILE|DIR))$/;

const SECRET_PREFIX = "IVR_SECRET_";

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
    throw new Error(`invalid environment variable ${name}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
