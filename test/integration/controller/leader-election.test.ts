import { hostname } from "node:os";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLease } from "../../../src/controller/lease.js";
import { Operator, type OperatorLeaderElection } from "../../../src/controller/operator.js";
import type { Reconciler } from "../../../src/controller/types.js";
import { Metrics } from "../../../src/metrics.js";
import type { KubeApiServer } from "../../helpers/kube-apiserver.js";
import {
  capturedLogger,
  eventually,
  Promotions,
  recordingReconciler,
  startControlPlane,
} from "./runtime-fixtures.js";
import { TcpProxy } from "./tcp-proxy.js";

/**
 * Two operator replicas in one process, sharing a Lease on a real API server: only the leader
 * reconciles; a graceful stop releases the lease so the other takes over without waiting for it to
 * expire; a leader cut off from the API server stops reconciling at its renew deadline, and the other
 * takes over only after the lease expired. Order is checked through one shared sequence counter
 * (reconciler calls and log lines of both replicas), never through wall-clock durations.
 */

const NS = "le-work";
const LEASE_NS = "le-system";
let api: KubeApiServer;
let proxy: TcpProxy;
let promotions: Promotions;

beforeAll(async () => {
  api = await startControlPlane([NS, LEASE_NS]);
  proxy = await TcpProxy.start(api.server);
  promotions = new Promotions(api);
  for (const name of ["one", "two", "slow"]) await promotions.create(NS, name);
});

afterAll(async () => {
  await proxy?.close();
  await api?.stop();
});

type Call = { who: string; key: string; seq: number };

function replica(
  identity: string,
  election: Omit<OperatorLeaderElection, "identity">,
  sequence: { next: number },
  reconciler: (calls: Call[]) => Reconciler,
  viaProxy = false,
) {
  const calls: Call[] = [];
  const log = capturedLogger(sequence);
  const operator = new Operator({
    kubeConfig: viaProxy ? proxy.kubeConfigFor(api.kubeConfig) : api.kubeConfig,
    reconciler: reconciler(calls),
    logger: log.logger,
    metrics: new Metrics(),
    namespaces: [NS],
    leaderElection: { ...election, identity },
    watch: { backoff: { initialMs: 100, maxMs: 500 } },
    shutdownGraceMs: 5_000,
  });
  return { operator, calls, log };
}

const seqOf = (line: Record<string, unknown> | undefined) => (typeof line?.seq === "number" ? line.seq : NaN);

