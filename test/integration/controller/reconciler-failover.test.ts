import { CoordinationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../helpers/emulator.js";
import {
  Cluster,
  OperatorProcess,
  credentialsSecret,
  exampleSpec,
  isReady,
  liveFlows,
  removeDir,
  startWorld,
  tempDir,
  type World,
} from "./harness.js";

/**
 * Two operator processes with leader election, as two replicas of the Deployment: only the Lease holder
 * promotes; when it dies without releasing the Lease, the other takes over once the Lease expires and
 * promotes what arrived in between.
 */

let cluster: Cluster;
let dir: string;
let world: World | undefined;
const operators: OperatorProcess[] = [];
const LEASE = "ivr-failover";

beforeAll(async () => {
  dir = await tempDir("ivr-failover-");
  cluster = await Cluster.start();
});

afterAll(async () => {
  for (const op of operators) await op.stop();
  await world?.close();
  await cluster?.stop();
  await removeDir(dir);
});

async function holder(): Promise<string | undefined> {
  const leases = cluster.api.kubeConfig.makeApiClient(CoordinationV1Api);
  try {
    const lease = await leases.readNamespacedLease({ namespace: "default", name: LEASE });
    return lease.spec?.holderIdentity || undefined;
  } catch {
    return undefined;
  }
}

describe("two operator replicas", () => {
  it("promote only through the leader, and the survivor takes over when the leader is killed", async () => {
    const w = (world = await startWorld());
    const ns = await cluster.namespace("failover");
    await credentialsSecret(cluster, ns, w, "dev");
    await credentialsSecret(cluster, ns, w, "prod");

    const start = async (identity: string): Promise<OperatorProcess> => {
      const op = await OperatorProcess.start(cluster.api.kubeconfigPath, {
        dir,
        logName: `${identity}.log`,
        leaderElection: { lease: LEASE, identity },
      });
      operators.push(op);
      return op;
    };
    const a = await start("replica-a");
    expect(
      await eventually(async () => ((await holder()) === "replica-a" ? true : undefined), 60_000, 100),
    ).toBe(true);
    const b = await start("replica-b");

    await cluster.create(ns, "first", exampleSpec(w, "dev"));
    await cluster.waitFor(ns, "first", isReady, 120_000);
    expect(await holder()).toBe("replica-a");
    // The follower watches (its cache is warm) but never reconciles.
    expect(a.log()).toMatch(/"name":"first".*reconcile/);
    expect(b.log()).not.toMatch(/"name":"first".*reconcile/);
    // The Events say which replica wrote them (its POD_NAME).
    expect((await cluster.waitForEvent(ns, "first", "Succeeded"))?.reportingInstance).toBe("replica-a");

    await a.kill(); // SIGKILL: the Lease is not released, so the survivor must wait for it to expire
    await cluster.create(ns, "second", exampleSpec(w, "prod"));
    const second = await cluster.waitFor(ns, "second", isReady, 180_000);
    expect(await holder()).toBe("replica-b");
    expect(b.log()).toMatch(/"name":"second"/);
    expect((await cluster.waitForEvent(ns, "second", "Succeeded"))?.reportingInstance).toBe("replica-b");

    const flows = await liveFlows(w, "prod");
    const names = flows.map((f) => `${f.type}/${f.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(second.status?.inventory).toHaveLength(flows.length);
  });
});
