import { execFile } from "node:child_process";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Annotation, GROUP, NAMES, VERSION } from "../../../src/api/ivr-promotion.js";
import { envtestBinary } from "../../helpers/kube-apiserver.js";
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
 * The lifecycle around a promotion, against a real kube-apiserver, the operator process, a real
 * emulator and Git: the approval gate, suspend/resume, dependsOn, and deletion with and without prune.
 */

let cluster: Cluster;
let operator: OperatorProcess;
let dir: string;
const worlds: World[] = [];
const FLOWS = Object.keys(await exampleFiles()).filter((p) => p.startsWith("flows/")).length;

beforeAll(async () => {
  dir = await tempDir("ivr-lifecycle-");
  cluster = await Cluster.start();
  operator = await OperatorProcess.start(cluster.api.kubeconfigPath, { dir });
});

afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
  // Debugging aid: KEEP_OPERATOR_LOG=1 prints the operator logs.
  if (process.env.KEEP_OPERATOR_LOG) console.log(operator?.log());
  await removeDir(dir);
});

async function world(): Promise<World> {
  const w = await startWorld();
  worlds.push(w);
  return w;
}

/** Commits a changed greeting in Billing IVR; returns the new revision. */
async function changeBilling(w: World, greeting: string): Promise<string> {
  const text = String((await exampleFiles())["flows/voice/billing-ivr.yaml"]);
  const sha = await w.repo.commit({
    "flows/voice/billing-ivr.yaml": text.replace("You have reached billing and payments.", greeting),
  });
  return `main@sha1:${sha}`;
}

/** Sets the requested-at annotation and waits until the operator has handled it. */
async function reconcileNow(ns: string, name: string, token: string) {
  await cluster.annotate(ns, name, { [Annotation.requestedAt]: token });
  return cluster.waitFor(ns, name, (o) => o.status?.lastHandledReconcileAt === token);
}

/** Waits until the operator's suspend gauge of suspend/s has `value` (it is set just after the status patch). */
async function suspendGauge(value: 0 | 1): Promise<void> {
  const series = `ivr_promoter_suspend_status{namespace="suspend",name="s"} ${value}`;
  await eventually(async () => ((await operator.metrics()).includes(series) ? true : undefined), 30_000, 200);
}

