import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GROUP, NAMES, VERSION } from "../../../src/api/ivr-promotion.js";
import { recordWatchEvent } from "../../../src/controller/operator-events.js";
import { Watch, type WatchOptions } from "../../../src/controller/watch.js";
import { silentLogger } from "../../../src/logger.js";
import { Metrics } from "../../../src/metrics.js";
import type { KubeApiServer } from "../../helpers/kube-apiserver.js";
import { eventually, Promotions, recorder, startControlPlane } from "./runtime-fixtures.js";
import { TcpProxy } from "./tcp-proxy.js";

/**
 * The resilient watch against a real kube-apiserver: deliveries, namespace/label scoping, and recovery
 * from streams the server ends, a server that is unreachable for a while, a silent dead connection
 * (watchdog) and periodic resync. Network failures are made by a TCP proxy in front of the server.
 */

const resource = { group: GROUP, version: VERSION, plural: NAMES.plural };
let api: KubeApiServer;
let proxy: TcpProxy;
let promotions: Promotions;
const watches: Watch[] = [];

beforeAll(async () => {
  api = await startControlPlane(["wa", "wb", "wc", "wd", "we", "wf"]);
  proxy = await TcpProxy.start(api.server);
  promotions = new Promotions(api);
});

afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.stop()));
  proxy.setMode("open");
});

afterAll(async () => {
  await proxy?.close();
  await api?.stop();
});

function startWatch(rec: ReturnType<typeof recorder>, options: Partial<WatchOptions> = {}): Watch {
  const watch = new Watch({
    kubeConfig: proxy.kubeConfigFor(api.kubeConfig),
    resource,
    handler: rec.handler,
    onEvent: rec.onEvent,
    backoff: { initialMs: 100, maxMs: 1_000 },
    ...options,
  });
  watches.push(watch);
  watch.start();
  return watch;
}

