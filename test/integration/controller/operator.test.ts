import { PassThrough } from "node:stream";
import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Annotation } from "../../../src/api/ivr-promotion.js";
import type { CommandContext } from "../../../src/cli/command.js";
import { operatorCommand } from "../../../src/cli/operator.js";
import { EnvConfigSchema } from "../../../src/config.js";
import { startHttpServer } from "../../../src/controller/http-server.js";
import { getLease } from "../../../src/controller/lease.js";
import { Operator } from "../../../src/controller/operator.js";
import { silentLogger } from "../../../src/logger.js";
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
 * The operator (watch → queue → reconciler) with a recording test reconciler, its HTTP endpoints, and
 * the `ivr-promoter operator` command wired with the real reconciler, all against a real API server.
 */

let api: KubeApiServer;
let proxy: TcpProxy;
let promotions: Promotions;

beforeAll(async () => {
  api = await startControlPlane(["op-a", "op-b", "op-http", "op-cli"]);
  proxy = await TcpProxy.start(api.server);
  promotions = new Promotions(api);
});

afterAll(async () => {
  await proxy?.close();
  await api?.stop();
});

type Call = { who: string; key: string; seq: number };
const count = (calls: Call[], key: string) => calls.filter((c) => c.key === key).length;

async function get(url: string, method = "GET"): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text() };
}

describe("Operator", () => {
  it("reconciles new objects, spec changes and requestedAt, but not status or label writes", async () => {
    const calls: Call[] = [];
    const metrics = new Metrics();
    const operator = new Operator({
      kubeConfig: api.kubeConfig,
      reconciler: recordingReconciler("solo", calls, { next: 0 }),
      logger: silentLogger(),
      metrics,
      namespaces: ["op-a"],
    });
    operator.start();
    try {
      await operator.watch.synced();
      await promotions.create("op-a", "p1");
      await eventually("first reconcile", () => count(calls, "op-a/p1") === 1);
      await promotions.patchStatus("op-a", "p1", { observedGeneration: 1 });
      await promotions.patch("op-a", "p1", { metadata: { labels: { team: "ivr" } } });
      // Same stream, in order: once the sentinel is reconciled, both writes above were delivered too.
      await promotions.create("op-a", "sentinel");
      await eventually("sentinel reconcile", () => count(calls, "op-a/sentinel") === 1);
      expect(count(calls, "op-a/p1")).toBe(1);

      const requestedAt = { metadata: { annotations: { [Annotation.requestedAt]: "2026-01-01T00:00:00Z" } } };
      await promotions.patch("op-a", "p1", requestedAt);
      await eventually("reconcile on requestedAt", () => count(calls, "op-a/p1") === 2);
      await promotions.patch("op-a", "p1", { spec: { environment: "prod" } });
      await eventually("reconcile on spec change", () => count(calls, "op-a/p1") === 3);
      const total = await metrics.reconcileTotal.get();
      const p1 = total.values.find((v) => v.labels.name === "p1" && v.labels.result === "success");
      expect(p1?.value).toBe(3);
    } finally {
      await operator.stop();
    }
  });

  it("retries thrown errors with backoff and honours requeueAfterMs", async () => {
    const calls: Call[] = [];
    const metrics = new Metrics();
    const log = capturedLogger();
    let flakyFailures = 0;
    const reconciler = recordingReconciler("solo", calls, { next: 0 }, (ref) => {
      if (ref.name === "flaky" && flakyFailures < 2) {
        flakyFailures++;
        throw new Error("kube-apiserver hiccup");
      }
      return ref.name === "periodic" ? { requeueAfterMs: 200 } : {};
    });
    await promotions.create("op-b", "flaky");
    await promotions.create("op-b", "periodic");
    const operator = new Operator({
      kubeConfig: api.kubeConfig,
      reconciler,
      logger: log.logger,
      metrics,
      namespaces: ["op-b"],
      queue: { backoff: { initialMs: 50, maxMs: 200 } },
    });
    operator.start();
    try {
      await eventually("three runs of flaky", () => count(calls, "op-b/flaky") === 3);
      await eventually("periodic requeues", () => count(calls, "op-b/periodic") >= 4);
      const total = await metrics.reconcileTotal.get();
      const flaky = (result: string) =>
        total.values.find((v) => v.labels.name === "flaky" && v.labels.result === result)?.value;
      expect([flaky("failure"), flaky("success")]).toEqual([2, 1]);
      const durations = await metrics.reconcileDuration.get();
      expect(durations.values.some((v) => v.metricName?.endsWith("_count") && v.value >= 3)).toBe(true);
      // One child logger per reconcile: namespace, name and a reconcileId on every line of it.
      const failed = log.lines.filter((l) => l.msg === "reconcile failed");
      expect(failed).toHaveLength(2);
      expect(failed[0]).toMatchObject({ namespace: "op-b", name: "flaky", error: "kube-apiserver hiccup" });
      expect(new Set(failed.map((l) => l.reconcileId)).size).toBe(2);
      const finished = log.lines.find((l) => l.msg === "reconcile finished" && l.name === "flaky");
      expect(finished?.reconcileId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await operator.stop();
    }
    expect(count(calls, "op-b/flaky")).toBe(3); // success ended the retries
  });
});

describe("HTTP endpoints", () => {
  it("fail /healthz while the watch is down, gate /readyz on the first list (not on leadership), expose metrics", async () => {
    // A Lease held by another replica for an hour: this operator never leads, yet must become ready.
    const now = new V1MicroTime();
    await api.kubeConfig.makeApiClient(CoordinationV1Api).createNamespacedLease({
      namespace: "op-http",
      body: {
        metadata: { name: "held" },
        spec: {
          holderIdentity: "other-replica",
          leaseDurationSeconds: 3600,
          acquireTime: now,
          renewTime: now,
        },
      },
    });
    proxy.setMode("refuse");
    const metrics = new Metrics();
    const { logger, find } = capturedLogger();
    const operator = new Operator({
      kubeConfig: proxy.kubeConfigFor(api.kubeConfig),
      reconciler: recordingReconciler("http", [], { next: 0 }),
      logger,
      metrics,
      namespaces: ["op-http"],
      leaderElection: { lease: { namespace: "op-http", name: "held" }, identity: "me", retryPeriodMs: 200 },
      watch: { unhealthyAfterMs: 500, backoff: { initialMs: 100, maxMs: 300 } },
    });
    const http = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      registry: metrics.registry,
      healthz: () => operator.healthz(),
      readyz: () => operator.readyz(),
      beforeScrape: () => operator.refreshMetrics(),
      logger,
    });
    operator.start();
    try {
      expect(await get(`${http.url}/readyz`)).toEqual({
        status: 500,
        body: "not ok: initial list not complete\n",
      });
      await eventually("healthz failing", async () => (await get(`${http.url}/healthz`)).status === 500);
      expect((await get(`${http.url}/healthz`)).body).toMatch(
        /^not ok: watch of op-http disconnected for \d+ s/,
      );

      proxy.setMode("open");
      await eventually("readyz", async () => (await get(`${http.url}/readyz`)).status === 200);
      await eventually("healthz", async () => (await get(`${http.url}/healthz`)).status === 200);
      await eventually("lease observed", () => find("another replica is leader") !== undefined);
      expect(operator.isLeader()).toBe(false);

      proxy.sever(); // the watch must reconnect, and /metrics must say so
      await eventually("a reconnect", async () => {
        const text = (await get(`${http.url}/metrics`)).body;
        return /^ivr_promoter_watch_reconnects_total [1-9]/m.test(text);
      });
      const metricsText = (await get(`${http.url}/metrics`)).body;
      expect(metricsText).toMatch(/^ivr_promoter_watch_relists_total 1$/m);
      expect(metricsText).toMatch(/^ivr_promoter_watch_last_event_age_seconds \d+(\.\d+)?$/m);
      expect((await get(`${http.url}/nope`)).status).toBe(404);
      expect((await get(`${http.url}/metrics`, "POST")).status).toBe(405);
    } finally {
      await operator.stop();
      await http.close();
    }
  });
});