describe("IvrPromotion lifecycle", () => {
  it("holds a plan for approval, applies exactly the approved hash, and asks again when the plan changes", async () => {
    const w = await world();
    const ns = await cluster.namespace("approval");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "gated", exampleSpec(w, "dev", { approval: { required: true } }));

    const waiting = await cluster.waitFor(ns, "gated", (o) => ready(o)?.reason === "AwaitingApproval");
    const pending = waiting.status?.pendingPlan;
    expect(pending?.revision).toBe(`main@sha1:${await w.repo.head()}`);
    expect(pending?.summary).toEqual({ create: FLOWS, update: 0, drifted: 0, unchanged: 0, prune: 0 });
    expect(ready(waiting)).toMatchObject({ status: "False" });
    // The STATUS column stays short; the hash to approve is the full one in status.pendingPlan.
    const head = await w.repo.head();
    expect(ready(waiting)?.message).toBe(
      `Plan ${pending?.planHash.slice(0, "sha256:".length + 8)} for main@sha1:${head.slice(0, 8)} awaits approval (${FLOWS} created, 0 updated, 0 unchanged)`,
    );
    expect(pending?.planHash).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect((await w.emulator.admin.org("dev")).jobs).toEqual([]);
    const event = await cluster.waitForEvent(ns, "gated", "AwaitingApproval");
    expect(event?.type).toBe("Normal");

    // Approving some other hash changes nothing.
    await cluster.annotate(ns, "gated", { [Annotation.approvedPlan]: "sha256:0000" });
    const still = await reconcileNow(ns, "gated", "stale-approval");
    expect(ready(still)?.reason).toBe("AwaitingApproval");
    expect(await liveFlows(w, "dev")).toEqual([]);

    await cluster.annotate(ns, "gated", { [Annotation.approvedPlan]: pending?.planHash ?? "" });
    const applied = await cluster.waitFor(ns, "gated", isReady);
    expect(applied.status?.pendingPlan).toBeUndefined();
    expect(await liveFlows(w, "dev")).toHaveLength(FLOWS);

    // A new commit makes a new plan: the old approval does not cover it.
    const next = await changeBilling(w, "Billing, hello.");
    const again = await reconcileNow(ns, "gated", "new-commit");
    expect(ready(again)?.reason).toBe("AwaitingApproval");
    expect(again.status?.pendingPlan?.revision).toBe(next);
    expect(again.status?.pendingPlan?.summary.update).toBe(1);
    expect(again.status?.pendingPlan?.planHash).not.toBe(pending?.planHash);
    expect(again.status?.lastAppliedRevision).not.toBe(next);
    await cluster.annotate(ns, "gated", {
      [Annotation.approvedPlan]: again.status?.pendingPlan?.planHash ?? "",
    });
    const done = await cluster.waitFor(
      ns,
      "gated",
      (o) => isReady(o) && o.status?.lastAppliedRevision === next,
    );
    expect(ready(done)?.message).toContain("0 created, 1 updated");

    // Nothing to change: no approval needed.
    const noop = await reconcileNow(ns, "gated", "no-change");
    expect(isReady(noop)).toBe(true);
    expect(noop.status?.pendingPlan).toBeUndefined();
  });

  it("suspends (Ready keeps its status, nothing applied) and resumes", async () => {
    const w = await world();
    const ns = await cluster.namespace("suspend");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "s", exampleSpec(w, "dev"));
    const first = await cluster.waitFor(ns, "s", isReady);
    const applied = first.status?.lastAppliedRevision;
    const billing = first.status?.inventory?.find((e) => e.name === "Billing IVR");

    await cluster.patch(ns, "s", { spec: { suspend: true } });
    const suspended = await cluster.waitFor(ns, "s", (o) => ready(o)?.reason === "Suspended");
    expect(ready(suspended)).toMatchObject({
      status: "True",
      message: `Reconciliation is suspended; last applied revision ${applied}`,
    });
    expect(suspended.status?.observedGeneration).toBe(suspended.metadata.generation);
    await suspendGauge(1);

    const next = await changeBilling(w, "Billing while suspended.");
    const quiet = await reconcileNow(ns, "s", "while-suspended");
    expect(quiet.status?.lastAppliedRevision).toBe(applied);
    const flow = (await liveFlows(w, "dev")).find((f) => f.name === "Billing IVR");
    expect(flow?.publishedVersion).toBe(billing?.publishedVersion);

    await cluster.patch(ns, "s", { spec: { suspend: false } });
    const resumed = await cluster.waitFor(
      ns,
      "s",
      (o) => isReady(o) && o.status?.lastAppliedRevision === next,
    );
    expect(ready(resumed)?.reason).toBe("Succeeded");
    await suspendGauge(0);
  });

  it("fills the short REVISION of an object an older operator applied, on a reconcile without apply", async () => {
    const w = await world();
    const ns = await cluster.namespace("migrate");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "old", exampleSpec(w, "dev", { suspend: true }));
    await cluster.waitFor(ns, "old", (o) => ready(o)?.reason === "Suspended");
    // The status an operator from before status.lastAppliedRevisionShort left behind.
    const sha = await w.repo.head();
    await cluster.objects.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: NAMES.plural,
        namespace: ns,
        name: "old",
        body: { status: { lastAppliedRevision: `main@sha1:${sha}`, lastAppliedRevisionShort: null } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    // The REVISION column exactly as `kubectl get` prints it from the CRD's printer columns.
    const kubectlGet = async () => {
      const { stdout } = await promisify(execFile)(envtestBinary("kubectl"), [
        "--kubeconfig",
        cluster.api.kubeconfigPath,
        "get",
        NAMES.plural,
        "-n",
        ns,
      ]);
      const [header = "", row = ""] = stdout.split("\n");
      const start = header.indexOf("REVISION");
      const end = header.slice(start).search(/ \S/) + start + 1;
      return row.slice(start, end > start ? end : undefined).trim();
    };
    expect(await kubectlGet()).toBe("");

    // Still suspended: no apply runs, yet the next reconcile migrates the status.
    const migrated = await reconcileNow(ns, "old", "after-upgrade");
    expect(migrated.status?.lastAppliedRevisionShort).toBe(`main@sha1:${sha.slice(0, 8)}`);
    expect(ready(migrated)?.reason).toBe("Suspended");
    expect(await kubectlGet()).toBe(`main@sha1:${sha.slice(0, 8)}`);
    expect(await liveFlows(w, "dev")).toEqual([]);
  });

  it("waits for dependsOn: B is applied only once A is Ready", async () => {
    const w = await world();
    const ns = await cluster.namespace("depends");
    await credentialsSecret(cluster, ns, w, "dev");
    await credentialsSecret(cluster, ns, w, "prod");
    await cluster.create(ns, "b", exampleSpec(w, "prod", { dependsOn: [{ name: "a" }] }));
    const blocked = await cluster.waitFor(ns, "b", (o) => ready(o)?.reason === "DependencyNotReady");
    expect(ready(blocked)?.message).toContain(`dependency ${ns}/a is not found`);
    expect(await liveFlows(w, "prod")).toEqual([]);

    await cluster.create(ns, "a", exampleSpec(w, "dev"));
    const a = await cluster.waitFor(ns, "a", isReady);
    // B re-checks its dependencies on its own (every 30 s).
    const b = await cluster.waitFor(ns, "b", isReady, 120_000);
    const aReadyAt = Date.parse(ready(a)?.lastTransitionTime ?? "");
    const bReadyAt = Date.parse(ready(b)?.lastTransitionTime ?? "");
    expect(bReadyAt).toBeGreaterThanOrEqual(aReadyAt);
    expect(await liveFlows(w, "prod")).toHaveLength(FLOWS);
  });

  it("on delete prunes the inventory's flows when spec.prune is true", async () => {
    const w = await world();
    const ns = await cluster.namespace("delete-prune");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "p", exampleSpec(w, "dev", { prune: true }));
    await cluster.waitFor(ns, "p", isReady);
    expect(await liveFlows(w, "dev")).toHaveLength(FLOWS);

    await cluster.delete(ns, "p");
    await cluster.waitGone(ns, "p");
    expect(await liveFlows(w, "dev")).toEqual([]);
    expect(await cluster.configMapExists(ns, "p-ivr-journal")).toBe(false);
  });

  it("on delete orphans the flows when spec.prune is false", async () => {
    const w = await world();
    const ns = await cluster.namespace("delete-orphan");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "o", exampleSpec(w, "dev"));
    const obj = await cluster.waitFor(ns, "o", isReady);

    await cluster.delete(ns, "o");
    await cluster.waitGone(ns, "o");
    const flows = await liveFlows(w, "dev");
    expect(flows.map((f) => f.id).sort()).toEqual((obj.status?.inventory ?? []).map((e) => e.id).sort());
    const deletes = (await w.emulator.admin.requests("dev")).filter((r) => r.method === "DELETE");
    expect(deletes).toEqual([]);
  });
});
