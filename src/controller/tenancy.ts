import { DEFAULT_FETCH_LIMITS, type FetchLimits, type SourcePolicy } from "../source/index.js";

/**
 * What one operator lets the IvrPromotions of many teams do, set by its admin with flags (see
 * `ivr-promoter operator --help`, the Helm values under `security` and `gitLimits`). Someone who may
 * edit IvrPromotions in one namespace must not be able to use the operator to reach what they could
 * not reach themselves: another team's Secrets (sent to an endpoint they choose), the operator's disk
 * or cache, or another namespace's objects. The default is the lockdown: everything off.
 */
export interface TenancyPolicy {
  /** `--allowed-endpoints`: origins `spec.target.endpoint` may name (genesys/endpoint-policy.ts). */
  allowedEndpoints: readonly string[];
  /** `--allow-insecure-http`, `--allow-local-git`. */
  source: SourcePolicy;
  /** `--git-max-repo-size`, `--git-max-files`, `--git-max-file-size`, `--git-cache-quota`. */
  limits: FetchLimits;
  /** `--allow-cross-namespace-refs`: `spec.dependsOn` may name another namespace. */
  allowCrossNamespaceRefs: boolean;
  /**
   * `--default-service-account`: the ServiceAccount (in each object's namespace) impersonated for
   * objects without `spec.serviceAccountName`; empty = the operator's own identity (impersonation.ts).
   */
  defaultServiceAccount?: string;
}

/** The multi-tenant lockdown: no endpoints, https/ssh/git only, same-namespace refs, default limits. */
export const LOCKDOWN: TenancyPolicy = {
  allowedEndpoints: [],
  source: { allowInsecureHttp: false, allowLocal: false },
  limits: DEFAULT_FETCH_LIMITS,
  allowCrossNamespaceRefs: false,
};
