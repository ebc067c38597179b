import type { ApiError } from "./errors.js";
import { genericError, tooManyRequests } from "./errors.js";
import { seededRandom } from "./random.js";
import type { Faults } from "./seed.js";

/**
 * The live fault switches of one org. Counted faults (bursts, storms) count down in place, so
 * `/__admin/state` shows what is left, and disappear when used up.
 */
export class FaultInjector {
  private faults: Faults = {};
  private random: () => number = Math.random;

  /** The current switches (without the one-shot `expireTokens`). */
  get current(): Faults {
    return this.faults;
  }

  /** Replaces every switch. */
  replace(faults: Faults): void {
    const { expireTokens: _oneShot, ...rest } = faults;
    this.faults = structuredClone(rest);
    this.random = rest.randomSeed === undefined ? Math.random : seededRandom(rest.randomSeed);
  }

  /** Merges `patch` over the current switches (`null`-free: a key present replaces, absent keeps). */
  merge(patch: Faults): void {
    this.replace({ ...this.faults, ...patch });
  }

  /** A 429 from an injected storm, consuming one storm call. */
  takeStorm(): ApiError | undefined {
    const storm = this.faults.rateLimitStorm;
    if (!storm || storm.count <= 0) return undefined;
    storm.count -= 1;
    if (storm.count === 0) delete this.faults.rateLimitStorm;
    return tooManyRequests(storm.retryAfterSeconds);
  }

  /** An injected error for a call of `method` on templated `route`: a burst first, then the error rate. */
  takeError(method: string, route: string): ApiError | undefined {
    const burst = this.faults.errorBurst;
    if (
      burst &&
      burst.count > 0 &&
      (burst.method ?? method).toUpperCase() === method &&
      (burst.route ?? route) === route
    ) {
      burst.count -= 1;
      if (burst.count === 0) delete this.faults.errorBurst;
      return genericError(burst.status);
    }
    const rate = this.faults.errorRate ?? 0;
    if (rate > 0 && this.random() < rate) {
      const statuses = this.faults.errorStatuses ?? [503];
      const status = statuses[Math.floor(this.random() * statuses.length)] ?? 503;
      return genericError(status);
    }
    return undefined;
  }

  /**
   * Consumes one `failPublish` count when it applies to `flowName`: the error the publish operation of
   * that flow ends with, or undefined when it succeeds.
   */
  takePublishFailure(flowName: string): { errorCode: string; errorMessage: string } | undefined {
    const fail = this.faults.failPublish;
    if (!fail || fail.count <= 0) return undefined;
    if (fail.flows && !fail.flows.some((n) => n.toLowerCase() === flowName.toLowerCase())) return undefined;
    fail.count -= 1;
    if (fail.count === 0) delete this.faults.failPublish;
    return {
      errorCode: fail.errorCode ?? "architect.external.publish.error",
      errorMessage:
        fail.errorMessage ?? `Flow '${flowName}' could not be published (injected by failPublish).`,
    };
  }

  /** Whether a publish of `flowName` runs as a pessimistic operation (see `publishDelayMs`). */
  pessimisticPublish(flowName: string): boolean {
    const fail = this.faults.failPublish;
    const failing =
      fail !== undefined &&
      fail.count > 0 &&
      (!fail.flows || fail.flows.some((n) => n.toLowerCase() === flowName.toLowerCase()));
    return this.faults.publishDelayMs !== undefined || failing;
  }

  /** Consumes one `analyticsOutage` count: the error this analytics query answers with, if any. */
  takeAnalyticsOutage(): ApiError | undefined {
    const outage = this.faults.analyticsOutage;
    if (!outage || outage.count <= 0) return undefined;
    outage.count -= 1;
    if (outage.count === 0) delete this.faults.analyticsOutage;
    return outage.status === 429 ? tooManyRequests(outage.retryAfterSeconds) : genericError(outage.status);
  }

  /** Consumes one `loginThrottle` count: true when this token request must be refused as throttled. */
  takeLoginThrottle(): boolean {
    const throttle = this.faults.loginThrottle;
    if (!throttle || throttle.count <= 0) return false;
    throttle.count -= 1;
    if (throttle.count === 0) delete this.faults.loginThrottle;
    return true;
  }

  /**
   * Whether the import job of `flowName` that is starting now must be held. Counts one upload down on
   * `holdNthJob` either way, so "the n-th job from now" counts every job.
   */
  takeHold(flowName: string | undefined): boolean {
    let hold = false;
    const nth = this.faults.holdNthJob;
    if (nth) {
      nth.n -= 1;
      if (nth.n <= 0) {
        hold = true;
        delete this.faults.holdNthJob;
      }
    }
    const named = this.faults.holdJobsForFlows ?? [];
    if (flowName !== undefined && named.some((n) => n.toLowerCase() === flowName.toLowerCase())) hold = true;
    return hold;
  }

  /**
   * How long the next import job runs: drawn from the log-normal `jobDuration` when set (median and
   * 95th percentile; sigma = ln(p95/median) / 1.645), else `fallbackMs`.
   */
  jobDurationMs(fallbackMs: number): number {
    const dist = this.faults.jobDuration;
    if (!dist || dist.medianMs <= 0) return this.faults.jobDurationMs ?? fallbackMs;
    const sigma = Math.log(Math.max(dist.p95Ms, dist.medianMs) / dist.medianMs) / 1.6448536;
    // Box-Muller: a standard normal from two uniforms (1 - u keeps the log away from 0).
    const z = Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
    return Math.round(dist.medianMs * Math.exp(sigma * z));
  }

  /** Flow names whose import job must fail. */
  failsJobFor(flowName: string): boolean {
    return (this.faults.failJobsForFlows ?? []).some((n) => n.toLowerCase() === flowName.toLowerCase());
  }
}
