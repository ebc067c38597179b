import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Annotation } from "../../../src/api/ivr-promotion.js";
import { shortRevision } from "../../../src/controller/revision.js";
import type { EmulatorSeed, Faults } from "../../../src/emulator/index.js";
import { eventually, startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { POSITIONS, markedFlows, marksIn, matrixClient, matrixSeed } from "../../helpers/matrix.js";
import { Cluster, OperatorProcess, exampleFiles, removeDir, tempDir } from "./harness.js";

/**
 * The exactly-once fault matrix, on a real kube-apiserver with the operator as processes. The example
 * flow set is a 7-flow group with dependencies; position k (1..7) means "the k-th import of the run is
 * in flight when the fault hits": org `m<k>` holds its k-th import job (the emulator keeps it Started
 * until released), so one run of each fault covers every position at once, in seven orgs promoted by
 * seven IvrPromotions. After each fault, whatever happened in between, every org must publish the
 * content of exactly one revision — the new one, once the operators settle (content compared, not
 * version numbers) — status must name that revision with an inventory that matches the org, and
 * nothing may be written to any org after the run settled (a deposed writer included).
 */

const NS = "matrix";
const LEASE = "ivr-matrix";
/** Short leader-election timings so a paused leader loses its lease within seconds. */
const ELECTION = [
  "--leader-elect-lease-duration=6s",
  "--leader-elect-renew-deadline=4s",
  "--leader-elect-retry-period=1s",
  "--concurrency=8", // all seven objects at once: each holds a job until the fault is injected
];

let cluster: Cluster;
let emulator: TestEmulator;
let repo: TestRepo;
let seed: EmulatorSeed;
let dir: string;
let round = 0;
const operators: OperatorProcess[] = [];

beforeAll(async () => {
  dir = await tempDir("ivr-matrix-");
  cluster = await Cluster.start();
  seed = await matrixSeed();
  emulator = await startTestEmulator(seed);
  repo = await makeRepo(await exampleFiles());
  await cluster.namespace(NS);
  for (const k of POSITIONS) {
    const client = matrixClient(k);
    await cluster.secret(NS, `m${k}`, { clientId: client.id, clientSecret: client.secret });
    await cluster.create(NS, `p${k}`, {
      source: { url: repo.url, ref: { branch: "main" } },
      path: ".",
      environment: "dev",
      target: { endpoint: emulator.url, credentialsSecretRef: { name: `m${k}` } },
      interval: "1h",
      retryInterval: "2s",
      // One import at a time, so "position k" is exactly k-1 flows done and the k-th in flight.
      concurrency: 1,
    });
  }
  const op = await startOperator("setup");
  await settled("", op);
  await op.stop();
}, 300_000);

afterAll(async () => {
  for (const op of operators) await op.stop().catch(() => undefined);
  await emulator?.close();
  await repo?.cleanup();
  await cluster?.stop();
  if (process.env.KEEP_OPERATOR_LOG) for (const op of operators) console.log(op.log());
  await removeDir(dir);
});

async function startOperator(name: string): Promise<OperatorProcess> {
  const op = await OperatorProcess.start(cluster.api.kubeconfigPath, {
    dir,
    logName: `${name}.log`,
    leaderElection: { lease: LEASE, identity: name },
    extraArgs: ELECTION,
  });
  operators.push(op);
  return op;
}

/** A commit that changes every flow (its description carries `mark`), requested now on every object. */
async function newRevision(mark: string): Promise<string> {
  const sha = await repo.commit(await markedFlows(mark), `release ${mark}`);
  return `main@sha1:${sha}`;
}

/** Holds the k-th import job of the next run in org m<k>, starts the run, and waits until all are held. */
async function holdAtEveryPosition(mark: string, op: OperatorProcess, extra: Faults = {}): Promise<string> {
  for (const k of POSITIONS) await emulator.admin.setFaults(`m${k}`, { holdNthJob: { n: k }, ...extra });
  const revision = await newRevision(mark);
  for (const k of POSITIONS) await cluster.annotate(NS, `p${k}`, { [Annotation.requestedAt]: mark });
  const missing = async () => {
    const out: string[] = [];
    for (const k of POSITIONS) if ((await emulator.admin.heldJobs(`m${k}`)).length === 0) out.push(`m${k}`);
    return out;
  };
  await eventually(async () => ((await missing()).length === 0 ? true : undefined), 120_000, 100).catch(
    async (err: unknown) => {
      throw new Error(
        `${String(err)}: no held job in ${(await missing()).join(", ")}\n${op.log().slice(-6000)}`,
      );
    },
  );
  return revision;
}

async function releaseAll(): Promise<void> {
  for (const k of POSITIONS) await emulator.admin.releaseJobs(`m${k}`);
}

/**
 * Waits for every object to be Ready on the revision carrying `mark` ("" for the first revision), then checks the end state:
 * each org publishes that revision's content for all 7 flows and nothing else; the inventory matches
 * the org; the journal is empty; and nothing is written to any org for a while after.
 */
async function settled(mark: string, op?: OperatorProcess): Promise<string[]> {
  const sha = await repo.head();
  const revision = `main@sha1:${sha}`;
  for (const k of POSITIONS) {
    const obj = await cluster
      .waitFor(
        NS,
        `p${k}`,
        (o) =>
          o.status?.lastAppliedRevision === revision &&
          o.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true &&
          !o.status.conditions.some((c) => c.type === "Reconciling"),
        180_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\n--- operator log ---\n${op?.log().slice(-4000) ?? ""}`);
      });
    const ready = obj.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.message, `p${k}`).toContain(shortRevision(revision));
    expect(obj.status?.lastAppliedRevisionShort, `p${k}`).toBe(shortRevision(revision));
    const flows = (await emulator.admin.org(`m${k}`)).flows.filter((f) => !f.deleted);
    expect(flows, `m${k}`).toHaveLength(7);
    expect(new Set(flows.map((f) => `${f.type}/${f.name}`)).size, `m${k}`).toBe(7);
    for (const flow of flows) {
      // Exactly one revision: the new content on every flow (a mix would show an older mark somewhere).
      expect(marksIn(flow.publishedYaml), `m${k} ${flow.name}`).toEqual(mark ? [mark] : []);
      const entry = obj.status?.inventory?.find((e) => e.id === flow.id);
      expect(entry?.publishedVersion, `m${k} ${flow.name}: status names what the org publishes`).toBe(
        flow.publishedVersion,
      );
    }
    const journal = await cluster.core.readNamespacedConfigMap({ namespace: NS, name: `p${k}-ivr-journal` });
    expect(journal.data?.["journal.json"], `p${k} journal`).toBeUndefined();
  }
  // Nothing published after the run settled: no write reaches any org for a while.
  const seen = (await emulator.admin.requests()).map((r) => `${r.method} ${r.route}`);
  await emulator.admin.clearRequests();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const writes = (await emulator.admin.requests()).filter((r) => /^(POST|PUT|DELETE|PATCH)$/.test(r.method));
  expect(writes.map((w) => `${w.method} ${w.route}`)).toEqual([]);
  return seen;
}

describe("exactly-once promotion: each fault at each of 7 positions", { timeout: 300_000 }, () => {
  it("kill -9 of the leader mid-apply; its in-flight jobs finish after it died; a new process recovers", async () => {
    const mark = `(r${++round})`;
    const op = await startOperator(`kill-${round}`);
    await holdAtEveryPosition(mark, op);
    await op.kill();
    await releaseAll(); // the dead run's jobs publish now, with nobody polling
    const next = await startOperator(`after-kill-${round}`);
    await settled(mark, next);
    expect(next.log()).toContain("found the journal of an interrupted apply");
    await next.stop();
  });

  it("SIGSTOP of the leader past its lease, a standby takes over, SIGCONT: the old leader writes nothing", async () => {
    const mark = `(r${++round})`;
    const leader = await startOperator(`leader-${round}`);
    await holdAtEveryPosition(mark, leader);
    const standby = await startOperator(`standby-${round}`);
    leader.pause();
    await eventually(async () => (standby.log().includes("became leader") ? true : undefined), 60_000, 200);
    await releaseAll();
    await settled(mark, standby);
    const before = await versions();
    await emulator.admin.clearRequests();
    leader.resume();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const writes = (await emulator.admin.requests()).filter((r) =>
      /^(POST|PUT|DELETE|PATCH)$/.test(r.method),
    );
    expect(
      writes.map((w) => `${w.method} ${w.route}`),
      "writes after the deposed leader resumed",
    ).toEqual([]);
    expect(await versions()).toEqual(before);
    await settled(mark, standby);
    await leader.stop();
    await standby.stop();
  });

  it("kube-apiserver restart mid-apply", async () => {
    const mark = `(r${++round})`;
    const op = await startOperator(`apiserver-${round}`);
    await holdAtEveryPosition(mark, op);
    const restarting = cluster.api.restart(3_000);
    await releaseAll();
    await restarting;
    await settled(mark, op);
    await op.stop();
  });

  for (const [fault, faults, name] of [
    ["5xx from the emulator", { errorBurst: { count: 6, status: 503 } }, "5xx"],
    ["a 429 storm", { rateLimitStorm: { count: 30, retryAfterSeconds: 1 } }, "429"],
    [
      "login throttling after the tokens expired",
      { loginThrottle: { count: 4 }, expireTokens: true },
      "login",
    ],
    [
      "publish failing after its 202 (the default path never depends on it)",
      { failPublish: { count: 50 } },
      "publish",
    ],
  ] as Array<[string, Faults, string]>) {
    it(`${fault} while a job is in flight`, async () => {
      const mark = `(r${++round})`;
      const op = await startOperator(`${name}-${round}`);
      await holdAtEveryPosition(mark, op, name === "publish" ? { publishDelayMs: 200 } : {});
      for (const k of POSITIONS) await emulator.admin.patchFaults(`m${k}`, faults);
      await releaseAll();
      const seen = await settled(mark, op);
      // Import jobs publish by themselves: the default path never calls the publish action.
      if (name === "publish") expect(seen.filter((r) => r.includes("actions/publish"))).toEqual([]);
      for (const k of POSITIONS) await emulator.admin.setFaults(`m${k}`, {});
      await op.stop();
    });
  }

  it("a job that finishes after the run's deadline: the rollback waits for it, then the retry applies", async () => {
    const mark = `(r${++round})`;
    for (const k of POSITIONS) await cluster.patch(NS, `p${k}`, { spec: { timeout: "10s" } });
    const op = await startOperator(`late-${round}`);
    await holdAtEveryPosition(mark, op);
    // Past the deadline the run is rolled back, but only once the held job has ended.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    await releaseAll();
    for (const k of POSITIONS) await cluster.patch(NS, `p${k}`, { spec: { timeout: null } });
    await settled(mark, op);
    await op.stop();
  });
});

async function versions(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const k of POSITIONS) {
    for (const f of (await emulator.admin.org(`m${k}`)).flows) out[`m${k}/${f.name}`] = f.publishedVersion;
  }
  return out;
}