describe("Watch", () => {
  it("delivers adds, updates and deletes; the first list replays existing objects", async () => {
    await promotions.create("wa", "existing");
    const rec = recorder();
    const watch = startWatch(rec, { namespaces: ["wa"] });
    await watch.synced();
    expect(rec.deliveries).toMatchObject([{ op: "add", key: "wa/existing", relist: true, generation: 1 }]);
    expect(rec.of("RELIST")).toMatchObject([{ scope: "wa", reason: "initial", objects: 1 }]);
    expect(watch.health()).toMatchObject({ synced: true, healthy: true });

    await promotions.create("wa", "fresh");
    await promotions.patch("wa", "fresh", { spec: { environment: "test" } });
    await promotions.patchStatus("wa", "fresh", { observedGeneration: 2 });
    await promotions.delete("wa", "fresh");
    await eventually("the delete", () => rec.keysOf("delete").includes("wa/fresh"));
    const fresh = rec.deliveries.filter((d) => d.key === "wa/fresh");
    expect(fresh.map((d) => [d.op, d.relist, d.generation])).toEqual([
      ["add", false, 1],
      ["update", false, 2], // spec change
      ["update", false, 2], // status write: delivered; the operator's predicate filters it
      ["delete", false, 2],
    ]);
    expect(watch.objects().map((o) => o.metadata.name)).toEqual(["existing"]);
  });

  it("watches only the listed namespaces and objects matching the label selector", async () => {
    await promotions.create("wb", "b-in", { shard: "one" });
    await promotions.create("wb", "b-other-shard", { shard: "two" });
    await promotions.create("wd", "d-not-watched", { shard: "one" });
    const rec = recorder();
    const watch = startWatch(rec, { namespaces: ["wb", "wc"], labelSelector: "shard=one" });
    await watch.synced();
    expect(
      rec
        .of("RELIST")
        .map((e) => e.scope)
        .sort(),
    ).toEqual(["wb", "wc"]);
    await promotions.create("wc", "c-in", { shard: "one" });
    await promotions.create("wd", "d-later", { shard: "one" });
    await promotions.create("wc", "c-unlabelled");
    await promotions.create("wb", "b-sentinel", { shard: "one" });
    await eventually("the sentinel", () => rec.keysOf("add").includes("wb/b-sentinel"));
    await eventually("c-in", () => rec.keysOf("add").includes("wc/c-in"));
    expect(rec.keysOf("add").sort()).toEqual(["wb/b-in", "wb/b-sentinel", "wc/c-in"]);
  });

  it("resumes from its resourceVersion when the server ends streams (timeoutSeconds), without relisting", async () => {
    const rec = recorder();
    const metrics = new Metrics();
    const watch = startWatch(rec, {
      namespaces: ["we"],
      timeoutSeconds: 1,
      onEvent: (e) => {
        rec.onEvent(e);
        recordWatchEvent(e, silentLogger(), metrics);
      },
    });
    await watch.synced();
    await eventually("two server-ended streams", () => rec.of("RECONNECT").length >= 2);
    await promotions.create("we", "after-reconnects");
    await eventually("the add", () => rec.keysOf("add", false).includes("we/after-reconnects"));
    expect(rec.of("RECONNECT").every((e) => e.cause === "ended")).toBe(true);
    expect(rec.of("RELIST")).toHaveLength(1);
    expect(rec.of("ERROR")).toEqual([]);
    const reconnects = (await metrics.watchReconnects.get()).values[0]?.value ?? 0;
    expect(reconnects).toBeGreaterThanOrEqual(2);
    expect((await metrics.watchRelists.get()).values[0]?.value).toBe(1);
  });

  it("backs off while the server is unreachable, then resumes and catches up on missed changes", async () => {
    await promotions.create("wf", "doomed");
    const rec = recorder();
    const watch = startWatch(rec, {
      namespaces: ["wf"],
      timeoutSeconds: 3600,
      backoff: { initialMs: 200, maxMs: 800 },
      random: () => 1, // pin the jitter: delays are exactly the nominal backoff
      unhealthyAfterMs: 300,
    });
    await watch.synced();
    await eventually("a connected watch", () => rec.of("CONNECT").length > 0);

    proxy.setMode("refuse");
    await eventually(
      "four failed reconnects",
      () => rec.of("RECONNECT").filter((e) => e.cause === "error").length >= 4,
    );
    await promotions.create("wf", "born-while-down");
    await promotions.delete("wf", "doomed");
    await eventually("healthz failing", () => !watch.health().healthy);
    expect(watch.health().detail).toMatch(/watch of wf disconnected for \d+ s/);
    const delays = rec
      .of("RECONNECT")
      .filter((e) => e.cause === "error")
      .map((e) => e.delayMs);
    expect(delays.slice(0, 4)).toEqual([200, 400, 800, 800]);

    proxy.setMode("open");
    await eventually("the missed add", () => rec.keysOf("add", false).includes("wf/born-while-down"));
    await eventually("the missed delete", () => rec.keysOf("delete", false).includes("wf/doomed"));
    expect(rec.of("RELIST")).toHaveLength(1); // resumed from the resourceVersion: no relist needed
    expect(watch.health().healthy).toBe(true);
  });

  it("restarts a watch that went silent (watchdog), including a connect that hangs", async () => {
    const rec = recorder();
    const watch = startWatch(rec, { namespaces: ["wa"], timeoutSeconds: 3600, watchdogMs: 1_500 });
    await watch.synced();
    await eventually("a connected watch", () => rec.of("CONNECT").length > 0);
    const connectsBefore = rec.of("CONNECT").length;
    const watchdogsBefore = rec.of("WATCHDOG").length; // an idle watch may trip the short watchdog early
    proxy.setMode("freeze");
    await promotions.create("wa", "sent-while-frozen");
    // The open stream goes silent, and so does the connection made to replace it.
    await eventually("two watchdog restarts", () => rec.of("WATCHDOG").length >= watchdogsBefore + 2);
    expect(rec.keysOf("add", false)).not.toContain("wa/sent-while-frozen");
    expect(rec.of("CONNECT")).toHaveLength(connectsBefore);
    proxy.setMode("open");
    await eventually("the add after recovery", () =>
      rec.keysOf("add", false).includes("wa/sent-while-frozen"),
    );
    expect(rec.of("RECONNECT").some((e) => e.cause === "watchdog")).toBe(true);
  });

  it("relists periodically (resync), replaying every object", async () => {
    const rec = recorder();
    const watch = startWatch(rec, { namespaces: ["wa"], resyncMs: 1_000 });
    await watch.synced();
    await eventually("two resyncs", () => rec.of("RELIST").filter((e) => e.reason === "resync").length >= 2);
    const replayed = rec.deliveries.filter((d) => d.op === "update" && d.relist).map((d) => d.key);
    expect(replayed).toContain("wa/existing");
    expect(rec.of("ERROR")).toEqual([]);
  });
});
