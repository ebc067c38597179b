import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { createIvrPromotionReconciler } from "../../../src/controller/reconciler.js";
import { LOCKDOWN } from "../../../src/controller/tenancy.js";
import { RateLimiterRegistry } from "../../../src/genesys/index.js";
import { silentLogger } from "../../../src/logger.js";
import { Metrics } from "../../../src/metrics.js";

/** A loopback port that refuses connections (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("reconciler metrics", () => {
  it("count a reconcile that fails before it reaches the object (API server unreachable) as a failure", async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "gone", server: `https://127.0.0.1:${await closedPort()}`, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "c", cluster: "gone", user: "u" }],
      currentContext: "c",
    });
    const metrics = new Metrics();
    const dir = await mkdtemp(join(tmpdir(), "ivr-metrics-"));
    try {
      const reconciler = createIvrPromotionReconciler({
        kubeConfig: kc,
        logger: silentLogger(),
        metrics,
        gitCacheDir: dir,
        limiters: new RateLimiterRegistry(),
        tenancy: LOCKDOWN,
      });
      const ref = { namespace: "cx", name: "prod" };
      await expect(reconciler.reconcile(ref, new AbortController().signal)).rejects.toThrow();
      const json = await metrics.registry.getMetricsAsJSON();
      const value = (name: string, labels: Record<string, string>) =>
        json
          .find((m) => m.name === name)
          ?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
      expect(value("ivr_promoter_reconcile_total", { ...ref, result: "failure" })).toBe(1);
      expect(value("ivr_promoter_reconcile_errors_total", { ...ref, reason: "ReconcileError" })).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
