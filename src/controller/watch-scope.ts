import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { equalJitter, exponentialDelay, pause, spreadJitter, type BackoffPolicy } from "./backoff.js";
import { isGone, KubeApiError, kubeJson, kubeStream } from "./kube-http.js";
import {
  KubeObjectSchema,
  ListPageSchema,
  WatchLineSchema,
  type KubeObject,
  type ReconnectCause,
  type RelistReason,
  type WatchEvent,
  type WatchHandler,
} from "./watch-types.js";

/**
 * One list+watch loop for one scope (a namespace, or the whole cluster): the unit {@link Watch} runs
 * once per watched namespace. It keeps its own resourceVersion and object cache, because the client-node
 * informer stops on any error but 410 and has no backoff, bookmarks, watchdog or resync
 * (gitops-anchors §4.1–4.2). Treats every stream as disposable.
 */

/** Fully resolved settings of one scope. */
export interface ScopeSettings {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. `/apis/ivr.promoter.dev/v1alpha1/namespaces/a/ivrpromotions`. */
  path: string;
  /** Namespace, or `*` for cluster-wide. */
  scope: string;
  labelSelector: string | undefined;
  timeoutSeconds: number;
  watchdogMs: number;
  resyncMs: number;
  backoff: BackoffPolicy;
  maxFailures: number;
  pageSize: number;
  unhealthyAfterMs: number;
  random: () => number;
  handler: WatchHandler;
  emit: (event: WatchEvent) => void;
}

const BookmarkSchema = z.object({ metadata: z.object({ resourceVersion: z.string() }) });

