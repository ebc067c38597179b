import { ScopeWatch } from "./watch-scope.js";
import type { KubeObject, WatchHealth, WatchOptions, WatchResource } from "./watch-types.js";

export type * from "./watch-types.js";

/**
 * A watch of one resource that survives failures: list + watch per scope (all namespaces, or one stream
 * per listed namespace), its own resourceVersion bookkeeping, relist on 410 Gone, jittered exponential
 * reconnect backoff (honouring Retry-After), bookmarks, a no-event watchdog and a periodic full relist.
 * It reports what happens as typed {@link WatchEvent}s and never logs; the operator turns those into logs
 * and metrics.
 */
export class Watch {
  private readonly scopes: ScopeWatch[];
  private controller: AbortController | undefined;
  private runs: Promise<void>[] = [];

  constructor(options: WatchOptions) {
    const namespaces = [...new Set((options.namespaces ?? []).filter(Boolean))];
    const random = options.random ?? Math.random;
    const shared = {
      kubeConfig: options.kubeConfig,
      labelSelector: options.labelSelector || undefined,
      // client-go's reflector picks a random timeout in [5, 10) min so that watches don't all expire together.
      timeoutSeconds: options.timeoutSeconds ?? Math.floor(300 * (1 + random())),
      watchdogMs: options.watchdogMs ?? 300_000,
      resyncMs: options.resyncMs ?? 600_000,
      backoff: options.backoff ?? { initialMs: 1_000, maxMs: 30_000 },
      maxFailures: options.maxFailures ?? Number.POSITIVE_INFINITY,
      pageSize: options.pageSize ?? 500,
      unhealthyAfterMs: options.unhealthyAfterMs ?? 60_000,
      random,
      handler: options.handler,
      emit: options.onEvent ?? (() => undefined),
    };
    const scopes: Array<string | undefined> = namespaces.length > 0 ? namespaces : [undefined];
    this.scopes = scopes.map(
      (ns) => new ScopeWatch({ ...shared, scope: ns ?? "*", path: collectionPath(options.resource, ns) }),
    );
  }

  /** Starts every scope's loop; a second call is a no-op. */
  start(): void {
    if (this.controller) return;
    this.controller = new AbortController();
    const signal = this.controller.signal;
    this.runs = this.scopes.map((scope) => scope.run(signal));
  }

  /** Stops every stream and timer and waits for the loops to end. */
  async stop(): Promise<void> {
    this.controller?.abort(new Error("watch stopped"));
    await Promise.allSettled(this.runs);
  }

  /** Resolves once every scope completed its first full list. */
  async synced(): Promise<void> {
    await Promise.all(this.scopes.map((scope) => scope.synced));
  }

  /** Every object currently known, across scopes. */
  objects(): KubeObject[] {
    return this.scopes.flatMap((scope) => scope.objects());
  }

  /** Liveness/readiness view; see {@link WatchHealth}. */
  health(now = Date.now()): WatchHealth {
    const problems = this.scopes.map((scope) => scope.problem(now)).filter((p) => p !== undefined);
    const synced = this.scopes.every((scope) => scope.isSynced);
    const oldest = Math.min(...this.scopes.map((scope) => scope.lastEventAt));
    return {
      synced,
      healthy: problems.length === 0,
      lastEventAgeSeconds: Math.max(0, (now - oldest) / 1000),
      detail: problems.join("; ") || (synced ? "ok" : "initial list not complete"),
    };
  }
}

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>` (core group: `/api/v1/...`). */
export function collectionPath(resource: WatchResource, namespace?: string): string {
  const base = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${resource.plural}`;
}
