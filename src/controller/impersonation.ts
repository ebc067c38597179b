import { KubeConfig } from "@kubernetes/client-node";
import type { IvrPromotion } from "../api/ivr-promotion.js";
import { kubeApis, type KubeApis } from "./kube-clients.js";

/**
 * Multi-tenancy the Flux way: what an IvrPromotion reads and writes in its namespace (Secrets, the
 * journal ConfigMap, the backup Secrets) is done **as a ServiceAccount of that namespace**, by
 * impersonation (`Impersonate-User: system:serviceaccount:<ns>:<sa>`), so a tenant reaches exactly what
 * its own ServiceAccount may reach, whatever the operator itself may. The operator keeps its own
 * identity for the IvrPromotion itself (watch, finalizer, status), Events and its Lease.
 *
 * Which account: `spec.serviceAccountName`, else the operator's `--default-service-account` (Flux's
 * lockdown sets one, so an object without an account gets a powerless identity). With neither, the
 * operator's own identity is used: the single-tenant mode, where the operator's RBAC must then grant
 * the Secret and ConfigMap verbs itself (docs/install.md).
 */

/** The Kubernetes username of ServiceAccount `name` in `namespace`. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** A copy of `kc` whose current user impersonates `user` (client-node sends `Impersonate-User`). */
export function impersonating(kc: KubeConfig, user: string): KubeConfig {
  const current = kc.getCurrentUser();
  const context = kc.getContextObject(kc.getCurrentContext());
  if (!current || !context) throw new Error("the kubeconfig has no current user or context");
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.getClusters(),
    users: [{ ...current, impersonateUser: user }],
    contexts: [{ ...context, user: current.name }],
    currentContext: context.name,
  });
  return copy;
}

/** The API clients of each tenant identity, built once per ServiceAccount. */
export class TenantApis {
  private readonly cache = new Map<string, KubeApis>();

  constructor(
    private readonly kubeConfig: KubeConfig,
    /** The operator's own clients: used when no account applies. */
    private readonly own: KubeApis,
    private readonly defaultServiceAccount: string | undefined,
  ) {}

  /** The ServiceAccount an object's namespace calls are made as; undefined = the operator itself. */
  accountOf(obj: IvrPromotion): string | undefined {
    return obj.spec.serviceAccountName ?? (this.defaultServiceAccount || undefined);
  }

  /** Clients for `obj`'s namespace calls (see the file comment). */
  of(obj: IvrPromotion): KubeApis {
    const account = this.accountOf(obj);
    if (!account) return this.own;
    const user = serviceAccountUser(obj.metadata.namespace ?? "", account);
    let apis = this.cache.get(user);
    if (!apis) {
      apis = kubeApis(impersonating(this.kubeConfig, user));
      this.cache.set(user, apis);
    }
    return apis;
  }

  /** Who `of(obj)` acts as, for messages. */
  describe(obj: IvrPromotion): string {
    const account = this.accountOf(obj);
    return account ? `ServiceAccount ${obj.metadata.namespace ?? ""}/${account}` : "the operator";
  }
}
