import type { EmulatorSeed, Faults } from "../../../src/emulator/index.js";
import {
  GenesysClient,
  RateLimiterRegistry,
  type GenesysClientOptions,
  type GenesysRequestEvent,
} from "../../../src/genesys/index.js";
import { silentLogger } from "../../../src/logger.js";
import {
  startTestEmulator,
  type LoggedRequest,
  type ReleasedJob,
  type TestEmulator,
} from "../../helpers/emulator.js";

export type { LoggedRequest } from "../../helpers/emulator.js";

/** What a test sees of a client: the client and every event its observer got. */
export interface ObservedClient {
  client: GenesysClient;
  requests: GenesysRequestEvent[];
  rateLimited: number[];
  limiterWaits: number[];
}

/** The real emulator on a loopback port, its admin API, and a factory of observed GenesysClients. */
export class EmulatorFixture {
  private constructor(private readonly emulator: TestEmulator) {}

  /** Starts the emulator on port 0 with `seed`. */
  static async start(seed: EmulatorSeed): Promise<EmulatorFixture> {
    return new EmulatorFixture(await startTestEmulator(seed));
  }

  get url(): string {
    return this.emulator.url;
  }

  /**
   * A client of `creds` with its own rate-limiter registry, short backoffs and fast job polling
   * (each overridable through `options`); every observer event is recorded.
   */
  client(creds: { id: string; secret: string }, options: Partial<GenesysClientOptions> = {}): ObservedClient {
    const requests: GenesysRequestEvent[] = [];
    const rateLimited: number[] = [];
    const limiterWaits: number[] = [];
    const client = new GenesysClient(
      { baseUrl: this.url, clientId: creds.id, clientSecret: creds.secret },
      {
        logger: silentLogger(),
        limiters: new RateLimiterRegistry(),
        retry: { baseDelayMs: 10, maxDelayMs: 100 },
        pollIntervalMs: { initial: 10, max: 100 },
        observer: {
          request: (e) => requests.push(e),
          rateLimited: (ms) => rateLimited.push(ms),
          limiterWait: (ms) => limiterWaits.push(ms),
        },
        ...options,
      },
    );
    return { client, requests, rateLimited, limiterWaits };
  }

  /** Replaces (`PUT`) or merges (`PATCH`) the fault switches of `org`. */
  async faults(org: string, faults: Faults, mode: "PUT" | "PATCH" = "PATCH"): Promise<void> {
    if (mode === "PUT") await this.emulator.admin.setFaults(org, faults);
    else await this.emulator.admin.patchFaults(org, faults);
  }

  /**
   * The request log (API, token and S3 requests), of `org` only when given. Requests refused with 401
   * and S3 transfers are logged without an org, so tests counting those read the whole log.
   */
  requests(org?: string): Promise<LoggedRequest[]> {
    return this.emulator.admin.requests(org);
  }

  /** Empties the request log. */
  clearRequests(): Promise<void> {
    return this.emulator.admin.clearRequests();
  }

  /** Locks a flow to another OAuth client. */
  async lock(org: string, flowId: string, clientName?: string): Promise<void> {
    await this.emulator.admin.lockFlow(org, flowId, clientName);
  }

  /** Runs held import jobs to completion (all, or one by id, or those of one flow). */
  releaseJobs(org: string, filter: { jobId?: string; flowName?: string } = {}): Promise<ReleasedJob[]> {
    return this.emulator.admin.releaseJobs(org, filter);
  }

  /** Removes an org object (kind = ReferenceKind). */
  removeObject(org: string, kind: string, name: string): Promise<void> {
    return this.emulator.admin.removeObject(org, kind, name);
  }

  close(): Promise<void> {
    return this.emulator.close();
  }
}

/** Counts log entries matching `method` and `route` (and `status`, when given). */
export function count(log: LoggedRequest[], method: string, route: string, status?: number): number {
  return log.filter(
    (e) => e.method === method && e.route === route && (status === undefined || e.status === status),
  ).length;
}