describe("leader election", () => {
  it("lets only the leader reconcile, and hands over at once when the leader stops gracefully", async () => {
    const sequence = { next: 0 };
    // A lease far longer than the test's patience: a takeover can only come from the release.
    const election = {
      lease: { namespace: LEASE_NS, name: "graceful" },
      leaseDurationMs: 60_000,
      renewDeadlineMs: 40_000,
      retryPeriodMs: 300,
    };
    const make = (who: string) => (calls: Call[]) => recordingReconciler(who, calls, sequence);
    const a = replica("replica-a", election, sequence, make("a"));
    const b = replica("replica-b", election, sequence, make("b"));
    a.operator.start();
    try {
      await eventually("a leads", () => a.operator.isLeader());
      b.operator.start();
      await eventually("b sees a as leader", () => b.log.find("another replica is leader") !== undefined);
      await b.operator.watch.synced();
      await eventually("a reconciled everything", () => a.calls.length >= 3);
      expect(b.operator.readyz().ok).toBe(true); // ready without being leader
      expect(b.operator.isLeader()).toBe(false);
      expect(b.calls).toEqual([]);

      await a.operator.stop();
      expect(a.log.find("released the leader lease")).toBeDefined();
      await eventually("b leads", () => b.operator.isLeader(), 20_000);
      await eventually("b reconciled everything", () => b.calls.length >= 3);
      expect(b.calls.map((c) => c.key).sort()).toEqual([`${NS}/one`, `${NS}/slow`, `${NS}/two`]);
      const lease = await getLease(api.kubeConfig, election.lease);
      expect(lease?.spec).toMatchObject({ holderIdentity: "replica-b", leaseTransitions: 1 });
      expect(seqOf(a.log.find("released the leader lease"))).toBeLessThan(seqOf(b.log.find("became leader")));
    } finally {
      await a.operator.stop();
      await b.operator.stop();
    }
  });

  it("writes LeaderElection Events on the Lease, reported as the replica, like the objects' Events", async () => {
    const sequence = { next: 0 };
    const election = {
      lease: { namespace: LEASE_NS, name: "events" },
      leaseDurationMs: 60_000,
      renewDeadlineMs: 40_000,
      retryPeriodMs: 300,
    };
    const e = replica("replica-e", election, sequence, (calls) => recordingReconciler("e", calls, sequence));
    e.operator.start();
    try {
      await eventually("e leads", () => e.operator.isLeader());
    } finally {
      await e.operator.stop(); // flushes the Events before it returns
    }
    const core = api.kubeConfig.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedEvent({
      namespace: LEASE_NS,
      fieldSelector: "involvedObject.kind=Lease,involvedObject.name=events",
    });
    const byMessage = new Map(list.items.map((ev) => [ev.message, ev]));
    const common = {
      type: "Normal",
      reason: "LeaderElection",
      involvedObject: {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        name: "events",
        namespace: LEASE_NS,
      },
      reportingComponent: "ivr-promoter",
      reportingInstance: "replica-e",
      source: { component: "ivr-promoter", host: hostname() },
    };
    expect(byMessage.get("replica-e became leader")).toMatchObject({ ...common, action: "Acquire" });
    expect(byMessage.get("replica-e released the lease")).toMatchObject({ ...common, action: "Release" });
  });

  it("stops a leader that cannot renew at its deadline; the other takes over after the lease expires", async () => {
    const sequence = { next: 0 };
    const election = {
      lease: { namespace: LEASE_NS, name: "ungraceful" },
      leaseDurationMs: 5_000,
      renewDeadlineMs: 3_000,
      retryPeriodMs: 300,
    };
    let slowAbortedAt = NaN;
    // Replica A keeps "slow" running until its signal aborts: losing the lease must abort it.
    const a = replica(
      "replica-a",
      election,
      sequence,
      (calls) => ({
        async reconcile(ref, signal) {
          calls.push({ who: "a", key: `${ref.namespace}/${ref.name}`, seq: sequence.next++ });
          if (ref.name !== "slow") return {};
          await new Promise<void>((resolve) =>
            signal.addEventListener(
              "abort",
              () => {
                slowAbortedAt = sequence.next++;
                resolve();
              },
              { once: true },
            ),
          );
          throw new Error("aborted");
        },
      }),
      true,
    );
    const b = replica("replica-b", election, sequence, (calls) => recordingReconciler("b", calls, sequence));
    a.operator.start();
    try {
      await eventually("a leads", () => a.operator.isLeader());
      b.operator.start();
      await eventually("a is inside the slow reconcile", () => a.calls.some((c) => c.key === `${NS}/slow`));
      await eventually("b sees a as leader", () => b.log.find("another replica is leader") !== undefined);

      proxy.setMode("refuse"); // A can no longer reach the API server; its lease stays in place
      await eventually(
        "a steps down",
        () => a.log.find("lost leadership; stopped reconciling") !== undefined,
      );
      expect(a.operator.isLeader()).toBe(false);
      await eventually("b leads", () => b.operator.isLeader(), 30_000);
      await eventually("b reconciled everything", () => b.calls.length >= 3);

      const lost = seqOf(a.log.find("lost leadership; stopped reconciling"));
      const acquired = seqOf(b.log.find("became leader"));
      expect(slowAbortedAt).toBeLessThan(lost); // reconciles are aborted as leadership ends
      expect(lost).toBeLessThan(acquired); // A stopped before B started: never two leaders
      expect(Math.max(...a.calls.map((c) => c.seq))).toBeLessThan(lost);
      expect(Math.min(...b.calls.map((c) => c.seq))).toBeGreaterThan(acquired);

      proxy.setMode("open"); // A comes back and finds B leading: it stays a follower
      await eventually("a sees b as leader", () =>
        a.log.lines.some((l) => l.msg === "another replica is leader" && l.holder === "replica-b"),
      );
      expect(a.operator.isLeader()).toBe(false);
      expect(Math.max(...a.calls.map((c) => c.seq))).toBeLessThan(lost);
    } finally {
      proxy.setMode("open");
      await a.operator.stop();
      await b.operator.stop();
    }
  });
});