describe("ivr-promoter operator (command)", () => {
  it("serves probes, holds the lease while running and releases it on shutdown", async () => {
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    const controller = new AbortController();
    const ctx: CommandContext = {
      env: EnvConfigSchema.parse({ logLevel: "silent", podName: "promoter-0" }),
      logger: silentLogger(),
      stdout,
      stderr: new PassThrough(),
      signal: controller.signal,
    };
    const argv = [
      `--kubeconfig=${api.kubeconfigPath}`,
      "--namespaces=op-cli",
      "--lease-namespace=op-cli",
      "--http-addr=127.0.0.1:0",
    ];
    const running = operatorCommand.run(argv, ctx);
    try {
      await eventually("the address", () => /on (http:\S+)/.test(out));
      const url = /on (http:\S+)/.exec(out)?.[1] ?? "";
      await eventually("readyz", async () => (await get(`${url}/readyz`)).status === 200);
      const lease = { namespace: "op-cli", name: "ivr-promoter-leader-election" };
      await eventually(
        "leadership",
        async () => (await getLease(api.kubeConfig, lease))?.spec?.holderIdentity === "promoter-0",
      );
      expect((await get(`${url}/metrics`)).body).toContain("ivr_promoter_watch_relists_total");
      controller.abort();
      expect(await running).toBe(0);
      expect((await getLease(api.kubeConfig, lease))?.spec).toMatchObject({
        holderIdentity: "",
        leaseDurationSeconds: 1,
      });
      expect(out).toContain("ivr-promoter operator: stopped");
    } finally {
      controller.abort();
      await running.catch(() => undefined);
    }
  });
});
