import { got, type Got } from "got";
import type { ReferenceKind } from "../flowset/types.js";
import type { Logger } from "../logger.js";
import * as analytics from "./analytics.js";
import { TokenProvider } from "./auth.js";
import * as deps from "./dependencies.js";
import * as flows from "./flows.js";
import { GenesysHttp } from "./http.js";
import { JobTiming } from "./job-timing.js";
import * as jobs from "./jobs.js";
import * as objects from "./objects.js";
import type { GenesysObserver } from "./observer.js";
import { RateLimiterRegistry, type RateLimitConfig } from "./rate-limiter.js";
import { publishAndWait } from "./publish.js";
import { resolveHosts } from "./regions.js";
import { retryPolicy, type RetryPolicy } from "./retry.js";
import type {
  Dependency,
  ExportedFlow,
  Flow,
  FlowVersion,
  ImportResult,
  JobResult,
  JobState,
  Operation,
  Organization,
  OrgObject,
} from "./schemas.js";

/** Where and as whom to talk to Genesys Cloud. */
export interface GenesysTarget {
  /** AWS-style region (us-east-1, eu-west-1, ...); ignored when `baseUrl` is set. Default us-east-1. */
  region?: string;
  /** Explicit base serving both `/oauth/token` and `/api/v2` (the emulator). */
  baseUrl?: string;
  clientId: string;
  clientSecret: string;
}

/** Everything a client is built with besides the target; all injected, nothing global. */
export interface GenesysClientOptions {
  logger: Logger;
  /** The process-wide registry (built once in main.ts); without it the client throttles alone. */
  limiters?: RateLimiterRegistry;
  /** This caller's rate towards the org (e.g. `spec.rateLimit`); the strictest per OAuth client wins. */
  rateLimit?: Partial<RateLimitConfig>;
  observer?: GenesysObserver;
  retry?: Partial<RetryPolicy>;
  /** Job polling: first wait and longest wait in ms (defaults 50 and 2000), and the overall timeout. */
  pollIntervalMs?: { initial?: number; max?: number; timeout?: number };
  /** Per-attempt HTTP timeout (default 30 s). */
  requestTimeoutMs?: number;
}

/**
 * The one interface through which the promoter talks to Genesys Cloud (CONTRACTS §4): OAuth client
 * credentials, shared rate limiting, retries, typed errors, and zod-parsed responses.
 */
export class GenesysClient {
  /** The API base this client talks to (e.g. `https://api.mypurecloud.ie` or the emulator URL). */
  readonly apiBase: string;
  private readonly http: GenesysHttp;
  private readonly jobDeps: jobs.JobDeps;

  constructor(target: GenesysTarget, options: GenesysClientOptions) {
    const hosts = resolveHosts(target);
    this.apiBase = hosts.apiBase;
    const policy = retryPolicy(options.retry);
    const logger = options.logger.child({ component: "genesys" });
    // Retries are ours (see retry.ts); got must not add its own on top.
    const instance: Got = got.extend({
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      timeout: { request: options.requestTimeoutMs ?? 30_000 },
      headers: { "user-agent": "ivr-promoter" },
    });
    const auth = new TokenProvider({
      got: instance,
      loginBase: hosts.loginBase,
      clientId: target.clientId,
      clientSecret: target.clientSecret,
      policy,
      logger,
      observer: options.observer,
    });
    const limiters = options.limiters ?? new RateLimiterRegistry();
    this.http = new GenesysHttp({
      got: instance,
      apiBase: hosts.apiBase,
      auth,
      limiter: limiters.forClient(hosts.apiBase, target.clientId, options.rateLimit),
      policy,
      logger,
      observer: options.observer,
      knownSecrets: [target.clientSecret],
    });
    this.jobDeps = {
      http: this.http,
      presigned: { got: instance, policy, logger, observer: options.observer },
      poll: {
        initial: options.pollIntervalMs?.initial ?? jobs.DEFAULT_POLL.initial,
        max: options.pollIntervalMs?.max ?? jobs.DEFAULT_POLL.max,
        timeout: options.pollIntervalMs?.timeout ?? jobs.DEFAULT_POLL.timeout,
      },
      timing: new JobTiming(),
    };
  }

  /** Every flow (all pages), optionally filtered by types (any case) and name. */
  listFlows(filter?: { types?: string[]; name?: string }): Promise<Flow[]> {
    return flows.listFlows(this.http, filter);
  }

  /** One flow; undefined when absent (404) or deleted (410) unless `deleted` is set. */
  getFlow(id: string, opts?: { deleted?: boolean }): Promise<Flow | undefined> {
    return flows.getFlow(this.http, id, opts);
  }

  /** Deletes a flow; already absent or deleted is fine. */
  deleteFlow(id: string): Promise<void> {
    return flows.deleteFlow(this.http, id);
  }

