import type { V1Secret } from "@kubernetes/client-node";
import { PromoterError, type ErrorReason } from "../errors.js";
import type { GitAuth } from "../source/index.js";
import { isStatus, type KubeApis } from "./kube-clients.js";

/**
 * Secrets an IvrPromotion refers to, always in its own namespace (no cross-namespace reads, so a
 * tenant can only use Secrets it could read itself). Every value read is remembered in
 * {@link SecretReader.known}, so messages about this object can be scrubbed of them.
 */

/** How long to wait before looking for a missing Secret again: it is often applied right after the object. */
const MISSING_SECRET_RETRY_MS = 30_000;

/** A referenced Secret, or a key in it, is missing or unusable. Never carries a secret value. */
export class SecretRefError extends PromoterError {
  constructor(
    code: "SecretNotFound" | "SecretKeyMissing" | "SecretInvalid" | "SecretForbidden",
    message: string,
    reason: ErrorReason = "Waiting",
  ) {
    // The Secret can appear or be fixed without any change to the IvrPromotion: keep looking.
    super(code, reason, message, { retryAfterMs: MISSING_SECRET_RETRY_MS });
  }
}

/** OAuth client credentials of the target org. */
export interface TargetCredentials {
  clientId: string;
  clientSecret: string;
}

/** Reads Secrets of one namespace, caching each for the duration of one reconcile. */
export class SecretReader {
  /** Every secret value handed out so far (for scrubbing). */
  readonly known: string[] = [];
  private readonly cache = new Map<string, Promise<V1Secret | undefined>>();

  /**
   * @param apis clients of the identity the reads are made as (the tenant's ServiceAccount, see
   *   impersonation.ts); `who` names it in a refusal.
   */
  constructor(
    private readonly apis: KubeApis,
    private readonly namespace: string,
    private readonly who = "the operator",
  ) {}

  /** The decoded value of `key` in Secret `name`; throws {@link SecretRefError} when either is missing. */
  async value(name: string, key: string, what: string): Promise<string> {
    const found = await this.optional(name, key, what);
    if (found === undefined) {
      throw new SecretRefError(
        "SecretKeyMissing",
        `${what}: Secret ${this.namespace}/${name} has no key "${key}"`,
      );
    }
    return found;
  }

  /** Like {@link value}, but undefined when only the key is missing. */
  async optional(name: string, key: string, what: string): Promise<string | undefined> {
    const secret = await this.secret(name);
    if (!secret)
      throw new SecretRefError("SecretNotFound", `${what}: Secret ${this.namespace}/${name} not found`);
    const raw = secret.data?.[key];
    if (raw === undefined) return undefined;
    const value = Buffer.from(raw, "base64").toString("utf8");
    if (value !== "") this.known.push(value);
    return value;
  }

  private secret(name: string): Promise<V1Secret | undefined> {
    let pending = this.cache.get(name);
    if (!pending) {
      pending = this.apis.core
        .readNamespacedSecret({ name, namespace: this.namespace })
        .catch((err: unknown) => {
          if (isStatus(err, 404)) return undefined;
          // RBAC can be granted later without touching the object: keep looking, say who was refused.
          if (isStatus(err, 403))
            throw new SecretRefError(
              "SecretForbidden",
              `${this.who} may not read Secret ${this.namespace}/${name} (forbidden): grant it get on this Secret`,
            );
          throw err;
        });
      this.cache.set(name, pending);
    }
    return pending;
  }
}

/** `spec.target.credentialsSecretRef`: keys clientId and clientSecret. */
export async function readTargetCredentials(
  reader: SecretReader,
  secretName: string,
): Promise<TargetCredentials> {
  const what = "spec.target.credentialsSecretRef";
  const clientId = await reader.value(secretName, "clientId", what);
  const clientSecret = await reader.value(secretName, "clientSecret", what);
  return { clientId, clientSecret };
}

/**
 * `spec.source.secretRef`, the Flux GitRepository conventions: `username` + `password`, or
 * `bearerToken` (HTTPS); `identity` + `known_hosts` (SSH). Anything else is a one-line error naming
 * the keys that would have been accepted.
 */
export async function readGitAuth(reader: SecretReader, secretName: string): Promise<GitAuth> {
  const what = "spec.source.secretRef";
  const get = (key: string) => reader.optional(secretName, key, what);
  const identity = await get("identity");
  if (identity !== undefined) {
    const knownHosts = await get("known_hosts");
    if (!knownHosts) {
      throw new SecretRefError(
        "SecretKeyMissing",
        `${what}: Secret ${secretName} has "identity" but no "known_hosts"`,
      );
    }
    return { type: "ssh", privateKey: identity, knownHosts };
  }
  const token = await get("bearerToken");
  if (token) return { type: "token", token, username: (await get("username")) || "git" };
  const username = await get("username");
  const password = await get("password");
  if (username && password) return { type: "basic", username, password };
  throw new SecretRefError(
    "SecretInvalid",
    `${what}: Secret ${secretName} needs username and password, bearerToken, or identity and known_hosts`,
  );
}
