import { hostname } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { EnvConfig } from "../config.js";
import { LOCKDOWN, type TenancyPolicy } from "../controller/tenancy.js";
import { parseEndpointRule } from "../genesys/endpoint-policy.js";
import { UsageError } from "./command.js";
import { parseDuration } from "../api/duration.js";

/**
 * Argument parsing of `ivr-promoter operator`, apart from the command so it can be unit-tested without
 * loading the reconciler and everything behind it.
 */

/** Usage text of the command. */
export const OPERATOR_HELP = `usage: ivr-promoter operator [options]

Runs the IvrPromotion operator until interrupted (SIGINT/SIGTERM).
  --kubeconfig PATH        kubeconfig file (default: in-cluster, else $KUBECONFIG / ~/.kube/config)
  --namespaces a,b         namespaces to watch (default: $IVR_PROMOTER_WATCH_NAMESPACES, else all)
  --label-selector S       only objects matching this label selector (sharding)
  --concurrency N          objects reconciled in parallel (default 4)
  --leader-elect=BOOL      Lease-based leader election, true|false (default true)
  --lease-name N           name of the Lease (default ivr-promoter-leader-election)
  --lease-namespace NS     namespace of the Lease (default $POD_NAMESPACE, else default)
  --leader-elect-lease-duration D   how long a standby waits before taking an unrenewed lease (default 15s)
  --leader-elect-renew-deadline D   how long the leader keeps trying to renew before it stops (default 10s)
  --leader-elect-retry-period D     how often candidates and the leader try (default 2s)
  --http-addr HOST:PORT    /metrics, /healthz and /readyz (default :8080; port 0 picks one)
  --git-cache-dir DIR      Git mirror cache (default $IVR_PROMOTER_CACHE_DIR, else a temp dir)

Tenancy (defaults are the multi-tenant lockdown):
  --allowed-endpoints L    origins spec.target.endpoint may name, comma-separated scheme://host[:port|:*],
                           host may be *.domain; http:// only where an entry says http (default none)
  --allow-insecure-http=B  fetch plain http:// Git URLs (default false)
  --allow-local-git=B      fetch file:// Git URLs, never the cache itself (default false)
  --allow-cross-namespace-refs=B  spec.dependsOn may name another namespace (default false)
  --default-service-account SA  ServiceAccount (in each object's namespace) impersonated for Secrets and
                           the journal when spec.serviceAccountName is unset (default none: the operator's
                           own identity, the single-tenant mode; the lockdown sets one)
  --git-max-repo-size S    one repository's mirror and one commit's files (default 256Mi)
  --git-max-files N        files in one commit (default 10000)
  --git-max-file-size S    largest file in one commit (default 16Mi)
  --git-cache-quota S      bytes of the whole Git cache (default 1536Mi); sizes: 123, 64Ki, 256Mi, 2Gi`;

/** The parsed command line, with defaults applied. */
export interface OperatorArgs {
  help: boolean;
  kubeconfig: string | undefined;
  namespaces: string[];
  labelSelector: string | undefined;
  concurrency: number;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  /** Leader-election timings in ms (controller-runtime's flags and defaults). */
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  identity: string;
  httpHost: string;
  httpPort: number;
  gitCacheDir: string;
  tenancy: TenancyPolicy;
}

function fail(message: string): never {
  throw new UsageError(`operator: ${message}`);
}

function parseBool(flag: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  return fail(`--${flag} must be true or false, got '${raw}'`);
}

function parseConcurrency(raw: string | undefined): number {
  if (raw === undefined) return 4;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 64) fail(`--concurrency must be an integer 1..64, got '${raw}'`);
  return n;
}

/** `host:port`, `:port` (all interfaces) or `[v6]:port`. */
export function parseHttpAddr(raw: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[3]);
  if (!match || port > 65535) fail(`--http-addr must be HOST:PORT or :PORT, got '${raw}'`);
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port };
}

const SIZE_UNITS: Record<string, number> = { "": 1, Ki: 1 << 10, Mi: 1 << 20, Gi: 1 << 30, Ti: 2 ** 40 };

/** `123`, `64Ki`, `256Mi`, `2Gi` (Kubernetes binary quantities) → bytes. */
export function parseSize(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const m = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(raw);
  const bytes = m ? Number(m[1]) * (SIZE_UNITS[m[2] ?? ""] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) fail(`--${flag} must be a size such as 256Mi, got '${raw}'`);
  return bytes;
}

function parseCount(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || !Number.isSafeInteger(n))
    fail(`--${flag} must be a positive integer, got '${raw}'`);
  return n;
}

