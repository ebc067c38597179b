import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  removeDir,
  startWorld,
  tempDir,
  type World,
} from "./harness.js";

/**
 * Crash safety: the operator process is SIGKILLed while import jobs are running. The apply journal
 * lives in a ConfigMap, so the next operator process finds it, rolls the half-applied change back,
 * and applies the revision again: no duplicate flows, and every flow on the version the status records.
 */

let cluster: Cluster;
let dir: string;
let world: World | undefined;
const operators: OperatorProcess[] = [];

beforeAll(async () => {
  dir = await tempDir("ivr-crash-");
  cluster = await Cluster.start();
});

afterAll(async () => {
  for (const op of operators) await op.stop();
  await world?.close();
  await cluster?.stop();
  // Debugging aid: KEEP_OPERATOR_LOG=1 prints the operator logs.
  if (process.env.KEEP_OPERATOR_LOG) for (const op of operators) console.log(op.log());
  await removeDir(dir);
});

async function startOperator(logName: string): Promise<OperatorProcess> {
  const op = await OperatorProcess.start(cluster.api.kubeconfigPath, { dir, logName });
  operators.push(op);
  return op;
}

/** Every flow file with a changed description, so the next apply imports all of them. */
async function touchEveryFlow(mark: string): Promise<Record<string, string>> {
  const changed: Record<string, string> = {};
  for (const [path, text] of Object.entries(await exampleFiles())) {
    if (!path.startsWith("flows/")) continue;
    changed[path] = String(text).replace(/^( {2}description: .*)$/m, `$1 ${mark}`);
  }
  return changed;
}

describe("operator killed mid-promotion", () => {
  it("is recovered by the next operator process from the ConfigMap journal", async () => {
    const w = (world = await startWorld({ jobDurationMs: 20 }));
    const ns = await cluster.namespace("crash");
    await credentialsSecret(cluster, ns, w, "dev");
    const first = await startOperator("operator-1.log");
    await cluster.create(ns, "c", exampleSpec(w, "dev"));
    const v1 = await cluster.waitFor(ns, "c", isReady);
    const flowCount = v1.status?.inventory?.length ?? 0;
    expect(flowCount).toBeGreaterThan(2);

    // Slow import jobs, a commit that changes every flow, and a request to apply it now.
    await w.emulator.admin.patchFaults("dev", { jobDurationMs: 4000 });
    const sha = await w.repo.commit(await touchEveryFlow("(v2)"));
    const revision = `main@sha1:${sha}`;
    const jobsBefore = (await w.emulator.admin.org("dev")).jobs.length;
    await cluster.annotate(ns, "c", { [Annotation.requestedAt]: "v2" });
    await eventually(
      async () => ((await w.emulator.admin.org("dev")).jobs.length > jobsBefore ? true : undefined),
      60_000,
      50,
    );
    expect(await cluster.configMapExists(ns, "c-ivr-journal")).toBe(true);
    await first.kill();

    // The crash left its journal behind, owned by the object; nothing recorded the attempt.
    const journal = await cluster.core.readNamespacedConfigMap({ namespace: ns, name: "c-ivr-journal" });
    expect(journal.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "IvrPromotion",
      name: "c",
      uid: v1.metadata.uid,
    });
    expect(JSON.parse(journal.data?.["journal.json"] ?? "{}")).toMatchObject({ revision });
    const crashed = await cluster.get(ns, "c");
    expect(crashed?.status?.lastAppliedRevision).toBe(v1.status?.lastAppliedRevision);

    await w.emulator.admin.patchFaults("dev", { jobDurationMs: 20 });
    const second = await startOperator("operator-2.log");
    const done = await cluster.waitFor(
      ns,
      "c",
      (o) => isReady(o) && o.status?.lastAppliedRevision === revision,
      120_000,
    );
    expect(second.log()).toContain("found the journal of an interrupted apply");
    // The journal is empty again; the ConfigMap stays as the object's write fence.
    const after = await cluster.core.readNamespacedConfigMap({ namespace: ns, name: "c-ivr-journal" });
    expect(after.data?.["journal.json"]).toBeUndefined();
    expect(done.status?.lastHandledReconcileAt).toBe("v2");

    const flows = await liveFlows(w, "dev");
    const names = flows.map((f) => `${f.type}/${f.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(flows).toHaveLength(flowCount);
    const inventory = done.status?.inventory ?? [];
    expect(inventory).toHaveLength(flowCount);
    for (const entry of inventory) {
      const flow = flows.find((f) => f.id === entry.id);
      expect(flow?.name).toBe(entry.name);
      expect(flow?.publishedVersion, entry.name).toBe(entry.publishedVersion);
      // Every flow moved past the version of the first apply: none was left behind on it.
      const before = v1.status?.inventory?.find((e) => e.id === entry.id);
      expect(before, entry.name).toBeDefined();
      expect(entry.publishedVersion).not.toBe(before?.publishedVersion);
      expect(entry.contentHash).not.toBe(before?.contentHash);
    }
  });
});