const keyOf = (obj: KubeObject) => `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;

/** The loop for one scope; see the file comment. */
export class ScopeWatch {
  private resourceVersion: string | undefined;
  private cache = new Map<string, KubeObject>();
  private stream: AbortController | undefined;
  private abortCause: ReconnectCause | undefined;
  private resyncDue = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private watchStarted = false;
  private connected = false;
  private gaveUp = false;
  private failures = 0;
  private phase: "list" | "watch" = "list";
  private lastActivityAt = Date.now();
  private unhealthySince: number | undefined = Date.now();
  /** Time of the last event or bookmark (or list), for the last-event-age metric. */
  lastEventAt = Date.now();
  /** Resolves after the first complete list. */
  readonly synced: Promise<void>;
  private markSynced!: () => void;
  isSynced = false;

  constructor(private readonly s: ScopeSettings) {
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  /** Objects currently known to this scope. */
  objects(): KubeObject[] {
    return [...this.cache.values()];
  }

  /** Why this scope is unhealthy, or undefined when it is fine. */
  problem(now: number): string | undefined {
    const { scope, unhealthyAfterMs, watchdogMs } = this.s;
    if (this.gaveUp) return `watch of ${scope} gave up after ${this.failures} failures`;
    if (!this.connected && this.unhealthySince !== undefined && now - this.unhealthySince > unhealthyAfterMs)
      return `watch of ${scope} disconnected for ${Math.round((now - this.unhealthySince) / 1000)} s`;
    if (this.connected && now - this.lastActivityAt > watchdogMs + unhealthyAfterMs)
      return `watch of ${scope} silent for ${Math.round((now - this.lastActivityAt) / 1000)} s`;
    return undefined;
  }

  /** Lists and watches until `signal` aborts or the failure budget is spent. */
  async run(signal: AbortSignal): Promise<void> {
    const watchdog = setInterval(
      () => this.checkWatchdog(),
      Math.min(5_000, Math.max(50, this.s.watchdogMs / 5)),
    );
    try {
      await this.loop(signal);
    } finally {
      clearInterval(watchdog);
      clearTimeout(this.resyncTimer);
      this.connected = false;
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let relist: RelistReason | undefined = "initial";
    let attempt = 0; // consecutive unproductive tries: drives the reconnect delay
    while (!signal.aborted) {
      let cause: ReconnectCause = "ended";
      let retryAfterMs = 0;
      try {
        if (this.resyncDue) relist ??= "resync";
        if (relist) {
          await this.list(relist, signal);
          relist = undefined;
          attempt = 0;
        }
        const received = await this.watchOnce(signal);
        cause = this.abortCause ?? "ended";
        if (received > 0) this.failures = 0;
        // A stream the server ended without sending anything (not even a bookmark) is suspicious: back off.
        attempt = received > 0 || cause !== "ended" ? 0 : attempt + 1;
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          this.s.emit({
            type: "OLD_RESOURCE_VERSION",
            scope: this.s.scope,
            resourceVersion: this.resourceVersion ?? "",
            message: err instanceof Error ? err.message : String(err),
          });
          this.resourceVersion = undefined;
          relist = "expired";
          cause = "expired";
          attempt = 0;
        } else {
          this.failures++;
          attempt++;
          cause = "error";
          retryAfterMs = err instanceof KubeApiError ? (err.retryAfterMs ?? 0) : 0;
          this.s.emit({ type: "ERROR", scope: this.s.scope, phase: this.phase, error: err });
          if (this.failures >= this.s.maxFailures) {
            this.gaveUp = true;
            this.s.emit({ type: "GIVE_UP", scope: this.s.scope, failures: this.failures, error: err });
            return;
          }
        }
      }
      if (signal.aborted) break;
      const backoff =
        attempt === 0 ? 0 : equalJitter(exponentialDelay(this.s.backoff, attempt), this.s.random);
      const delayMs = Math.max(backoff, retryAfterMs);
      if (this.watchStarted) {
        this.s.emit({ type: "RECONNECT", scope: this.s.scope, cause, attempt, delayMs });
      }
      await pause(delayMs, signal);
    }
  }

  /** A full, paginated list; replays every object to the handler and detects deletions missed meanwhile. */
  private async list(reason: RelistReason, signal: AbortSignal): Promise<void> {
    this.phase = "list";
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let listVersion = "";
    do {
      const raw = await kubeJson(this.s.kubeConfig, {
        path: this.s.path,
        query: { limit: this.s.pageSize, continue: cont, labelSelector: this.s.labelSelector },
        signal,
        timeoutMs: 60_000,
      });
      const page = ListPageSchema.parse(raw);
      listVersion = page.metadata.resourceVersion;
      for (const item of page.items ?? []) {
        const parsed = KubeObjectSchema.safeParse(item);
        if (parsed.success) items.push(parsed.data);
        else this.s.emit({ type: "ERROR", scope: this.s.scope, phase: "decode", error: parsed.error });
      }
      cont = page.metadata.continue || undefined;
    } while (cont);

    const previous = this.cache;
    this.cache = new Map(items.map((obj) => [keyOf(obj), obj]));
    this.resourceVersion = listVersion;
    this.lastEventAt = this.lastActivityAt = Date.now();
    this.failures = 0;
    this.scheduleResync();
    const ctx = { relist: true };
    for (const obj of items) {
      const old = previous.get(keyOf(obj));
      this.deliver(() => (old ? this.s.handler.onUpdate(obj, old, ctx) : this.s.handler.onAdd(obj, ctx)));
    }
    for (const [key, old] of previous) {
      if (!this.cache.has(key)) this.deliver(() => this.s.handler.onDelete(old, ctx));
    }
    this.s.emit({
      type: "RELIST",
      scope: this.s.scope,
      reason,
      objects: items.length,
      resourceVersion: listVersion,
    });
    if (!this.isSynced) {
      this.isSynced = true;
      this.markSynced();
    }
  }

  /** One watch request from the current resourceVersion; resolves with the number of lines received. */
  private async watchOnce(outer: AbortSignal): Promise<number> {
    this.phase = "watch";
    this.watchStarted = true;
    this.abortCause = undefined;
    const controller = new AbortController();
    const forward = () => controller.abort(outer.reason);
    outer.addEventListener("abort", forward, { once: true });
    this.stream = controller;
    this.lastActivityAt = Date.now(); // the watchdog also catches a connect that hangs
    let received = 0;
    try {
      await kubeStream(
        this.s.kubeConfig,
        {
          path: this.s.path,
          query: {
            watch: true,
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: this.s.timeoutSeconds,
            labelSelector: this.s.labelSelector,
          },
          signal: controller.signal,
        },
        () => {
          this.connected = true;
          this.unhealthySince = undefined;
          this.lastActivityAt = Date.now();
          this.s.emit({ type: "CONNECT", scope: this.s.scope, resourceVersion: this.resourceVersion ?? "" });
        },
        (line) => {
          received++;
          this.onLine(line);
        },
      );
    } catch (err) {
      // Our own abort (watchdog, resync) ends the stream on purpose: not an error.
      if (controller.signal.aborted && !outer.aborted && this.abortCause) return received;
      throw err;
    } finally {
      outer.removeEventListener("abort", forward);
      this.stream = undefined;
      if (this.connected) this.unhealthySince = Date.now();
      this.connected = false;
    }
    return received;
  }

  private onLine(line: string): void {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      this.s.emit({ type: "ERROR", scope: this.s.scope, phase: "decode", error: err });
      return;
    }
    const event = WatchLineSchema.safeParse(json);
    if (!event.success) {
      this.s.emit({ type: "ERROR", scope: this.s.scope, phase: "decode", error: event.error });
      return;
    }
    this.lastEventAt = this.lastActivityAt = Date.now();
    const { type, object } = event.data;
    if (type === "ERROR") throw KubeApiError.fromStatus(500, object);
    if (type === "BOOKMARK") {
      const bookmark = BookmarkSchema.safeParse(object);
      if (bookmark.success) this.resourceVersion = bookmark.data.metadata.resourceVersion;
      return;
    }
    const parsed = KubeObjectSchema.safeParse(object);
    if (!parsed.success) {
      this.s.emit({ type: "ERROR", scope: this.s.scope, phase: "decode", error: parsed.error });
      return;
    }
    this.apply(type, parsed.data);
  }

  private apply(type: "ADDED" | "MODIFIED" | "DELETED", obj: KubeObject): void {
    if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    const key = keyOf(obj);
    const old = this.cache.get(key);
    const ctx = { relist: false };
    if (type === "DELETED") {
      this.cache.delete(key);
      this.deliver(() => this.s.handler.onDelete(obj, ctx));
      return;
    }
    this.cache.set(key, obj);
    // After a reconnect the server may replay an ADDED for a known object: treat it as an update.
    this.deliver(() => (old ? this.s.handler.onUpdate(obj, old, ctx) : this.s.handler.onAdd(obj, ctx)));
  }

  private deliver(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.s.emit({ type: "ERROR", scope: this.s.scope, phase: "handler", error: err });
    }
  }

  private checkWatchdog(): void {
    const silentMs = Date.now() - this.lastActivityAt;
    const stream = this.stream;
    if (!stream || stream.signal.aborted || silentMs <= this.s.watchdogMs) return;
    this.abortCause = "watchdog";
    this.s.emit({ type: "WATCHDOG", scope: this.s.scope, silentMs });
    stream.abort(new Error(`no watch event for ${silentMs} ms`));
  }

  private scheduleResync(): void {
    clearTimeout(this.resyncTimer);
    this.resyncDue = false;
    if (this.s.resyncMs <= 0) return;
    this.resyncTimer = setTimeout(
      () => {
        this.resyncDue = true;
        if (this.stream) {
          this.abortCause = "resync";
          this.stream.abort(new Error("periodic resync"));
        }
      },
      spreadJitter(this.s.resyncMs, 0.1, this.s.random),
    );
  }
}
