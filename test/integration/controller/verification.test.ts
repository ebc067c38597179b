import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Annotation, type IvrPromotion } from "../../../src/api/ivr-promotion.js";
import type { VerificationSpec } from "../../../src/api/verification.js";
import {
  Cluster,
  OperatorProcess,
  credentialsSecret,
  exampleFiles,
  exampleSpec,
  isReady,
  liveFlows,
  ready,
  removeDir,
  sleep,
  startWorld,
  tempDir,
  type World,
} from "./harness.js";

/**
 * Verification after promotion end to end: a real kube-apiserver, the operator as its own process, the
 * emulator's call traffic (time-scaled: 60 calls per real second per flow) and a real Git repository.
 * Each test first promotes the examples without verification, then turns it on and pushes a change of
 * Main Menu IVR: the new version is measured against the previous one's baseline.
 */

let cluster: Cluster;
let operator: OperatorProcess;
let dir: string;
const worlds: World[] = [];
const MAIN_MENU = "flows/voice/main-menu.yaml";

beforeAll(async () => {
  dir = await tempDir("ivr-verification-");
  cluster = await Cluster.start();
  operator = await OperatorProcess.start(cluster.api.kubeconfigPath, { dir });
});

afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
  if (process.env.KEEP_OPERATOR_LOG) console.log(operator?.log());
  await removeDir(dir);
});

const VERIFY: Partial<VerificationSpec> & Pick<VerificationSpec, "checks"> = {
  window: "12s",
  interval: "2s",
  minCalls: 50,
  maxExtension: "4s",
  dataTimeout: "10s",
  checks: {
    failedOutcomes: { maxPercent: 10, maxIncreasePoints: 3 },
    abnormalDisconnects: { maxIncreasePoints: 5 },
    flowTime: { maxIncreasePercent: 50 },
  },
};

/** Promotes the examples into a fresh org (no verification yet), with healthy traffic running. */
async function promoted(name: string, traffic: Record<string, unknown> = {}) {
  const w = await startWorld();
  worlds.push(w);
  const ns = await cluster.namespace(name);
  await credentialsSecret(cluster, ns, w, "dev");
  await cluster.create(ns, "dev", exampleSpec(w, "dev"));
  const first = await cluster.waitFor(ns, "dev", isReady);
  await w.emulator.admin.setTraffic("dev", {
    timeScale: 60,
    backfillSeconds: 60,
    defaults: { callsPerMinute: 60 },
    ...traffic,
  });
  return { w, ns, first };
}

/** Turns verification on (same revision: nothing to verify yet) and pushes a change of Main Menu IVR. */
async function release(w: World, ns: string, verification: Record<string, unknown>, tag: string) {
  await cluster.patch(ns, "dev", { spec: { verification } });
  const text = String((await exampleFiles())[MAIN_MENU]);
  const sha = await w.repo.commit({
    [MAIN_MENU]: text.replace("Main customer line.", `Main customer line (${tag}).`),
  });
  await cluster.annotate(ns, "dev", { [Annotation.requestedAt]: tag });
  return { sha, short: sha.slice(0, 8), revision: `main@sha1:${sha}` };
}

async function mainMenu(w: World) {
  const flow = (await liveFlows(w, "dev")).find((f) => f.name === "Main Menu IVR");
  if (!flow) throw new Error("no Main Menu IVR in the org");
  return flow;
}

const verifying = (o: IvrPromotion) => ready(o)?.status === "Unknown" && ready(o)?.reason === "Verifying";

