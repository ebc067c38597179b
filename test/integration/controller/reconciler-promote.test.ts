import { hostname } from "node:os";
import { ApiException } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Annotation } from "../../../src/api/ivr-promotion.js";
import { eventually } from "../../helpers/emulator.js";
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
  startWorld,
  tempDir,
  type World,
} from "./harness.js";

/**
 * The reconciler end to end: a real kube-apiserver, the operator as its own process, a real emulator
 * and a real Git repository holding examples/. Everything is observed from outside, as a user would:
 * the object's status and events, and the emulator's state and request log.
 */

let cluster: Cluster;
let operator: OperatorProcess;
let dir: string;
const worlds: World[] = [];
const FLOWS = Object.keys(await exampleFiles()).filter((p) => p.startsWith("flows/")).length;

beforeAll(async () => {
  dir = await tempDir("ivr-reconciler-");
  cluster = await Cluster.start();
  operator = await OperatorProcess.start(cluster.api.kubeconfigPath, { dir });
});

afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
  // Debugging aid: KEEP_OPERATOR_LOG=1 prints the operator log.
  if (process.env.KEEP_OPERATOR_LOG) console.log(operator?.log());
  await removeDir(dir);
});

async function world(jobDurationMs?: number): Promise<World> {
  const w = await startWorld({ jobDurationMs });
  worlds.push(w);
  return w;
}

