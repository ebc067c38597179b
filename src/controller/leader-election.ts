import type { KubeConfig } from "@kubernetes/client-node";
import { pause } from "./backoff.js";
import { isConflict } from "./kube-http.js";
import { createLease, getLease, microTime, updateLease, type LeaseRef, type LeaseSpec } from "./lease.js";

/**
 * Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics (client-go
 * tools/leaderelection; controller-runtime defaults 15 s / 10 s / 2 s):
 * - a candidate takes the lease only when it is free (no holder) or when the record it observed has not
 *   changed for `leaseDuration` — measured on the local clock from when *we* saw it change, so clock skew
 *   between nodes does not matter;
 * - every write is conditional on the resourceVersion read (optimistic concurrency);
 * - the leader renews every `retryPeriod` and steps down as soon as it could not renew for `renewDeadline`
 *   (< leaseDuration, so it stops before anyone else may start);
 * - on cancel the leader releases the lease (empty holder, leaseDurationSeconds 1) so another replica
 *   takes over at its next retry instead of waiting out the lease.
 */

/** What the elector reports (it never logs). */
export type LeaderEvent =
  | { type: "ACQUIRED"; identity: string; transitions: number }
  | { type: "LOST"; identity: string; reason: string }
  | { type: "RELEASED"; identity: string }
  | { type: "LEADER_OBSERVED"; holder: string }
  | { type: "ERROR"; phase: "acquire" | "renew" | "release"; error: unknown };

/** Leader-election settings. */
export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  lease: LeaseRef;
  /** Unique per replica: the pod name, or hostname_pid. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Release the lease when `run` is cancelled while leading; default true. */
  releaseOnCancel?: boolean;
  onEvent?: (event: LeaderEvent) => void;
  random?: () => number;
}

/** Called when leadership starts and ends; `signal` aborts when this term ends. */
export interface LeadershipCallbacks {
  onStartedLeading(signal: AbortSignal): void;
  onStoppedLeading(): void;
}

type Attempt = { ok: true } | { ok: false; holder?: string };