describe("verification after promotion", () => {
  it("a good release passes: Ready=Unknown with progress while verifying, resumed by a restarted operator, then Ready=True", async () => {
    const { w, ns, first } = await promoted("verify-pass");
    const before = (await mainMenu(w)).publishedVersion;
    const { short, revision } = await release(w, ns, VERIFY, "good");
    const during = await cluster.waitFor(
      ns,
      "dev",
      (o) => verifying(o) && (o.status?.verification?.checks ?? 0) >= 1,
    );
    expect(ready(during)?.message).toMatch(
      new RegExp(
        `^verifying main@sha1:${short}: \\d+/12 s, \\d+ calls, failed outcomes \\d+\\.\\d% \\(baseline \\d+\\.\\d%\\)`,
      ),
    );
    expect(during.status?.conditions?.find((c) => c.type === "Reconciling")).toMatchObject({
      status: "True",
      reason: "Verifying",
    });
    const v = during.status?.verification;
    expect(v).toMatchObject({
      revision,
      phase: "Verifying",
      previousRevision: first.status?.lastAppliedRevision,
    });
    expect(v?.flows.map((f) => [f.name, f.previousVersion])).toEqual([["Main Menu IVR", before]]);
    expect(v?.flows[0]?.baseline?.calls).toBeGreaterThan(50);

    // The operator dies mid-window; a new one resumes the same verification (same start), not a new one.
    await operator.kill();
    operator = await OperatorProcess.start(cluster.api.kubeconfigPath, { dir, logName: "operator-2.log" });
    const done = await cluster.waitFor(ns, "dev", isReady, 60_000);
    expect(done.status?.verification).toMatchObject({ revision, phase: "Passed", startedAt: v?.startedAt });
    expect(done.status?.verification?.checks).toBeGreaterThan(v?.checks ?? 0);
    expect(ready(done)?.message).toMatch(
      new RegExp(
        `^verified main@sha1:${short} over \\d+ s: \\d+ calls, failed outcomes \\d+\\.\\d% \\(baseline \\d+\\.\\d%\\), \\d+ check\\(s\\) passed$`,
      ),
    );
    expect(done.status?.lastAppliedRevision).toBe(revision);
    expect((await mainMenu(w)).publishedVersion).not.toBe(before);
    // The journal kept for a rollback (and its backup) is cleared with the verdict.
    const journal = await cluster.core.readNamespacedConfigMap({ namespace: ns, name: "dev-ivr-journal" });
    expect(journal.data ?? {}).toEqual({});
  });

  it("a bad release (40% failed outcomes) is rolled back as a whole with the figures, and not promoted again", async () => {
    const { w, ns, first } = await promoted("verify-fail");
    const before = await mainMenu(w);
    const rule = await w.emulator.admin.addTrafficRule("dev", {
      flow: "Main Menu IVR",
      version: "next",
      failedOutcomeRatio: 0.4,
    });
    const { short } = await release(w, ns, VERIFY, "bad");
    const failed = await cluster.waitFor(
      ns,
      "dev",
      (o) => ready(o)?.reason === "VerificationFailed" && o.status?.verification?.rolledBack === true,
      60_000,
    );
    const message = ready(failed)?.message ?? "";
    expect(ready(failed)?.status).toBe("False");
    expect(message).toMatch(
      new RegExp(
        `^verification of main@sha1:${short} failed after \\d+ s: INBOUNDCALL/Main Menu IVR: failed outcomes (3\\d|4\\d)\\.\\d% \\(baseline [0-4]\\.\\d%, \\d+ calls\\)`,
      ),
    );
    expect(message).toContain("points over baseline, max +3");
    expect(message).toContain(`rolled back to ${first.status?.lastAppliedRevisionShort}`);
    expect(failed.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({
      status: "True",
      reason: "VerificationFailed",
    });
    // The org publishes the pre-release content again, under a new version id; inventory and revision say so.
    const now = await mainMenu(w);
    expect(now.publishedVersion).not.toBe(rule.version);
    expect(now.publishedVersion).not.toBe(before.publishedVersion);
    expect(now.publishedYaml).toContain("Main customer line.");
    expect(now.publishedYaml).not.toContain("(bad)");
    expect(failed.status?.inventory?.find((e) => e.name === "Main Menu IVR")).toMatchObject({
      publishedVersion: now.publishedVersion,
      contentHash: first.status?.inventory?.find((e) => e.name === "Main Menu IVR")?.contentHash,
    });
    expect(failed.status?.lastAppliedRevision).toBe(first.status?.lastAppliedRevision);
    expect(failed.status?.history?.[0]).toMatchObject({ result: "RolledBack" });
    const event = await cluster.waitForEvent(ns, "dev", "VerificationFailed");
    expect(event).toMatchObject({ type: "Warning" });
    expect(event?.message).toContain("failed outcomes");
    const metrics = await operator.metrics();
    expect(metrics).toMatch(/ivr_promoter_verification_failed\{namespace="verify-fail",name="dev"\} 1/);
    expect(metrics).toMatch(
      /ivr_promoter_verifications_total\{namespace="verify-fail",name="dev",result="failed"\} 1/,
    );

    // The next reconciles (a request, like an interval) do not promote the failed revision again.
    const versions = now.versions?.length;
    await cluster.annotate(ns, "dev", { [Annotation.requestedAt]: "again" });
    await cluster.waitFor(
      ns,
      "dev",
      (o) => o.status?.lastHandledReconcileAt === "again" || ready(o)?.reason === "VerificationFailed",
    );
    await sleep(3_000);
    const still = await cluster.get(ns, "dev");
    expect(ready(still as IvrPromotion)?.reason).toBe("VerificationFailed");
    expect((await mainMenu(w)).publishedVersion).toBe(now.publishedVersion);
    expect((await mainMenu(w)).versions?.length).toBe(versions);

    // An explicit request promotes it again, with a new window.
    await cluster.annotate(ns, "dev", { [Annotation.retryVerification]: "1" });
    const retried = await cluster.waitFor(ns, "dev", (o) => o.status?.verification?.retryHandled === "1");
    expect(retried.status?.verification?.startedAt).not.toBe(failed.status?.verification?.startedAt);
    expect((await mainMenu(w)).publishedVersion).not.toBe(now.publishedVersion);
  });

  it("too little traffic: the window is extended, then held (Hold) without a rollback", async () => {
    const { w, ns } = await promoted("verify-quiet", { timeScale: 1, defaults: { callsPerMinute: 2 } });
    const { short } = await release(w, ns, VERIFY, "quiet");
    const held = await cluster.waitFor(
      ns,
      "dev",
      (o) => ready(o)?.reason === "VerificationInconclusive",
      60_000,
    );
    expect(ready(held)?.message).toMatch(
      new RegExp(
        `^too little traffic to verify main@sha1:${short}.*: INBOUNDCALL/Main Menu IVR \\S+: \\d calls \\(minCalls 50\\); onInsufficientTraffic Hold`,
      ),
    );
    expect(held.status?.verification).toMatchObject({ phase: "Inconclusive" });
    expect(held.status?.verification?.extendedUntil).toBeDefined();
    // The release stays in the org.
    expect((await mainMenu(w)).publishedVersion).toBe(held.status?.verification?.flows[0]?.version);
    expect(held.status?.lastAppliedRevision).toBe(held.status?.verification?.revision);
  });

  it("analytics 503s and 429s during the window never roll back: Waiting AnalyticsUnavailable, then the verdict", async () => {
    const { w, ns } = await promoted("verify-outage");
    await w.emulator.admin.patchFaults("dev", {
      analyticsOutage: { count: 100_000, status: 503, retryAfterSeconds: 1 },
    });
    const { revision } = await release(w, ns, { ...VERIFY, window: "10s" }, "outage");
    const unavailable = await cluster.waitFor(
      ns,
      "dev",
      (o) => ready(o)?.reason === "AnalyticsUnavailable",
      60_000,
    );
    expect(ready(unavailable)?.status).toBe("False");
    expect(ready(unavailable)?.message).toMatch(
      /analytics unavailable since .*; no verdict without data, retrying/,
    );
    expect(unavailable.status?.verification?.phase).toBe("Verifying");
    const version = (await mainMenu(w)).publishedVersion;
    expect(version).toBe(unavailable.status?.verification?.flows[0]?.version);
    // Now throttled instead of failing; still no rollback.
    await w.emulator.admin.setFaults("dev", {
      analyticsOutage: { count: 12, status: 429, retryAfterSeconds: 1 },
    });
    const done = await cluster.waitFor(ns, "dev", isReady, 90_000);
    expect(done.status?.verification).toMatchObject({ revision, phase: "Passed" });
    expect((await mainMenu(w)).publishedVersion).toBe(version);
    const events = await cluster.events(ns, "dev");
    expect(events.some((e) => e.reason === "VerificationFailed")).toBe(false);
  });

  it("webhooks: one outside --allowed-endpoints is refused before anything is written; one answering 500 fails the release", async () => {
    const calls: Array<{ body: string; auth: string | undefined }> = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        calls.push({ body, auth: req.headers.authorization });
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const port = (hook.address() as AddressInfo).port;
    try {
      const { w, ns, first } = await promoted("verify-hooks");
      const before = (await mainMenu(w)).publishedVersion;
      const webhooks = (host: string) => [{ name: "test-calls", url: `http://${host}:${port}/check` }];
      await release(w, ns, { ...VERIFY, webhooks: webhooks("localhost") }, "hooks");
      const denied = await cluster.waitFor(ns, "dev", (o) => ready(o)?.reason === "AccessDenied");
      expect(ready(denied)?.message).toMatch(/^spec\.verification\.webhooks\[test-calls\]: .*is not allowed/);
      expect((await mainMenu(w)).publishedVersion).toBe(before);
      expect(calls).toEqual([]);

      await cluster.patch(ns, "dev", {
        spec: { verification: { ...VERIFY, webhooks: webhooks("127.0.0.1") } },
      });
      const failed = await cluster.waitFor(
        ns,
        "dev",
        (o) => ready(o)?.reason === "VerificationFailed" && o.status?.verification?.rolledBack === true,
        60_000,
      );
      expect(ready(failed)?.message).toContain("test-calls: HTTP 500 did not answer 2xx");
      expect(failed.status?.lastAppliedRevision).toBe(first.status?.lastAppliedRevision);
      // failureThreshold 2 (the default): two checks, each POSTed once, without credentials.
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.every((c) => c.auth === undefined)).toBe(true);
      expect(JSON.parse(calls[0]?.body ?? "{}")).toMatchObject({
        webhook: "test-calls",
        phase: "check",
        promotion: { name: "dev", namespace: ns },
      });
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });
});
