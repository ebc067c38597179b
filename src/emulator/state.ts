import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import { FaultInjector } from "./faults.js";
import { FlowStore, type Principal } from "./flow-store.js";
import { kindInfo } from "./kinds.js";
import { ObjectStore } from "./object-store.js";
import type { RateLimit } from "./rate-limit.js";
import { Scheduler } from "./scheduler.js";
import type { OrgSeed } from "./seed.js";
import { TrafficModel } from "./traffic.js";

/** Default token budget of the Platform API: 300 requests per minute per token (genesys-api.md §5.2). */
export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 300, windowSeconds: 60 };
/** Default time an Architect job stays Started; small so tests are fast. */
export const DEFAULT_JOB_DURATION_MS = 50;
/** Default token lifetime: 24 hours (genesys-api.md §1.2). */
export const DEFAULT_TOKEN_TTL_SECONDS = 86400;

/** An OAuth client of an org. */
export interface ClientConfig {
  id: string;
  secret: string;
  name: string;
  tokenTtlSeconds: number;
}

/** One line of a job's `messages` (ArchitectJobMessage). */
export interface JobMessage {
  dateTime: string;
  type: "Error" | "Warning" | "Unknown";
  text: string;
  details?: Array<Record<string, unknown>>;
}

/** Status of an Architect job. */
export type JobStatus = "Registered" | "Started" | "Success" | "Failure";

/** An import (publish) job. */
export interface ImportJob {
  id: string;
  status: JobStatus;
  principal: Principal;
  command?: "Create" | "Update";
  flowId?: string;
  messages: JobMessage[];
  /** RegisterArchitectJobRequest.createStubs: unresolved flow references become stub flows. */
  createStubs?: boolean;
  /** The flow name in the uploaded YAML, when it parses. */
  flowName?: string;
  /** Set while a hold fault keeps the job Started; `run` completes it (admin release). */
  held?: { since: string; run: () => void };
}

/** An export or validate job. */
export interface FlowsJob {
  id: string;
  kind: "export" | "validate";
  status: JobStatus;
  totalFlows: number;
  messages: JobMessage[];
  downloadUrl?: string;
}

/** The dependency-tracking build status (DependencyStatus). */
export interface DependencyBuild {
  buildId: string;
  status: "OPERATIONAL" | "BUILDINPROGRESS";
  dateStarted: string;
  dateCompleted?: string;
  client?: Principal;
}

/** Everything one org owns: credentials, flows, objects, jobs and faults. */
export class OrgState {
  readonly name: string;
  readonly id: string;
  readonly region: string;
  readonly homeDivisionId = randomUUID();
  readonly clients = new Map<string, ClientConfig>();
  readonly flows = new FlowStore();
  readonly objects = new ObjectStore();
  readonly faults = new FaultInjector();
  readonly importJobs = new Map<string, ImportJob>();
  readonly flowsJobs = new Map<string, FlowsJob>();
  /** Calls arriving at the published flows (admin `/traffic`), read by the analytics routes. */
  readonly traffic = new TrafficModel();
  build: DependencyBuild;
  /** Bumped by `expireTokens`: tokens of an older generation are invalid. */
  tokenGeneration = 0;
  private readonly baseRateLimit: RateLimit;
  private readonly baseJobDurationMs: number;

  constructor(
    seed: OrgSeed,
    now: number,
    /** Timers of the emulator (job completion, publish operations). */
    readonly scheduler: Scheduler,
  ) {
    this.name = seed.name;
    this.id = seed.id ?? randomUUID();
    this.region = seed.region ?? "us-east-1";
    for (const c of seed.clients ?? []) {
      this.clients.set(c.id, {
        id: c.id,
        secret: c.secret,
        name: c.name ?? c.id,
        tokenTtlSeconds: c.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
      });
    }
    this.baseRateLimit = seed.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.baseJobDurationMs = seed.jobDurationMs ?? DEFAULT_JOB_DURATION_MS;
    // Seed faults are applied by the caller once seed flows are published (a seed may fail its own flows' later jobs).
    // Every real org has a Home division (homeDivision: true); flows name it `division: Home`.
    const divisions = kindInfo("division");
    if (divisions)
      this.objects.add(divisions, {
        id: this.homeDivisionId,
        name: "Home",
        description: "Home Division",
        homeDivision: true,
      });
    this.objects.addAll(seed);
    this.build = {
      buildId: randomUUID(),
      status: "OPERATIONAL",
      dateStarted: new Date(now).toISOString(),
      dateCompleted: new Date(now).toISOString(),
    };
  }

  /** The token budget in force (a fault overrides the seed). */
  get rateLimit(): RateLimit {
    return this.faults.current.rateLimit ?? this.baseRateLimit;
  }

  /** How long the next import job runs, in ms (the `jobDuration` distribution when set). */
  nextImportJobDurationMs(): number {
    return this.faults.jobDurationMs(this.baseJobDurationMs);
  }

  /** How long jobs (and publish operations) run, in ms. */
  get jobDurationMs(): number {
    return this.faults.current.jobDurationMs ?? this.baseJobDurationMs;
  }

  /** The principal that holds a lock for the client named `clientName` (an org client of that name, or a stranger). */
  principalNamed(clientName: string): Principal {
    for (const c of this.clients.values())
      if (c.name === clientName) return { clientId: c.id, clientName: c.name };
    return { clientId: randomUUID(), clientName };
  }
}

/** The whole emulator: orgs by name and by client id, shared timers, clock and logger. */
export class EmulatorState {
  readonly orgs = new Map<string, OrgState>();
  private readonly orgByClient = new Map<string, OrgState>();
  readonly scheduler = new Scheduler();

  constructor(
    readonly logger: Logger,
    readonly now: () => number = Date.now,
  ) {}

  /** Adds an org built from its seed (flows are published separately, once the server can parse them). */
  addOrg(seed: OrgSeed): OrgState {
    const org = new OrgState(seed, this.now(), this.scheduler);
    this.orgs.set(org.name, org);
    for (const id of org.clients.keys()) this.orgByClient.set(id, org);
    return org;
  }

  /** The org an OAuth client belongs to. */
  orgOfClient(clientId: string): OrgState | undefined {
    return this.orgByClient.get(clientId);
  }
}
