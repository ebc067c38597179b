import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GROUP, NAMES, VERSION } from "../../../src/api/ivr-promotion.js";
import { kubeStream } from "../../../src/controller/kube-http.js";
import { Watch } from "../../../src/controller/watch.js";
import type { KubeApiServer } from "../../helpers/kube-apiserver.js";
import { eventually, Promotions, recorder, startControlPlane } from "./runtime-fixtures.js";
import { TcpProxy } from "./tcp-proxy.js";

/**
 * 410 Gone on a real API server: with the watch cache off, watches are served by etcd, and with
 * compaction every second a resourceVersion from before an outage is soon compacted away. The watch
 * must notice (ERROR event with 410 Expired), relist, and derive from the list what it missed —
 * including a deletion, which no event will ever report again.
 */

const resource = { group: GROUP, version: VERSION, plural: NAMES.plural };
const NS = "expiry";
let api: KubeApiServer;
let proxy: TcpProxy;
let promotions: Promotions;

beforeAll(async () => {
  api = await startControlPlane([NS], {
    extraArgs: ["--watch-cache=false", "--etcd-compaction-interval=1s"],
  });
  proxy = await TcpProxy.start(api.server);
  promotions = new Promotions(api);
});

afterAll(async () => {
  await proxy?.close();
  await api?.stop();
});

/** True once a watch from `resourceVersion` is answered with 410 (checked directly, not through the proxy). */
async function compactedPast(resourceVersion: string): Promise<boolean> {
  let expired = false;
  await kubeStream(
    api.kubeConfig,
    {
      path: `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${NAMES.plural}`,
      query: { watch: true, resourceVersion, timeoutSeconds: 1 },
      signal: AbortSignal.timeout(5_000),
    },
    () => undefined,
    (line) => {
      if (line.includes('"ERROR"') && line.includes('"code":410')) expired = true;
    },
  ).catch(() => undefined);
  return expired;
}

describe("Watch after 410 Gone", () => {
  it("relists when its resourceVersion was compacted, and reports what changed meanwhile", async () => {
    await promotions.create(NS, "deleted-while-away");
    await promotions.create(NS, "kept");
    const rec = recorder();
    const watch = new Watch({
      kubeConfig: proxy.kubeConfigFor(api.kubeConfig),
      resource,
      namespaces: [NS],
      timeoutSeconds: 3600,
      backoff: { initialMs: 100, maxMs: 500 },
      handler: rec.handler,
      onEvent: rec.onEvent,
    });
    watch.start();
    try {
      await watch.synced();
      await promotions.patch(NS, "kept", { spec: { environment: "test" } });
      await eventually("the spec change", () =>
        rec.deliveries.some((d) => d.key === `${NS}/kept` && !d.relist),
      );
      const lastSeen = rec.deliveries.at(-1)?.resourceVersion ?? "";

      proxy.setMode("refuse");
      await promotions.delete(NS, "deleted-while-away");
      await promotions.create(NS, "created-while-away");
      for (let i = 0; i < 3; i++)
        await promotions.patch(NS, "kept", { metadata: { labels: { n: String(i) } } });
      await eventually(
        "etcd compaction past the watch's resourceVersion",
        () => compactedPast(lastSeen),
        60_000,
      );

      proxy.setMode("open");
      await eventually("the relist", () => rec.of("RELIST").some((e) => e.reason === "expired"), 60_000);
      expect(rec.of("OLD_RESOURCE_VERSION").map((e) => e.resourceVersion)).toContain(lastSeen);
      expect(rec.keysOf("delete", true)).toEqual([`${NS}/deleted-while-away`]);
      expect(rec.keysOf("add", true)).toContain(`${NS}/created-while-away`);
      expect(rec.of("RECONNECT").some((e) => e.cause === "expired")).toBe(true);

      // And the new watch, started from the relist's resourceVersion, works.
      await promotions.create(NS, "after-relist");
      await eventually("a live add", () => rec.keysOf("add", false).includes(`${NS}/after-relist`));
    } finally {
      await watch.stop();
    }
  });
});
