import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Every Prometheus metric of the process, on a registry of its own (so tests and several instances in one
 * process never collide). Built once in `main.ts` and passed to the controller and the Genesys observer.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly reconcileTotal = new Counter({
    name: "ivr_promoter_reconcile_total",
    help: "Reconciles finished, by result (success, failure, skipped).",
    labelNames: ["namespace", "name", "result"] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: "ivr_promoter_reconcile_errors_total",
    help: "Failed reconciles, by condition reason.",
    labelNames: ["namespace", "name", "reason"] as const,
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: "ivr_promoter_reconcile_duration_seconds",
    help: "Duration of a reconcile, from dequeue to status patch.",
    labelNames: ["namespace", "name"] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });
  readonly condition = new Gauge({
    name: "ivr_promoter_reconcile_condition",
    help: "The current status of a condition of an IvrPromotion (1 for the status it has).",
    labelNames: ["namespace", "name", "type", "status"] as const,
    registers: [this.registry],
  });
  readonly awaitingApproval = new Gauge({
    name: "ivr_promoter_awaiting_approval",
    help: "1 while the IvrPromotion has a plan waiting for approval (Ready=False, reason AwaitingApproval).",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly changeWindowHeldNow = new Gauge({
    name: "ivr_promoter_change_window_held",
    help: "1 while the IvrPromotion holds a plan outside its change windows (reason OutsideChangeWindow).",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly changeWindowHeld = new Counter({
    name: "ivr_promoter_change_window_held_total",
    help: "Reconciles that held a plan because no change window was open.",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly changeWindowOverrides = new Counter({
    name: "ivr_promoter_change_window_overrides_total",
    help: "Plans written outside the change windows by an emergency override annotation.",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly suspended = new Gauge({
    name: "ivr_promoter_suspend_status",
    help: "1 when the IvrPromotion is suspended.",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly flowsImported = new Counter({
    name: "ivr_promoter_flows_imported_total",
    help: "Flows imported and published through the Architect jobs API.",
    registers: [this.registry],
  });
  readonly flowsRolledBack = new Counter({
    name: "ivr_promoter_flows_rolled_back_total",
    help: "Flows restored to their previous version (or deleted) by a rollback.",
    registers: [this.registry],
  });
  readonly verifications = new Counter({
    name: "ivr_promoter_verifications_total",
    help: "Verdicts of verification after promotion, by result (passed, failed, inconclusive, abandoned).",
    labelNames: ["namespace", "name", "result"] as const,
    registers: [this.registry],
  });
  readonly verificationFailed = new Gauge({
    name: "ivr_promoter_verification_failed",
    help: "1 while the object's last verified revision failed verification (and was rolled back), else 0.",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly verifying = new Gauge({
    name: "ivr_promoter_verifying",
    help: "1 while a revision of the object is being verified after promotion, else 0.",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly driftDetected = new Counter({
    name: "ivr_promoter_drift_detected_total",
    help: "Flows found published outside Git (by anyone, this operator's client included) and put back.",
    labelNames: ["namespace", "name"] as const,
    registers: [this.registry],
  });
  readonly genesysRequests = new Counter({
    name: "ivr_promoter_genesys_requests_total",
    help: "Genesys Cloud API requests, by method, route template and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });
  readonly genesysRateLimited = new Counter({
    name: "ivr_promoter_genesys_rate_limited_total",
    help: "429 responses received from Genesys Cloud.",
    registers: [this.registry],
  });
  readonly limiterWait = new Counter({
    name: "ivr_promoter_rate_limiter_wait_seconds_total",
    help: "Time spent waiting in the client-side rate limiter.",
    registers: [this.registry],
  });
  readonly watchReconnects = new Counter({
    name: "ivr_promoter_watch_reconnects_total",
    help: "Times the IvrPromotion watch was re-established after it ended or failed.",
    registers: [this.registry],
  });
  readonly watchRelists = new Counter({
    name: "ivr_promoter_watch_relists_total",
    help: "Full relists of IvrPromotions (start, 410 Gone, periodic resync).",
    registers: [this.registry],
  });
  readonly watchLastEventAge = new Gauge({
    name: "ivr_promoter_watch_last_event_age_seconds",
    help: "Seconds since the watch last delivered an event or bookmark.",
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "ivr_promoter_" });
  }

  /** The observer hooks a GenesysClient reports to. */
  genesysObserver(): {
    request(e: { method: string; route: string; status: number }): void;
    rateLimited(retryAfterMs: number): void;
    limiterWait(ms: number): void;
  } {
    return {
      request: (e) =>
        this.genesysRequests.inc({ method: e.method, route: e.route, status: String(e.status) }),
      rateLimited: () => this.genesysRateLimited.inc(),
      limiterWait: (ms) => this.limiterWait.inc(ms / 1000),
    };
  }
}
