import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonical } from "../test/helpers/org-content.js";
import type { EmulatorSeed, OrgSeed } from "../src/emulator/index.js";
import type { ApplyEvent } from "../src/engine/apply.js";
import { MemoryJournalStore } from "../src/engine/journal.js";
import type { DesiredFlow, InventoryEntry } from "../src/engine/model.js";
import type { PromotionRequest } from "../src/engine/promote.js";
import { GenesysClient, RateLimiterRegistry, type GenesysObserver } from "../src/genesys/index.js";
import { silentLogger } from "../src/logger.js";
import { EmulatorAdmin, type LoggedRequest } from "../test/helpers/emulator.js";
import { DAG_OBJECTS } from "./dag.js";

/**
 * What every bench shares: the time scaling, the emulator (run as its own process, as a remote API
 * would be, so its CPU does not compete with the client's event loop), clients configured like
 * production but on the scaled clock, and request-log accounting.
 */

/** The real-world model the benches scale down. */
export interface RealModel {
  /** Genesys' default client-credentials limit: 300 requests per 60 s (genesys-api.md §5.2). */
  requests: number;
  windowSeconds: number;
  /** Assumed duration of one Architect import (publish) job. */
  jobDurationMs: number;
  /** The client's default job polling (src/genesys/jobs.ts DEFAULT_POLL). */
  pollInitialMs: number;
  pollMaxMs: number;
}

/** Parameters of one bench run (all recorded in latest.json). */
export interface BenchParams {
  real: RealModel;
  /** Every duration is divided by this; request counts stay as they are. */
  timeScale: number;
  /** Imports in flight at once (the engine's `concurrency`; CLI and CRD default 8). */
  concurrency: number;
  sizes: number[];
  noopSize: number;
  rollbackSize: number;
  operatorObjects: number;
}

/** The scaled values actually configured on the emulator and the client. */
export interface Scaled {
  rateLimit: { requests: number; windowSeconds: number };
  /** Requests per second the server allows (R in the bound). */
  ratePerSecond: number;
  jobDurationMs: number;
  poll: { initial: number; max: number };
}

/** Scales the real model: same request counts, every duration divided by `timeScale`. */
export function scaled(p: BenchParams): Scaled {
  const windowSeconds = p.real.windowSeconds / p.timeScale;
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1)
    throw new Error(`bench: ${p.real.windowSeconds}s / ${p.timeScale} must be a whole number of seconds`);
  return {
    rateLimit: { requests: p.real.requests, windowSeconds },
    ratePerSecond: p.real.requests / windowSeconds,
    jobDurationMs: Math.round(p.real.jobDurationMs / p.timeScale),
    poll: { initial: p.real.pollInitialMs / p.timeScale, max: p.real.pollMaxMs / p.timeScale },
  };
}

/** An OAuth client of one bench org. */
export interface BenchCredentials {
  id: string;
  secret: string;
}

/** One org of the bench seed: its own client, the DAG's objects, the scaled limit and job duration. */
export function benchOrg(name: string, p: BenchParams): OrgSeed {
  const s = scaled(p);
  return {
    name,
    clients: [{ id: `${name}-client`, secret: `${name}-secret`, name: "Bench promoter" }],
    rateLimit: s.rateLimit,
    jobDurationMs: s.jobDurationMs,
    ...structuredClone(DAG_OBJECTS),
  };
}

/** The credentials {@link benchOrg} gives org `name`. */
export function credentialsOf(org: string): BenchCredentials {
  return { id: `${org}-client`, secret: `${org}-secret` };
}

