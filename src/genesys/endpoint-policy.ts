import { PromoterError } from "../errors.js";

/**
 * Where an IvrPromotion may send its OAuth client secret. A `spec.target.region` always resolves to
 * Genesys's own login host (regions.ts), so it needs no permission. `spec.target.endpoint` is any URL a
 * namespace editor types, so the operator refuses it unless its admin allow-listed it with
 * `--allowed-endpoints`: otherwise anyone who may edit an IvrPromotion could have the operator post a
 * Secret it can read, but they cannot, to a server of their choosing.
 *
 * An entry is `scheme://host[:port]`:
 * - `scheme` is `https` or `http`. It must equal the endpoint's: an `https://` entry never allows a
 *   plain `http://` endpoint, so cleartext is only ever allowed by an entry that says `http://`.
 * - `host` is a DNS name, an IPv4 address or a bracketed IPv6 address, compared case-insensitively and
 *   exactly (`localhost` and `127.0.0.1` are different entries), or `*.example.com` for any subdomain of
 *   example.com at any depth (not example.com itself).
 * - `port` is a number or `*` (any port); omitted, it is the scheme's default (443 or 80).
 * - No user, path, query or fragment: only the origin is matched, an endpoint's path is its own business.
 */

/** One parsed entry of the allow-list. */
export interface EndpointRule {
  scheme: "http" | "https";
  /** Lower-case host; for a wildcard, the suffix after `*.` with a leading dot (`.example.com`). */
  host: string;
  wildcardHost: boolean;
  /** undefined = any port. */
  port: number | undefined;
  /** The entry as written, for messages. */
  text: string;
}

/** A bad `--allowed-endpoints` entry (a startup error, not a reconcile outcome). */
export class EndpointRuleError extends Error {
  constructor(entry: string, problem: string) {
    super(`--allowed-endpoints: entry "${entry}" ${problem}; expected scheme://host[:port|:*]`);
  }
}

/** The endpoint is not on the operator's allow-list: the admin must add it, or the spec must change. */
export class EndpointNotAllowedError extends PromoterError {
  constructor(endpoint: string, reason: string) {
    super(
      "EndpointNotAllowed",
      "Stalled",
      `spec.target.endpoint ${endpoint} is not allowed: ${reason}; ` +
        "the operator sends credentials only to region login hosts and to endpoints its admin lists " +
        "in --allowed-endpoints (Helm value security.allowedEndpoints)",
    );
  }
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;
const ENTRY = /^(https?):\/\/(\*\.)?(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}|\*))?\/?$/i;

/** Parses one entry; throws {@link EndpointRuleError}. */
export function parseEndpointRule(entry: string): EndpointRule {
  const text = entry.trim();
  const m = ENTRY.exec(text);
  if (!m) throw new EndpointRuleError(text, "is not an origin");
  const scheme = m[1]!.toLowerCase() as "http" | "https";
  const wildcardHost = m[2] !== undefined;
  const rawHost = m[3]!.toLowerCase();
  if (rawHost.startsWith(".") || rawHost.endsWith(".") || rawHost.includes(".."))
    throw new EndpointRuleError(text, "has an empty host label");
  if (wildcardHost && rawHost.startsWith("["))
    throw new EndpointRuleError(text, "puts a wildcard on an IP address");
  // Let WHATWG URL normalise the host the same way it will normalise an endpoint (IPv6, IPv4 forms).
  const host = wildcardHost ? `.${rawHost}` : new URL(`${scheme}://${rawHost}`).hostname;
  const portText = m[4];
  const port = portText === "*" ? undefined : portText ? Number(portText) : DEFAULT_PORT[scheme];
  if (port !== undefined && (port < 1 || port > 65535)) throw new EndpointRuleError(text, "has a bad port");
  return { scheme, host, wildcardHost, port, text };
}

/** The operator's endpoint allow-list. Empty (the default) refuses every `spec.target.endpoint`. */
export class EndpointAllowList {
  readonly rules: readonly EndpointRule[];

  constructor(entries: readonly string[] = []) {
    this.rules = entries.filter((e) => e.trim() !== "").map(parseEndpointRule);
  }

  /** Throws {@link EndpointNotAllowedError} unless `endpoint` matches an entry. Makes no request. */
  check(endpoint: string): void {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new EndpointNotAllowedError(endpoint, "it is not a URL");
    }
    if (url.username || url.password)
      throw new EndpointNotAllowedError(url.origin, "it carries user information");
    const scheme = url.protocol.replace(/:$/, "");
    if (scheme !== "http" && scheme !== "https")
      throw new EndpointNotAllowedError(endpoint, "only http and https are allowed");
    const port = url.port ? Number(url.port) : DEFAULT_PORT[scheme];
    const host = url.hostname.toLowerCase();
    const ok = this.rules.some(
      (r) =>
        r.scheme === scheme &&
        (r.port === undefined || r.port === port) &&
        (r.wildcardHost ? host.endsWith(r.host) : host === r.host),
    );
    if (ok) return;
    const why =
      this.rules.length === 0
        ? "the operator was started without --allowed-endpoints"
        : `it matches none of --allowed-endpoints ${this.rules.map((r) => r.text).join(",")}`;
    throw new EndpointNotAllowedError(url.origin, why);
  }
}
