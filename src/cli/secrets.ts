import { secretEnvName } from "../flowset/layout.js";

/**
 * The CLI's secret substitution values: a key `api_key` is read from `IVR_SECRET_API_KEY` (already
 * collected by config.ts). The environment file names the keys, so lookups are by key, on demand.
 */
export function cliSecrets(byEnvName: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return new Proxy<Record<string, string>>(
    {},
    { get: (_target, key) => (typeof key === "string" ? byEnvName[secretEnvName(key)] : undefined) },
  );
}