function parseEndpoints(raw: string | undefined): string[] {
  const entries = splitList(raw);
  for (const entry of entries) {
    try {
      parseEndpointRule(entry);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    }
  }
  return entries;
}

function parseTenancy(str: (name: string) => string | undefined): TenancyPolicy {
  const limits = LOCKDOWN.limits;
  return {
    allowedEndpoints: parseEndpoints(str("allowed-endpoints")),
    source: {
      allowInsecureHttp: parseBool("allow-insecure-http", str("allow-insecure-http"), false),
      allowLocal: parseBool("allow-local-git", str("allow-local-git"), false),
    },
    limits: {
      maxRepoBytes: parseSize("git-max-repo-size", str("git-max-repo-size"), limits.maxRepoBytes),
      maxFiles: parseCount("git-max-files", str("git-max-files"), limits.maxFiles),
      maxFileBytes: parseSize("git-max-file-size", str("git-max-file-size"), limits.maxFileBytes),
      cacheQuotaBytes: parseSize("git-cache-quota", str("git-cache-quota"), limits.cacheQuotaBytes),
    },
    allowCrossNamespaceRefs: parseBool(
      "allow-cross-namespace-refs",
      str("allow-cross-namespace-refs"),
      false,
    ),
    defaultServiceAccount: parseAccount(str("default-service-account")),
  };
}

function parseAccount(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(raw) || raw.length > 253)
    fail(`--default-service-account: "${raw}" is not a ServiceAccount name`);
  return raw;
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Parses argv; a bad flag is a {@link UsageError} naming it. */
export function parseOperatorArgs(argv: string[], env: EnvConfig, pid = process.pid): OperatorArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: "string" },
        namespaces: { type: "string" },
        "label-selector": { type: "string" },
        concurrency: { type: "string" },
        "leader-elect": { type: "string" },
        "lease-name": { type: "string" },
        "lease-namespace": { type: "string" },
        "leader-elect-lease-duration": { type: "string" },
        "leader-elect-renew-deadline": { type: "string" },
        "leader-elect-retry-period": { type: "string" },
        "http-addr": { type: "string" },
        "git-cache-dir": { type: "string" },
        "allowed-endpoints": { type: "string" },
        "allow-insecure-http": { type: "string" },
        "allow-local-git": { type: "string" },
        "allow-cross-namespace-refs": { type: "string" },
        "default-service-account": { type: "string" },
        "git-max-repo-size": { type: "string" },
        "git-max-files": { type: "string" },
        "git-max-file-size": { type: "string" },
        "git-cache-quota": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const str = (name: string) => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const http = parseHttpAddr(str("http-addr") ?? ":8080");
  const timing = (flag: string, fallback: number): number => {
    const raw = str(flag);
    if (raw === undefined) return fallback;
    const ms = durationMs(raw);
    if (ms === undefined || ms < 100 || ms > 3_600_000)
      fail(`--${flag} must be a duration between 100ms and 1h (e.g. 15s), got '${raw}'`);
    return ms;
  };
  const election = {
    leaseDurationMs: timing("leader-elect-lease-duration", 15_000),
    renewDeadlineMs: timing("leader-elect-renew-deadline", 10_000),
    retryPeriodMs: timing("leader-elect-retry-period", 2_000),
  };
  if (!(
    election.leaseDurationMs > election.renewDeadlineMs && election.renewDeadlineMs > election.retryPeriodMs
  ))
    fail("leader election needs lease duration > renew deadline > retry period");
  return {
    ...election,
    help: values.help === true,
    kubeconfig: str("kubeconfig"),
    namespaces: splitList(str("namespaces") ?? env.watchNamespaces),
    labelSelector: str("label-selector") || undefined,
    concurrency: parseConcurrency(str("concurrency")),
    leaderElect: parseBool("leader-elect", str("leader-elect"), true),
    leaseName: str("lease-name") ?? "ivr-promoter-leader-election",
    leaseNamespace: str("lease-namespace") ?? env.podNamespace ?? "default",
    // A pod name is unique per replica; outside a cluster, hostname plus pid tells processes apart.
    identity: env.podName ?? `${hostname()}_${pid}`,
    httpHost: http.host,
    httpPort: http.port,
    gitCacheDir: str("git-cache-dir") ?? env.cacheDir ?? join(tmpdir(), "ivr-promoter-cache"),
    tenancy: parseTenancy(str),
  };
}

function durationMs(raw: string): number | undefined {
  try {
    return parseDuration(raw);
  } catch {
    return undefined;
  }
}