/** A running emulator child process. */
export interface BenchEmulator {
  url: string;
  admin: EmulatorAdmin;
  pid: number;
  close(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Starts `ivr-promoter emulator --port 0 --state <seed>` and waits for its URL. */
export async function startBenchEmulator(seed: EmulatorSeed): Promise<BenchEmulator> {
  const dir = mkdtempSync(join(tmpdir(), "ivr-bench-emu-"));
  const seedFile = join(dir, "seed.json");
  writeFileSync(seedFile, JSON.stringify(seed));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/main.ts", "emulator", "--port", "0", "--state", seedFile],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, IVR_PROMOTER_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`emulator did not start:\n${out}${err}`)), 60_000);
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`emulator exited (${code}):\n${out}${err}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  const pid = child.pid ?? 0;
  return {
    url,
    admin: new EmulatorAdmin(url),
    pid,
    close: () => stopChild(child).finally(() => rmSync(dir, { recursive: true, force: true })),
  };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Counts what the client saw: attempts per route, 429s, and time spent waiting for the limiter. */
export class CallCounter implements GenesysObserver {
  attempts = 0;
  rateLimitedCount = 0;
  limiterWaits = 0;
  limiterWaitMs = 0;

  request(): void {
    this.attempts += 1;
  }

  rateLimited(): void {
    this.rateLimitedCount += 1;
  }

  limiterWait(ms: number): void {
    this.limiterWaits += 1;
    this.limiterWaitMs += ms;
  }
}

/**
 * A client as the CLI builds one, on the scaled clock: limiter at the org's limit (default 5% margin),
 * scaled job polling, default retries. `fast` lifts the limiter for setup phases that are not measured.
 */
export function benchClient(
  url: string,
  creds: BenchCredentials,
  p: BenchParams,
  opts: {
    observer?: GenesysObserver;
    fast?: boolean;
    safetyMargin?: number;
    /** Job polling (scaled ms) instead of the scaled defaults. */
    poll?: { initial: number; max: number };
  } = {},
): GenesysClient {
  const s = scaled(p);
  const limiters = opts.fast
    ? new RateLimiterRegistry({ requests: 1_000_000, windowSeconds: 1 })
    : new RateLimiterRegistry({ ...s.rateLimit, safetyMargin: opts.safetyMargin });
  return new GenesysClient(
    { baseUrl: url, clientId: creds.id, clientSecret: creds.secret },
    {
      logger: silentLogger(),
      limiters,
      observer: opts.observer,
      pollIntervalMs: opts.fast ? { initial: 2, max: 20 } : (opts.poll ?? s.poll),
    },
  );
}

/** Lifts the org's server-side limit and job duration for an unmeasured setup phase (undo with {@link restoreOrg}). */
export async function speedUpOrg(admin: EmulatorAdmin, org: string): Promise<void> {
  await admin.setFaults(org, { rateLimit: { requests: 1_000_000, windowSeconds: 1 }, jobDurationMs: 1 });
}

/** Back to the org's seeded (scaled) limit and job duration. */
export async function restoreOrg(admin: EmulatorAdmin, org: string): Promise<void> {
  await admin.setFaults(org, {});
}

/** Request-log accounting of one phase. */
export interface CallSummary {
  /** Every logged request: API, token and presigned transfers. */
  total: number;
  /** `/api/v2/...` calls: the ones the rate limit counts (R applies to these). */
  api: number;
  token: number;
  presigned: number;
  /** Answers with status 429. */
  rateLimited: number;
  /** `METHOD route` → count. */
  byRoute: Record<string, number>;
}

/**
 * Summarises the request-log entries of `org` logged after sequence number `afterSeq`. Presigned
 * transfers carry no bearer token, so the log cannot name their org; benches run one at a time, so
 * every org-less entry after the mark is this phase's.
 */
export function summarize(
  entries: readonly LoggedRequest[],
  org: string | readonly string[],
  afterSeq = 0,
): CallSummary {
  const orgs = new Set(typeof org === "string" ? [org] : org);
  const out: CallSummary = { total: 0, api: 0, token: 0, presigned: 0, rateLimited: 0, byRoute: {} };
  for (const e of entries) {
    if (e.seq <= afterSeq || (e.org !== null && !orgs.has(e.org))) continue;
    out.total += 1;
    if (e.route.startsWith("/api/v2/")) out.api += 1;
    else if (e.route === "/oauth/token") out.token += 1;
    else if (e.route.startsWith("/__s3/")) out.presigned += 1;
    if (e.status === 429) out.rateLimited += 1;
    const key = `${e.method} ${e.route.startsWith("/__s3/") ? "/__s3/{upload}" : e.route}`;
    out.byRoute[key] = (out.byRoute[key] ?? 0) + 1;
  }
  return out;
}

/** The highest sequence number in the request log so far (0 when empty): a marker to count from. */
export async function logMark(admin: EmulatorAdmin): Promise<number> {
  const entries = await admin.requests();
  return entries.reduce((max, e) => Math.max(max, e.seq), 0);
}

/** {@link summarize} of everything `org` (and the org-less presigned transfers) did since `mark`. */
export async function callsSince(
  admin: EmulatorAdmin,
  org: string | readonly string[],
  mark: number,
): Promise<CallSummary> {
  return summarize(await admin.requests(), org, mark);
}

/** Live (not deleted) flows of `org` and how many have a published version. */
export async function orgFlows(
  admin: EmulatorAdmin,
  org: string,
): Promise<{ live: number; published: number; byName: Map<string, string | null> }> {
  const state = await admin.org(org);
  const live = state.flows.filter((f) => !f.deleted);
  return {
    live: live.length,
    published: live.filter((f) => f.publishedVersion).length,
    // Content, not version ids: a rollback by re-import publishes the pre-run content under a new version.
    byName: new Map(live.map((f) => [f.name, f.publishedYaml === null ? null : canonical(f.publishedYaml)])),
  };
}

/** Milliseconds since `t0` (performance clock), rounded to 0.1 ms. */
export function since(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

/** A promotion request with the bench's defaults. */
export function benchRequest(
  org: string,
  desired: DesiredFlow[],
  inventory: InventoryEntry[],
  p: BenchParams,
  onEvent?: (e: ApplyEvent) => void,
): PromotionRequest {
  return {
    revision: "bench",
    target: org,
    desired,
    inventory,
    prune: false,
    lockPolicy: "Fail",
    selfClientId: credentialsOf(org).id,
    concurrency: p.concurrency,
    journal: new MemoryJournalStore(),
    logger: silentLogger(),
    onEvent,
  };
}

/** Rounds to `digits` decimals (1 by default). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