  /** Force-releases the flow's lock. */
  unlockFlow(id: string): Promise<Flow> {
    return flows.unlockFlow(this.http, id);
  }

  /** Locks the flow to this OAuth client. */
  checkoutFlow(id: string): Promise<Flow> {
    return flows.checkoutFlow(this.http, id);
  }

  /** Checks the saved version in and releases the lock. */
  checkinFlow(id: string): Promise<Operation> {
    return flows.checkinFlow(this.http, id);
  }

  /**
   * Publishes the flow (or one version of it) and returns once the asynchronous publish Operation has
   * completed successfully (polling the flow's `currentOperation`, bounded by the job-poll timeout).
   * Throws PublishFailedError when the operation ends FAILURE, JobTimeoutError when it does not end.
   */
  publishFlow(id: string, version?: string, opts?: { signal?: AbortSignal }): Promise<Operation> {
    return publishAndWait(this.jobDeps, id, version, opts?.signal);
  }

  /** Every version of the flow. */
  listFlowVersions(id: string): Promise<FlowVersion[]> {
    return flows.listFlowVersions(this.http, id);
  }

  /**
   * Imports and publishes rendered Archy YAML; a Failure throws ImportJobFailedError. With `createStubs`,
   * flows it references that do not exist yet are created as stubs (how a dependency cycle is broken).
   * `onRegistered` is awaited with the job id after POST /api/v2/flows/jobs and before the upload that
   * starts the job; if it throws, nothing is uploaded (the job stays Registered, never runs) and the
   * error propagates.
   */
  importFlow(
    yaml: string,
    opts?: {
      signal?: AbortSignal;
      createStubs?: boolean;
      onRegistered?: (jobId: string) => Promise<void> | void;
    },
  ): Promise<ImportResult> {
    return jobs.importFlow(this.jobDeps, yaml, opts);
  }

  /** One GET /api/v2/flows/jobs/{jobId}?expand=messages; undefined when the job is unknown (404). */
  getImportJob(jobId: string, opts?: { signal?: AbortSignal }): Promise<JobState | undefined> {
    return jobs.getImportJob(this.jobDeps, jobId, opts?.signal);
  }

  /**
   * Polls an import job (e.g. one a crashed run registered) until Success or Failure, with the same
   * backoff as {@link importFlow}; undefined when the job is unknown (404). A Failure is returned, not
   * thrown. `timeoutMs` overrides the client's poll timeout (then JobTimeoutError).
   */
  waitForImportJob(
    jobId: string,
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<JobState | undefined> {
    return jobs.waitForImportJob(this.jobDeps, jobId, opts);
  }

  /** Exports flows (a version each, default the latest) as Archy YAML. */
  exportFlows(
    refs: Array<{ id: string; version?: string }>,
    opts?: { signal?: AbortSignal },
  ): Promise<ExportedFlow[]> {
    return jobs.exportFlows(this.jobDeps, refs, opts?.signal);
  }

  /** Validates existing flows; the result carries Success or Failure and the messages. */
  validateFlows(refs: Array<{ id: string }>, opts?: { signal?: AbortSignal }): Promise<JobResult> {
    return jobs.validateFlows(this.jobDeps, refs, opts?.signal);
  }

  /** What a flow version consumes (dependency tracking; `objectType` e.g. INBOUNDCALLFLOW). */
  consumedResources(id: string, version: string, objectType: string): Promise<Dependency[]> {
    return deps.consumedResources(this.http, id, version, objectType);
  }

  /** What consumes the object (e.g. flows calling a common module). */
  consumingResources(id: string, objectType: string): Promise<Dependency[]> {
    return deps.consumingResources(this.http, id, objectType);
  }

  /** Org objects of `kind` named exactly `name` (data actions: also in `category`). */
  findObjects(kind: ReferenceKind, name: string, opts?: { category?: string }): Promise<OrgObject[]> {
    return objects.findObjects(this.http, kind, name, opts);
  }

  /** The one org object of `kind` named exactly `name`; AmbiguousObjectError when several are. */
  findObject(
    kind: ReferenceKind,
    name: string,
    opts?: { category?: string },
  ): Promise<OrgObject | undefined> {
    return objects.findObject(this.http, kind, name, opts);
  }

  /** One flow aggregates query (analytics): rate-limited and retried like every call, zod-parsed. */
  queryFlowAggregates(
    query: analytics.FlowAggregationQuery,
    opts?: { signal?: AbortSignal },
  ): Promise<analytics.FlowAggregateQueryResponse> {
    return analytics.queryFlowAggregates(this.http, query, opts?.signal);
  }

  /** The org object of `kind` with `id`; undefined when the org has none. */
  getObjectById(kind: Exclude<ReferenceKind, "flow">, id: string): Promise<OrgObject | undefined> {
    return objects.getObjectById(this.http, kind, id);
  }

  /** The org of this client's credentials. */
  organization(): Promise<Organization> {
    return objects.organization(this.http);
  }
}
