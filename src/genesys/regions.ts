import { PromoterError } from "../errors.js";

/**
 * Region name (AWS style) → Genesys Cloud domain. API base is `https://api.<domain>`, the token
 * endpoint `https://login.<domain>/oauth/token` (genesys-api.md §1.1, §1.4).
 */
export const REGION_DOMAINS: Readonly<Record<string, string>> = {
  "us-east-1": "mypurecloud.com",
  "us-east-2": "use2.us-gov-pure.cloud",
  "us-west-2": "usw2.pure.cloud",
  "ca-central-1": "cac1.pure.cloud",
  "sa-east-1": "sae1.pure.cloud",
  "mx-central-1": "mxc1.pure.cloud",
  "eu-west-1": "mypurecloud.ie",
  "eu-west-2": "euw2.pure.cloud",
  "eu-central-1": "mypurecloud.de",
  "eu-central-2": "euc2.pure.cloud",
  "eusc-de-east-1": "edee1.eusc-pure.cloud",
  "me-central-1": "mec1.pure.cloud",
  "ap-south-1": "aps1.pure.cloud",
  "ap-southeast-1": "apse1.pure.cloud",
  "ap-southeast-2": "mypurecloud.com.au",
  "ap-northeast-1": "mypurecloud.jp",
  "ap-northeast-2": "apne2.pure.cloud",
  "ap-northeast-3": "apne3.pure.cloud",
};

/** The two bases a client talks to; for the emulator both are the same server. */
export interface GenesysHosts {
  /** Base of `/api/v2/...`, without a trailing slash (e.g. `https://api.mypurecloud.ie`). */
  apiBase: string;
  /** Base of `/oauth/token`, without a trailing slash (e.g. `https://login.mypurecloud.ie`). */
  loginBase: string;
}

/** A region that is neither a known region name nor a known domain; the user must fix the target. */
export class UnknownRegionError extends PromoterError {
  constructor(region: string) {
    super(
      "GenesysUnknownRegion",
      "Stalled",
      `unknown Genesys Cloud region "${region}" (known: ${Object.keys(REGION_DOMAINS).join(", ")})`,
    );
  }
}

/**
 * Resolves the API and login bases. An explicit `baseUrl` wins (the emulator serves both login and API
 * on one base); otherwise `region` is looked up by AWS name or, for convenience, by domain.
 */
export function resolveHosts(target: { region?: string; baseUrl?: string }): GenesysHosts {
  if (target.baseUrl) {
    const base = target.baseUrl.replace(/\/+$/, "");
    return { apiBase: base, loginBase: base };
  }
  const region = (target.region ?? "us-east-1").trim().toLowerCase();
  const domain = REGION_DOMAINS[region] ?? Object.values(REGION_DOMAINS).find((d) => d === region);
  if (!domain) throw new UnknownRegionError(target.region ?? "");
  return { apiBase: `https://api.${domain}`, loginBase: `https://login.${domain}` };
}