describe("IvrPromotion reconciler", () => {
  it("promotes the flow set: Ready=True with inventory, flows published, then a new commit on request", async () => {
    const w = await world();
    const ns = await cluster.namespace("promote");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "dev", exampleSpec(w, "dev"));
    const sha = await w.repo.head();

    const obj = await cluster.waitFor(ns, "dev", isReady);
    const revision = `main@sha1:${sha}`;
    expect(ready(obj)).toMatchObject({
      reason: "Succeeded",
      message: `Applied main@sha1:${sha.slice(0, 8)}: ${FLOWS} created, 0 updated, 0 unchanged`,
    });
    // The STATUS column stays short; the full revision and the details are elsewhere in status.
    expect(ready(obj)?.message.length).toBeLessThanOrEqual(80);
    expect(obj.status?.lastAppliedRevisionShort).toBe(`main@sha1:${sha.slice(0, 8)}`);
    expect(obj.metadata.finalizers).toContain("ivr.promoter.dev/finalizer");
    expect(obj.status?.lastAppliedRevision).toBe(revision);
    expect(obj.status?.lastAttemptedRevision).toBe(revision);
    expect(obj.status?.conditions?.map((c) => c.type)).toEqual(["Ready"]);
    const inventory = obj.status?.inventory ?? [];
    expect(inventory).toHaveLength(FLOWS);
    const flows = await liveFlows(w, "dev");
    expect(flows).toHaveLength(FLOWS);
    for (const entry of inventory) {
      const flow = flows.find((f) => f.id === entry.id);
      expect(flow, entry.name).toBeDefined();
      expect(flow?.name).toBe(entry.name);
      expect(flow?.publishedVersion).toBe(entry.publishedVersion);
    }
    expect(obj.status?.history?.[0]).toMatchObject({ revision, result: "Succeeded", flows: FLOWS });
    const applied = await cluster.waitForEvent(ns, "dev", "Succeeded");
    const events = await cluster.events(ns, "dev");
    expect(applied).toMatchObject({ type: "Normal", message: ready(obj)?.message });
    expect(applied?.metadata?.annotations?.["ivr.promoter.dev/revision"]).toBe(revision);
    // Which replica wrote it: without POD_NAME the operator's identity is host_pid.
    expect(applied?.reportingComponent).toBe("ivr-promoter");
    expect(applied?.reportingInstance).toMatch(new RegExp(`^${hostname()}_\\d+$`));
    expect(applied?.action).toBe("Reconcile");
    expect(applied?.source).toEqual({ component: "ivr-promoter", host: hostname() });
    // The client secret is in the Secret only: never in status or events.
    const secret = w.seed.orgs?.find((o) => o.name === "dev")?.clients?.[0]?.secret ?? "?";
    expect(JSON.stringify(obj.status)).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(operator.log()).not.toContain(secret);

    // A new commit changes one flow; a reconcile request picks it up (the interval is an hour).
    const text = String((await exampleFiles())["flows/voice/billing-ivr.yaml"]);
    const next = await w.repo.commit({
      "flows/voice/billing-ivr.yaml": text.replace("You have reached billing", "Welcome to billing"),
    });
    await cluster.annotate(ns, "dev", { [Annotation.requestedAt]: "first" });
    const after = await cluster.waitFor(ns, "dev", (o) => o.status?.lastHandledReconcileAt === "first");
    expect(after.status?.lastAppliedRevision).toBe(`main@sha1:${next}`);
    expect(ready(after)?.message).toBe(
      `Applied main@sha1:${next.slice(0, 8)}: 0 created, 1 updated, ${FLOWS - 1} unchanged`,
    );
    const billing = (await liveFlows(w, "dev")).find((f) => f.name === "Billing IVR");
    const entry = after.status?.inventory?.find((e) => e.name === "Billing IVR");
    expect(billing?.publishedVersion).toBe(entry?.publishedVersion);
    expect(entry?.publishedVersion).not.toBe(
      inventory.find((e) => e.name === "Billing IVR")?.publishedVersion,
    );
    expect(after.status?.history?.map((h) => h.revision)).toEqual([`main@sha1:${next}`, revision]);
  });

  it("rejects an invalid spec at the API server (CRD validation)", async () => {
    const w = await world();
    const ns = await cluster.namespace("invalid");
    const spec = exampleSpec(w, "dev");
    const attempt = async (bad: unknown): Promise<string> => {
      try {
        await cluster.create(ns, "bad", bad as typeof spec);
        return "accepted";
      } catch (err) {
        if (!(err instanceof ApiException)) throw err;
        return `${err.code} ${JSON.stringify(err.body)}`;
      }
    };
    const both = await attempt({ ...spec, target: { ...spec.target, region: "mypurecloud.ie" } });
    expect(both).toMatch(/^422 .*exactly one of region or endpoint must be set/);
    expect(await attempt({ ...spec, interval: "5 minutes" })).toMatch(/^422 .*spec.interval/);
    expect(await attempt({ ...spec, path: "../elsewhere" })).toMatch(/^422 .*without '\.\.'/);
    expect(
      await attempt({ ...spec, source: { url: w.repo.url, ref: { branch: "main", tag: "v1" } } }),
    ).toMatch(/^422 .*exactly one of branch, tag or commit/);
  });

  it("stops before writing anything when a referenced queue is missing in prod", async () => {
    const w = await world();
    await w.emulator.admin.removeObject("prod", "queue", "Support - PROD");
    const ns = await cluster.namespace("missing-queue");
    await credentialsSecret(cluster, ns, w, "prod");
    await cluster.create(ns, "prod", exampleSpec(w, "prod"));

    const obj = await cluster.waitFor(ns, "prod", (o) => ready(o)?.status === "False");
    const cond = ready(obj);
    expect(cond?.reason).toBe("PreflightFailed");
    expect(cond?.message).toMatch(/queue 'Support - PROD' not found in the target org/);
    expect(cond?.message).toContain("INBOUNDCALL/Main Menu IVR");
    expect(cond?.message).toContain("flows/voice/main-menu.yaml");
    // Stalled: a human must act; the generation is observed so kstatus reports Failed, not InProgress.
    expect(obj.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({
      status: "True",
      reason: "PreflightFailed",
    });
    expect(obj.status?.observedGeneration).toBe(obj.metadata.generation);
    expect(obj.status?.inventory).toBeUndefined();
    expect(obj.status?.lastAppliedRevision).toBeUndefined();

    const prod = await w.emulator.admin.org("prod");
    expect(prod.flows).toEqual([]);
    expect(prod.jobs).toEqual([]);
    const writes = (await w.emulator.admin.requests("prod")).filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.route}`)).toEqual(writes.map(() => "POST /oauth/token"));
    const warning = await cluster.waitForEvent(ns, "prod", "PreflightFailed");
    expect(warning?.type).toBe("Warning");

    // Adding the queue and asking again applies the set.
    await w.emulator.admin.addObjects("prod", { queues: [{ name: "Support - PROD" }] });
    await cluster.annotate(ns, "prod", { [Annotation.requestedAt]: "queue-added" });
    const fixed = await cluster.waitFor(ns, "prod", isReady);
    expect(fixed.status?.conditions?.some((c) => c.type === "Stalled")).toBe(false);
    expect(await liveFlows(w, "prod")).toHaveLength(FLOWS);
  });
  it("reports a missing credentials Secret, retries, and counts repeated events on one Event", async () => {
    const w = await world();
    const ns = await cluster.namespace("no-secret");
    await cluster.create(ns, "dev", exampleSpec(w, "dev"));
    const failing = await cluster.waitFor(ns, "dev", (o) => ready(o)?.reason === "SecretNotFound");
    expect(ready(failing)?.message).toBe(
      `spec.target.credentialsSecretRef: Secret ${ns}/genesys-dev not found`,
    );
    // Waiting, not Stalled: the Secret may be applied after the object, so the operator keeps looking.
    expect(failing.status?.conditions?.find((c) => c.type === "Reconciling")).toMatchObject({
      status: "True",
      reason: "ProgressingWithRetry",
    });
    const repeated = await eventually(async () => {
      const events = (await cluster.events(ns, "dev")).filter((e) => e.reason === "SecretNotFound");
      return events.length === 1 && (events[0]?.count ?? 0) >= 2 ? events[0] : undefined;
    }, 60_000);
    expect(repeated.type).toBe("Warning");

    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.waitFor(ns, "dev", isReady);
    expect(await liveFlows(w, "dev")).toHaveLength(FLOWS);
  });

  it("stalls on a flow that does not render, naming file and key, until a commit fixes it", async () => {
    const w = await world();
    const ns = await cluster.namespace("render");
    await credentialsSecret(cluster, ns, w, "dev");
    const main = String((await exampleFiles())["flows/voice/main-menu.yaml"]);
    await w.repo.commit({
      "flows/voice/main-menu.yaml": main.replace('"{{support_queue}}"', '"{{support_queu}}"'),
    });
    await cluster.create(ns, "dev", exampleSpec(w, "dev"));
    const stalled = await cluster.waitFor(ns, "dev", (o) => ready(o)?.status === "False");
    expect(ready(stalled)?.reason).toBe("RenderFailed");
    expect(ready(stalled)?.message).toMatch(/flows\/voice\/main-menu\.yaml:\d+.*\{\{support_queu\}\}/);
    expect(stalled.status?.conditions?.find((c) => c.type === "Stalled")?.status).toBe("True");
    expect(stalled.status?.lastAttemptedRevision).toBe(`main@sha1:${await w.repo.head()}`);
    expect((await w.emulator.admin.org("dev")).jobs).toEqual([]);

    const fixed = await w.repo.commit({ "flows/voice/main-menu.yaml": main });
    await cluster.annotate(ns, "dev", { [Annotation.requestedAt]: "fixed" });
    const ok = await cluster.waitFor(ns, "dev", isReady);
    expect(ok.status?.lastAppliedRevision).toBe(`main@sha1:${fixed}`);
  });

  it("says Reconciling/Progressing with Ready=Unknown while it applies, then reports drift as drift", async () => {
    const w = await world();
    const ns = await cluster.namespace("truthful");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "dev", exampleSpec(w, "dev", { concurrency: 1 }));
    const v1 = await cluster.waitFor(ns, "dev", isReady);

    // A new commit whose third import is held: the status must say what is happening, not "Ready".
    const files = await exampleFiles();
    const changed = Object.fromEntries(
      Object.entries(files)
        .filter(([p]) => p.startsWith("flows/"))
        .map(([p, t]) => [p, String(t).replace(/^( {2}description: .*)$/m, "$1 (v2)")]),
    );
    await w.emulator.admin.setFaults("dev", { holdNthJob: { n: 3 }, jobDurationMs: 20 });
    const revision = `main@sha1:${await w.repo.commit(changed)}`;
    await cluster.annotate(ns, "dev", { [Annotation.requestedAt]: "v2" });
    await eventually(
      async () => ((await w.emulator.admin.heldJobs("dev")).length > 0 ? true : undefined),
      60_000,
      50,
    );
    const during = await cluster.waitFor(ns, "dev", (o) =>
      (o.status?.conditions?.find((c) => c.type === "Reconciling")?.message ?? "").includes(": 2/"),
    );
    expect(ready(during)).toMatchObject({ status: "Unknown", reason: "Progressing" });
    expect(during.status?.conditions?.find((c) => c.type === "Reconciling")).toMatchObject({
      status: "True",
      reason: "Progressing",
      message: `applying ${revision}: 2/${FLOWS}`,
    });
    await w.emulator.admin.releaseJobs("dev");
    const v2 = await cluster.waitFor(
      ns,
      "dev",
      (o) => isReady(o) && o.status?.lastAppliedRevision === revision,
    );
    expect(v2.status?.conditions?.map((c) => c.type)).toEqual(["Ready"]);
    expect(v1.status?.lastAppliedRevision).not.toBe(revision);

    // Someone publishes a flow by hand: the next reconcile reports it as drift, and puts Git's back.
    const main = v2.status?.inventory?.find((e) => e.name === "Main Menu IVR");
    const published =
      (await liveFlows(w, "dev")).find((f) => f.name === "Main Menu IVR")?.publishedYaml ?? "";
    expect(published).toContain("(v2)");
    await w.emulator.admin.addFlow("dev", published.replace("(v2)", "(hand edit)"));
    await cluster.annotate(ns, "dev", { [Annotation.requestedAt]: "drift" });
    const event = await cluster.waitForEvent(ns, "dev", "DriftDetected");
    expect(event.type).toBe("Warning");
    expect(event.message).toContain("INBOUNDCALL/Main Menu IVR");
    const fixed = await cluster.waitFor(ns, "dev", (o) => isReady(o) && (o.status?.drift?.length ?? 0) > 0);
    expect(fixed.status?.drift?.map((d) => d.flow)).toEqual(["INBOUNDCALL/Main Menu IVR"]);
    expect(ready(fixed)?.message).toContain("; 1 drifted put back");
    const after = (await liveFlows(w, "dev")).find((f) => f.name === "Main Menu IVR");
    expect(after?.publishedYaml).toContain("(v2)");
    expect(after?.publishedVersion).not.toBe(main?.publishedVersion);
    expect(await operator.metrics()).toMatch(
      /ivr_promoter_drift_detected_total\{namespace="truthful",name="dev"\} 1/,
    );
  });
});
