import { randomUUID } from "node:crypto";
import type { KubeConfig } from "@kubernetes/client-node";
import { GROUP, NAMES, VERSION } from "../api/ivr-promotion.js";
import { isPromoterError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { ProbeResult } from "./http-server.js";
import { LeaderElector } from "./leader-election.js";
import type { LeaseRef } from "./lease.js";
import { EventRecorder } from "./events.js";
import { kubeApis } from "./kube-clients.js";
import {
  describeError,
  leaderElectionEvent,
  leaseSubject,
  recordLeaderEvent,
  recordWatchEvent,
} from "./operator-events.js";
import { objectKey, parseKey, updateMatters } from "./predicates.js";
import { WorkQueue, type WorkQueueOptions } from "./queue.js";
import type { ReconcileResult, Reconciler } from "./types.js";
import { Watch } from "./watch.js";
import type { KubeObject, WatchTuning } from "./watch-types.js";

/**
 * The operator runtime: watch → work queue → reconciler, with the queue running only on the leader.
 * Every replica watches (so readiness and a warm cache never depend on leadership); when a replica
 * becomes leader it queues every known object, and when it loses the lease it aborts its reconciles at
 * once. Level-triggered: the queue holds keys only and the reconciler re-reads the object.
 */

/** Leader-election settings of an {@link Operator}. */
export interface OperatorLeaderElection {
  lease: LeaseRef;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Everything an {@link Operator} needs. */
export interface OperatorOptions {
  kubeConfig: KubeConfig;
  reconciler: Reconciler;
  logger: Logger;
  metrics: Metrics;
  /** Namespaces to watch; empty = all. */
  namespaces?: readonly string[];
  /** Only objects matching this label selector (sharding). */
  labelSelector?: string;
  /** Parallel reconciles across objects; default 4. */
  concurrency?: number;
  /** Lease-based leader election; undefined = off (this replica always reconciles). */
  leaderElection?: OperatorLeaderElection;
  watch?: WatchTuning;
  queue?: Pick<WorkQueueOptions, "backoff" | "jitter" | "random">;
  /** How long a graceful stop waits for running reconciles before aborting them; default 30 s. */
  shutdownGraceMs?: number;
  /**
   * Record `ivr_promoter_reconcile_total{result}` and the duration histogram per reconcile; default true.
   * Turn off for a reconciler that records them itself (the IvrPromotion reconciler does, with
   * condition-aware results), or every reconcile would be counted twice.
   */
  recordReconcileMetrics?: boolean;
}

/** See the file comment. */
export class Operator {
  readonly watch: Watch;
  private readonly elector: LeaderElector | undefined;
  /** Leadership Events on the Lease, written as this replica (reportingInstance = its identity). */
  private readonly leaseEvents: EventRecorder | undefined;
  private readonly logger: Logger;
  private queue: WorkQueue | undefined;
  /** Settles once the previous term's reconciles have ended; a new term waits for it. */
  private draining: Promise<void> = Promise.resolve();
  private election: { controller: AbortController; run: Promise<void> } | undefined;
  private state: "new" | "running" | "stopping" | "stopped" = "new";

  constructor(private readonly options: OperatorOptions) {
    this.logger = options.logger.child({ component: "operator" });
    const watchLog = this.logger.child({ component: "watch" });
    this.watch = new Watch({
      // Every object is reconciled again on each resync, which costs Git fetches and Genesys API calls;
      // the reconciler's own interval already drives periodic work, so the safety-net relist can be rarer
      // than the watch's generic 10 min default (controller-runtime uses 10 h).
      resyncMs: 30 * 60_000,
      ...options.watch,
      kubeConfig: options.kubeConfig,
      resource: { group: GROUP, version: VERSION, plural: NAMES.plural },
      namespaces: options.namespaces,
      labelSelector: options.labelSelector,
      handler: {
        onAdd: (obj) => this.enqueue(obj),
        onUpdate: (obj, old, ctx) => {
          if (ctx.relist || updateMatters(old, obj)) this.enqueue(obj);
        },
        onDelete: (obj) => this.enqueue(obj),
      },
      onEvent: (event) => recordWatchEvent(event, watchLog, options.metrics),
    });
    const election = options.leaderElection;
    if (election) {
      const log = this.logger.child({ component: "leader-election", lease: election.lease.name });
      const events = new EventRecorder(kubeApis(options.kubeConfig), log, undefined, {
        instance: election.identity,
      });
      this.leaseEvents = events;
      this.elector = new LeaderElector({
        ...election,
        kubeConfig: options.kubeConfig,
        onEvent: (event) => {
          recordLeaderEvent(event, log);
          const input = leaderElectionEvent(event);
          if (input) void events.record(leaseSubject(election.lease), input);
        },
      });
    }
  }

  /** Starts watching and, when leader (or without leader election), reconciling. */
  start(): void {
    if (this.state !== "new") return;
    this.state = "running";
    this.watch.start();
    if (!this.elector) {
      void this.startTerm(new AbortController().signal);
      return;
    }
    const controller = new AbortController();
    const run = this.elector.run(
      { onStartedLeading: (signal) => void this.startTerm(signal), onStoppedLeading: () => this.endTerm(0) },
      controller.signal,
    );
    this.election = { controller, run };
  }

  /**
   * Graceful stop: no new reconciles, running ones get `shutdownGraceMs` to finish (then are aborted),
   * the lease is released so another replica takes over at once, and the watch is closed.
   */
  async stop(): Promise<void> {
    if (this.state !== "running") return;
    this.state = "stopping";
    // The queue stays reachable while it drains: if the lease is lost meanwhile, endTerm aborts it at once.
    const queue = this.queue;
    if (queue) {
      const abandoned = await queue.shutdown(this.options.shutdownGraceMs ?? 30_000);
      if (abandoned.length > 0) this.logger.warn({ keys: abandoned }, "aborted reconciles at shutdown");
    }
    this.queue = undefined;
    if (this.election) {
      this.election.controller.abort(new Error("operator stopping"));
      await this.election.run;
    }
    await this.leaseEvents?.flush();
    await this.watch.stop();
    this.state = "stopped";
  }

  /** True while this replica runs reconciles. */
  isLeader(): boolean {
    if (this.state !== "running") return false;
    return this.elector ? this.elector.isLeader() : true;
  }

  /** The leader-election term this replica holds (0 without leader election), for the journal fence. */
  leaderTerm(): number {
    return this.elector?.term() ?? 0;
  }

  /**
   * Whether this replica may write right now: it runs (or drains at shutdown) and, with leader election,
   * holds the lease on the local clock at this instant (see LeaderElector.holdsLease).
   */
  holdsWriteRight(): boolean {
    if (this.state !== "running" && this.state !== "stopping") return false;
    return this.elector ? this.elector.holdsLease() : true;
  }

  /** Liveness: the watch is connected (or only briefly not) and has not given up. */
  healthz(): ProbeResult {
    const health = this.watch.health();
    return { ok: health.healthy, detail: health.detail };
  }

  /** Readiness: the first full list completed. Deliberately independent of leadership. */
  readyz(): ProbeResult {
    const health = this.watch.health();
    return { ok: health.synced, detail: health.synced ? "synced" : "initial list not complete" };
  }

  /** Refreshes gauges computed on demand; call before each scrape. */
  refreshMetrics(): void {
    this.options.metrics.watchLastEventAge.set(this.watch.health().lastEventAgeSeconds);
  }

  private enqueue(obj: KubeObject): void {
    this.queue?.add(objectKey(obj));
  }

  private async startTerm(signal: AbortSignal): Promise<void> {
    await this.draining; // never run a key twice at once, even across a lost-and-regained lease
    if (signal.aborted || this.state !== "running") return;
    this.queue = new WorkQueue((key, keySignal) => this.reconcileKey(key, keySignal), {
      ...this.options.queue,
      concurrency: this.options.concurrency ?? 4,
      onRetry: (key, failures, delayMs) => {
        const ref = parseKey(key);
        this.logger.debug({ ...ref, failures, delayMs }, "reconcile will be retried");
      },
    });
    for (const obj of this.watch.objects()) this.queue.add(objectKey(obj));
  }

  private endTerm(graceMs: number): void {
    const queue = this.queue;
    this.queue = undefined;
    if (!queue) return;
    this.draining = queue.shutdown(graceMs).then(() => queue.idle());
  }

  private async reconcileKey(key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const ref = parseKey(key);
    const log = this.logger.child({ namespace: ref.namespace, name: ref.name, reconcileId: randomUUID() });
    const metrics = this.options.recordReconcileMetrics === false ? undefined : this.options.metrics;
    const startedAt = performance.now();
    log.debug("reconcile started");
    try {
      const result = await this.options.reconciler.reconcile(ref, signal);
      metrics?.reconcileTotal.inc({ ...ref, result: "success" });
      log.debug({ requeueAfterMs: result.requeueAfterMs }, "reconcile finished");
      return result;
    } catch (err) {
      if (signal.aborted) {
        log.info({ error: describeError(err) }, "reconcile aborted");
      } else {
        metrics?.reconcileTotal.inc({ ...ref, result: "failure" });
        const fields = isPromoterError(err)
          ? { code: err.code, reason: err.reason }
          : { reason: "Transient" };
        log.warn({ ...fields, error: describeError(err) }, "reconcile failed");
      }
      throw err;
    } finally {
      metrics?.reconcileDuration.observe(ref, (performance.now() - startedAt) / 1000);
    }
  }
}
