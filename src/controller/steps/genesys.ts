import { createHash } from "node:crypto";
import type { IvrPromotionSpec } from "../../api/ivr-promotion.js";
import { EndpointAllowList } from "../../genesys/endpoint-policy.js";
import type { RateLimiterRegistry } from "../../genesys/index.js";
import { GenesysClient } from "../../genesys/index.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../metrics.js";
import type { TargetCredentials } from "../credentials.js";

/** Clients kept for reuse; beyond this the least recently used is dropped. */
const MAX_CLIENTS = 128;

/**
 * Genesys clients for IvrPromotions. `spec.target.endpoint` is the API and login base (the emulator);
 * `spec.target.region` a region name or domain. Clients are reused across reconciles (keyed by target,
 * client id, a hash of the secret and the rate), so the OAuth token is fetched once per client rather
 * than once per reconcile, and a rotated secret simply makes a new client.
 * Throttling is shared per (API base, OAuth client) through the process-wide RateLimiterRegistry;
 * `spec.rateLimit.requestsPerMinute` asks for a lower rate, and the strictest asked for by any object
 * using that OAuth client applies to all of them (the org limits the client, not the object).
 * An endpoint is checked against the operator's allow-list before a client exists, so a refused one
 * never sees a request, not even the token request carrying the client secret (endpoint-policy.ts).
 */
export class GenesysClients {
  private readonly cache = new Map<string, GenesysClient>();

  constructor(
    private readonly shared: RateLimiterRegistry,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    /** The egress allow-list (also checked for verification webhooks). */
    readonly endpoints: EndpointAllowList = new EndpointAllowList(),
  ) {}

  /** A client for the object's target, acting as `credentials`. */
  client(spec: IvrPromotionSpec, credentials: TargetCredentials): GenesysClient {
    const { endpoint, region } = spec.target;
    if (endpoint !== undefined) this.endpoints.check(endpoint);
    const perMinute = spec.rateLimit?.requestsPerMinute;
    const secretHash = createHash("sha256").update(credentials.clientSecret).digest("hex");
    const key = JSON.stringify([
      endpoint ?? "",
      region ?? "",
      credentials.clientId,
      secretHash,
      perMinute ?? 0,
    ]);
    let client = this.cache.get(key);
    if (client) {
      this.cache.delete(key); // re-inserted below: most recently used last
    } else {
      const target = endpoint ? { baseUrl: endpoint, ...credentials } : { region, ...credentials };
      client = new GenesysClient(target, {
        logger: this.logger,
        limiters: this.shared,
        ...(perMinute === undefined ? {} : { rateLimit: { requests: perMinute, windowSeconds: 60 } }),
        observer: this.metrics.genesysObserver(),
      });
    }
    this.cache.set(key, client);
    if (this.cache.size > MAX_CLIENTS) this.cache.delete(this.cache.keys().next().value as string);
    return client;
  }
}
