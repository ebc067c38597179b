import { realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PromoterError } from "../errors.js";
import type { Transport } from "./spec.js";

/**
 * What the operator lets an IvrPromotion fetch, and how much. Every object's editor chooses its
 * `spec.source.url`, but the fetch runs as the operator, with the operator's network position and
 * file system: so plain http (credentials and content in cleartext) and local paths (the operator's
 * own disk, including other teams' cached mirrors) are off unless the operator's admin turns them on,
 * and the cache directory itself is never a source, whatever the flags say.
 */

/** Which URLs may be fetched. Both default to false (the operator's multi-tenant lockdown). */
export interface SourcePolicy {
  /** `http://` URLs (`--allow-insecure-http`). Credentials over plain http still go to loopback only. */
  allowInsecureHttp: boolean;
  /** `file://` URLs (`--allow-local-git`); never inside the cache directory. */
  allowLocal: boolean;
}

/** How big a fetched repository may be. A limit hit is Stalled: the repository must shrink or the flag grow. */
export interface FetchLimits {
  /** Bytes on disk of one repository's mirror, and of the files of one commit (`--git-max-repo-size`). */
  maxRepoBytes: number;
  /** Files in one commit (`--git-max-files`). */
  maxFiles: number;
  /** Bytes of the largest file in one commit (`--git-max-file-size`). */
  maxFileBytes: number;
  /** Bytes on disk of the whole cache; no new fetch or snapshot beyond it (`--git-cache-quota`). */
  cacheQuotaBytes: number;
}

const MIB = 1 << 20;

/** Defaults: a flow repository is YAML, kilobytes per flow; these leave room for docs and history. */
export const DEFAULT_FETCH_LIMITS: FetchLimits = {
  maxRepoBytes: 256 * MIB,
  maxFiles: 10_000,
  maxFileBytes: 16 * MIB,
  // Below the 2Gi emptyDir the manifests mount, so the quota, not the kubelet's eviction, says no.
  cacheQuotaBytes: 1536 * MIB,
};

/** The URL is of a kind the operator does not fetch (by flag or always). */
export class GitUrlNotAllowedError extends PromoterError {
  constructor(message: string) {
    super("GitUrlNotAllowed", "Stalled", message);
  }
}

/** A fetch limit or the cache quota was hit. */
export class GitLimitError extends PromoterError {
  constructor(message: string) {
    super("GitLimitExceeded", "Stalled", message);
  }
}

/** Refuses `url` unless `policy` allows its transport; a local path must stay out of `cacheDir`. */
export async function checkSourceUrl(
  url: string,
  transport: Transport,
  policy: SourcePolicy,
  cacheDir: string,
): Promise<void> {
  if (transport === "http" && !policy.allowInsecureHttp) {
    throw new GitUrlNotAllowedError(
      `spec.source.url ${url}: plain http:// is not allowed (credentials and content would travel ` +
        "in cleartext); use https://, or start the operator with --allow-insecure-http",
    );
  }
  if (transport !== "file") return;
  if (!policy.allowLocal) {
    throw new GitUrlNotAllowedError(
      `spec.source.url ${url}: file:// URLs read the operator's own disk and are not allowed; ` +
        "start the operator with --allow-local-git to permit them",
    );
  }
  const path = await canonical(fileURLToPath(url));
  const cache = await canonical(cacheDir);
  if (inside(path, cache) || inside(cache, path)) {
    throw new GitUrlNotAllowedError(`spec.source.url ${url}: the operator's Git cache is not a source`);
  }
}

/** Human size for messages: `12.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

/** The real path of `path`, or of its closest existing ancestor plus the rest (symlinks resolved). */
async function canonical(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const parent = resolve(abs, "..");
    return parent === abs ? abs : resolve(await canonical(parent), relative(parent, abs));
  }
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}
