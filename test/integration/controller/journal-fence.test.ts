import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION, NAMES } from "../../../src/api/ivr-promotion.js";
import { FencedOutError } from "../../../src/engine/errors.js";
import type { Journal } from "../../../src/engine/journal.js";
import { ConfigMapJournalStore, type WriteRight } from "../../../src/controller/journal-store.js";
import { kubeApis, type KubeApis } from "../../../src/controller/kube-clients.js";
import type { IvrPromotionSpecInput } from "../../../src/api/ivr-promotion.js";
import { Cluster } from "./harness.js";

/**
 * The write fence on a real kube-apiserver: a writer whose record was taken over by a newer term (the
 * standby that became leader while this one was paused) is refused on its very next journal write or
 * fence check; a stale lease refuses without asking the server; a planted journal is never read.
 */

let cluster: Cluster;
let apis: KubeApis;
const NS = "fence";
let uid = "";
const SPEC: IvrPromotionSpecInput = {
  source: { url: "https://git.example/flows.git", ref: { branch: "main" } },
  path: ".",
  environment: "dev",
  target: { region: "us-east-1", credentialsSecretRef: { name: "genesys-dev" } },
  suspend: true,
};

beforeAll(async () => {
  cluster = await Cluster.start();
  apis = kubeApis(cluster.api.kubeConfig);
  await cluster.namespace(NS);
  await cluster.create(NS, "p", SPEC);
  uid = (await cluster.get(NS, "p"))?.metadata.uid ?? "";
});
afterAll(async () => {
  await cluster?.stop();
});

function right(identity: string, term: number, valid = () => true): WriteRight {
  return { identity, term: () => term, valid };
}

function store(r: WriteRight, onForeign?: (d: string) => void, name = "p", ownerUid = uid) {
  const owner = { apiVersion: API_VERSION, kind: NAMES.kind, name, namespace: NS, uid: ownerUid };
  return new ConfigMapJournalStore(apis, owner, r, onForeign);
}

const journal = (revision: string): Journal => ({
  planHash: "h",
  revision,
  target: "org",
  startedAt: new Date().toISOString(),
  backedUp: [],
  entries: [],
});

describe("journal write fence", () => {
  it("refuses the deposed writer's next write once a newer term acquired the record", async () => {
    const old = store(right("replica-a", 1));
    await old.acquire();
    await old.write(journal("rev-1"));
    await old.fence();

    const successor = store(right("replica-b", 2));
    await successor.acquire();
    expect((await successor.read())?.revision).toBe("rev-1"); // the new writer sees the run to recover

    await expect(old.fence()).rejects.toBeInstanceOf(FencedOutError);
    await expect(old.write(journal("rev-1-more"))).rejects.toBeInstanceOf(FencedOutError);
    await expect(old.clear()).rejects.toBeInstanceOf(FencedOutError);
    // Re-acquiring with the older term is refused too: terms only move forward.
    await expect(store(right("replica-a", 1)).acquire()).rejects.toBeInstanceOf(FencedOutError);
    expect((await successor.read())?.revision).toBe("rev-1");
    await successor.write(journal("rev-2"));
    await successor.fence();
    await successor.clear();
    expect(await store(right("replica-b", 2)).read()).toBeUndefined();
  });

  it("refuses at once, before any request, when the lease is no longer held on the local clock", async () => {
    let valid = true;
    const s = store(right("replica-c", 3, () => valid));
    await s.acquire();
    valid = false;
    await expect(s.fence()).rejects.toBeInstanceOf(FencedOutError);
    await expect(s.write(journal("x"))).rejects.toBeInstanceOf(FencedOutError);
  });

  it("never reads a planted journal and takes the name over", async () => {
    await cluster.create(NS, "q", SPEC);
    const qUid = (await cluster.get(NS, "q"))?.metadata.uid ?? "";
    const planted = {
      metadata: { name: "q-ivr-journal", namespace: NS },
      data: { "journal.json": JSON.stringify({ ...journal("forged"), entries: [] }) },
    };
    await apis.core.createNamespacedConfigMap({ namespace: NS, body: planted });
    const seen: string[] = [];
    const s = store(right("replica-d", 9), (d) => seen.push(d), "q", qUid);
    expect(await s.read()).toBeUndefined();
    await s.acquire();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/not controlled by this IvrPromotion/);
    expect(await s.read()).toBeUndefined();
    const cm = await apis.core.readNamespacedConfigMap({ name: "q-ivr-journal", namespace: NS });
    expect(cm.metadata?.ownerReferences?.[0]?.uid).toBe(qUid);
  });

  it("keeps the pre-run backup in owned Secrets, split when large, and removes them on clear", async () => {
    const s = store(right("replica-e", 10));
    await s.acquire();
    const small = { "INBOUNDCALL/Main": "inboundCall:\n  name: Main\n" };
    await s.writeBackup(small);
    expect(await s.readBackup()).toEqual(small);
    // Incompressible content forces several chunks (each Secret holds at most 1 MiB).
    const large = { "INBOUNDCALL/Big": randomBytes(1_500_000).toString("base64") };
    await s.writeBackup(large);
    expect(await s.readBackup()).toEqual(large);
    const secrets = await apis.core.listNamespacedSecret({ namespace: NS });
    const backups = secrets.items.filter((x) => x.metadata?.name?.startsWith("p-ivr-journal-backup-"));
    expect(backups.length).toBeGreaterThanOrEqual(2);
    expect(backups.every((b) => b.metadata?.ownerReferences?.[0]?.uid === uid)).toBe(true);
    await s.clear();
    const after = await apis.core.listNamespacedSecret({ namespace: NS });
    expect(after.items.filter((x) => x.metadata?.name?.startsWith("p-ivr-journal-backup-"))).toEqual([]);
    expect(await s.readBackup()).toEqual({});
  });
});
