import type { EnvConfig } from "../config.js";
import { GenesysClient, RateLimiterRegistry } from "../genesys/index.js";
import type { Logger } from "../logger.js";
import { UsageError } from "./command.js";

/** The target options every org-facing command accepts (parsed with node:util parseArgs). */
export const TARGET_OPTIONS = {
  emulator: { type: "string" },
  region: { type: "string" },
  "client-id": { type: "string" },
  "rate-limit": { type: "string" },
} as const;

/** Help text for {@link TARGET_OPTIONS}. */
export const TARGET_HELP = `target (one of):
  --emulator URL            an ivr-promoter emulator (e.g. http://127.0.0.1:8787)
  --region REGION           a Genesys Cloud region (us-east-1, eu-west-1, ...; default $GENESYS_REGION)
credentials (never as a flag value, so they stay out of shell history and process lists):
  --client-id ID            OAuth client id (default $GENESYS_CLIENT_ID)
  secret from $GENESYS_CLIENT_SECRET
  --rate-limit N            client-side requests per minute (default 300)`;

/** A target: the client, and where it points (for messages; state is keyed by the org id). */
export interface CliTarget {
  client: GenesysClient;
  clientId: string;
  endpoint: string;
}

/** Builds the Genesys client for the command's target flags; errors are one-line usage errors. */
export function targetFromFlags(
  values: { emulator?: string; region?: string; "client-id"?: string; "rate-limit"?: string },
  env: EnvConfig,
  logger: Logger,
  limiters?: RateLimiterRegistry,
): CliTarget {
  const clientId = values["client-id"] ?? env.genesysClientId;
  const clientSecret = env.genesysClientSecret;
  if (!clientId) throw new UsageError("missing --client-id (or GENESYS_CLIENT_ID)");
  if (!clientSecret) throw new UsageError("missing client secret: set GENESYS_CLIENT_SECRET");
  const region = values.region ?? env.genesysRegion;
  if (values.emulator && values.region) throw new UsageError("give --emulator or --region, not both");
  if (!values.emulator && !region) throw new UsageError("missing target: --emulator URL or --region REGION");
  const perMinute = values["rate-limit"] ? Number(values["rate-limit"]) : undefined;
  if (perMinute !== undefined && !(Number.isInteger(perMinute) && perMinute > 0)) {
    throw new UsageError(`--rate-limit must be a positive integer, got '${values["rate-limit"]}'`);
  }
  const registry =
    limiters ?? new RateLimiterRegistry(perMinute ? { requests: perMinute, windowSeconds: 60 } : {});
  const client = new GenesysClient(
    values.emulator
      ? { baseUrl: values.emulator, clientId, clientSecret }
      : { region, clientId, clientSecret },
    { logger, limiters: registry },
  );
  return { client, clientId, endpoint: values.emulator ?? `region ${region}` };
}