/** See the file comment. */
export class LeaderElector {
  private leading = false;
  private observedRecord = "";
  private observedTime = 0;
  private observedHolder = "";
  /** Local time of the last successful acquire or renew, and the term (lease transitions) we hold. */
  private renewedAt = 0;
  private heldTerm = 0;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly emit: (event: LeaderEvent) => void;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs)) {
      throw new Error("leader election needs leaseDuration > renewDeadline > retryPeriod");
    }
    this.emit = options.onEvent ?? (() => undefined);
  }

  /** True while this replica holds the lease and has renewed it within the renew deadline. */
  isLeader(): boolean {
    return this.leading;
  }

  /**
   * True only while the last renewal is younger than the renew deadline *on the local clock, now*. Unlike
   * {@link isLeader} this needs no timer to have run: a process resumed after a pause (SIGSTOP, a long GC,
   * a frozen VM) sees its own staleness on its very first step, before the renew loop wakes up.
   */
  holdsLease(): boolean {
    return this.leading && Date.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /** The lease's transition count when this replica took it: grows with every change of leader. */
  term(): number {
    return this.heldTerm;
  }

  /** Campaigns, leads, and campaigns again after losing, until `signal` aborts; then releases if leading. */
  async run(callbacks: LeadershipCallbacks, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.acquire(signal))) break;
      const term = new AbortController();
      this.leading = true;
      callbacks.onStartedLeading(term.signal);
      const reason = await this.renew(signal);
      this.leading = false;
      term.abort(new Error(reason ?? "leader election cancelled"));
      callbacks.onStoppedLeading();
      if (reason !== undefined) this.emit({ type: "LOST", identity: this.options.identity, reason });
    }
    if ((this.options.releaseOnCancel ?? true) && this.observedHolder === this.options.identity) {
      await this.release();
    }
  }

  /** Tries every retryPeriod (jittered ×1.2 like client-go) until acquired (true) or cancelled (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    const random = this.options.random ?? Math.random;
    while (!signal.aborted) {
      try {
        if (
          (await this.tryAcquireOrRenew(AbortSignal.any([signal, AbortSignal.timeout(this.renewDeadlineMs)])))
            .ok
        )
          return true;
      } catch (err) {
        if (!signal.aborted) this.emit({ type: "ERROR", phase: "acquire", error: err });
      }
      await pause(this.retryPeriodMs * (1 + 1.2 * random()), signal);
    }
    return false;
  }

  /** Renews until the deadline passes (returns why) or `signal` aborts (returns undefined). */
  private async renew(signal: AbortSignal): Promise<string | undefined> {
    let lastRenew = Date.now();
    for (;;) {
      let remaining = this.renewDeadlineMs - (Date.now() - lastRenew);
      await pause(Math.max(0, Math.min(this.retryPeriodMs, remaining)), signal);
      if (signal.aborted) return undefined;
      remaining = this.renewDeadlineMs - (Date.now() - lastRenew);
      if (remaining <= 0) return `could not renew the lease for ${this.renewDeadlineMs} ms`;
      try {
        const attempt = await this.tryAcquireOrRenew(
          AbortSignal.any([signal, AbortSignal.timeout(remaining)]),
        );
        if (attempt.ok) lastRenew = Date.now();
        else if (attempt.holder) return `the lease is held by ${attempt.holder}`;
      } catch (err) {
        if (signal.aborted) return undefined;
        this.emit({ type: "ERROR", phase: "renew", error: err });
      }
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const { kubeConfig: kc, lease: ref, identity } = this.options;
    const now = new Date();
    const durationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    const lease = await getLease(kc, ref, signal);
    if (!lease) {
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      try {
        this.observe((await createLease(kc, ref, spec, signal)).spec ?? spec);
      } catch (err) {
        if (isConflict(err)) return { ok: false };
        throw err;
      }
      this.renewedAt = now.getTime();
      this.heldTerm = 0;
      this.emit({ type: "ACQUIRED", identity, transitions: 0 });
      return { ok: true };
    }
    const record = lease.spec ?? {};
    this.observe(record);
    const holder = record.holderIdentity ?? "";
    const validForMs = (record.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder && holder !== identity && this.observedTime + validForMs > Date.now()) {
      return { ok: false, holder };
    }
    const renewing = holder === identity && this.leading;
    const transitions = record.leaseTransitions ?? 0;
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: renewing ? (record.acquireTime ?? microTime(now)) : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: renewing || holder === identity ? transitions : transitions + 1,
    };
    try {
      this.observe((await updateLease(kc, ref, lease.metadata.resourceVersion, spec, signal)).spec ?? spec);
    } catch (err) {
      if (isConflict(err)) return { ok: false };
      throw err;
    }
    this.renewedAt = now.getTime();
    this.heldTerm = spec.leaseTransitions ?? 0;
    if (!renewing) this.emit({ type: "ACQUIRED", identity, transitions: spec.leaseTransitions ?? 0 });
    return { ok: true };
  }

  /** Remembers the record and, when it changed, the local time we saw it change (client-go's observedTime). */
  private observe(record: LeaseSpec): void {
    const key = JSON.stringify([
      record.holderIdentity,
      record.renewTime,
      record.acquireTime,
      record.leaseDurationSeconds,
      record.leaseTransitions,
    ]);
    if (key === this.observedRecord) return;
    this.observedRecord = key;
    this.observedTime = Date.now();
    const holder = record.holderIdentity ?? "";
    if (holder !== this.observedHolder && holder !== this.options.identity && holder !== "") {
      this.emit({ type: "LEADER_OBSERVED", holder });
    }
    this.observedHolder = holder;
  }

  /** Hands the lease over: empty holder and a 1 s duration, conditional on the version we hold. */
  private async release(): Promise<void> {
    const { kubeConfig: kc, lease: ref, identity } = this.options;
    try {
      const lease = await getLease(kc, ref, AbortSignal.timeout(this.renewDeadlineMs));
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      const now = microTime(new Date());
      await updateLease(
        kc,
        ref,
        lease.metadata.resourceVersion,
        {
          holderIdentity: "",
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: lease.spec.leaseTransitions ?? 0,
        },
        AbortSignal.timeout(this.renewDeadlineMs),
      );
      this.observedHolder = "";
      this.emit({ type: "RELEASED", identity });
    } catch (err) {
      this.emit({ type: "ERROR", phase: "release", error: err });
    }
  }
}
