import platformClient from "purecloud-platform-client-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../helpers/seeds.js";

/**
 * The analytics aggregates endpoint driven by the official SDK: AnalyticsApi.postAnalyticsFlowsAggregatesQuery
 * serialises a FlowAggregationQuery and parses the FlowAggregateQueryResponse; grouped by flowVersion,
 * the emulator's traffic shows the behaviour the admin API set for each version.
 */
describe("AnalyticsApi.postAnalyticsFlowsAggregatesQuery against the emulator", () => {
  let emu: TestEmulator;
  const client = platformClient.ApiClient.instance;
  let analytics: InstanceType<typeof platformClient.AnalyticsApi>;
  let flowId = "";
  let t0 = 0;
  let t1 = 0;

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
    client.setGateway({ host: "127.0.0.1", protocol: "http", port: emu.port });
    client.setReturnExtendedResponses(false);
    await client.loginClientCredentialsGrant(DEV_CLIENT.id, DEV_CLIENT.secret);
    analytics = new platformClient.AnalyticsApi();
    const v1 = await emu.admin.addFlow("dev", inboundCallYaml("Main Menu IVR", { queue: "Support" }));
    flowId = v1.id;
    // 60 calls per emulated minute at time scale 60: 60 calls per real second.
    await emu.admin.setTraffic("dev", {
      timeScale: 60,
      backfillSeconds: 5,
      defaults: { callsPerMinute: 60, failedOutcomeRatio: 0.01, milestones: { "menu-done": 0.8 } },
    });
    const rule = await emu.admin.addTrafficRule("dev", {
      flow: "Main Menu IVR",
      version: "next",
      failedOutcomeRatio: 0.4,
      disconnects: { system: 1, peer: 1 },
    });
    expect(rule.version).toBe("2.0");
    t0 = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    await emu.admin.addFlow("dev", inboundCallYaml("Main Menu IVR", { queue: "Sales" }));
    await new Promise((r) => setTimeout(r, 1500));
    t1 = Date.now();
  });
  afterAll(() => emu.close());

  it("groups by flowId and flowVersion with count and time stats in the SDK's shape", async () => {
    const body: platformClient.Models.FlowAggregationQuery = {
      interval: `${new Date(t0).toISOString()}/${new Date(t1).toISOString()}`,
      groupBy: ["flowId", "flowVersion"],
      filter: {
        type: "and",
        predicates: [{ type: "dimension", dimension: "flowId", operator: "matches", value: flowId }],
      },
      metrics: ["nFlow", "nFlowOutcome", "nFlowOutcomeFailed", "tFlow", "tFlowOutcome"],
    };
    const res = await analytics.postAnalyticsFlowsAggregatesQuery(body);
    const byVersion = new Map(
      (res.results ?? []).map((r) => [r.group?.flowVersion, r.data?.[0]?.metrics ?? []] as const),
    );
    expect([...byVersion.keys()].sort()).toEqual(["1.0", "2.0"]);
    for (const [version, metrics] of byVersion) {
      const stat = (m: string) => metrics.find((x) => x.metric === m)?.stats;
      const calls = stat("nFlow")?.count ?? 0;
      expect(calls, `calls of ${version}`).toBeGreaterThan(40);
      expect(stat("nFlowOutcome")?.count).toBe(calls);
      const failed = (stat("nFlowOutcomeFailed")?.count ?? 0) / calls;
      if (version === "2.0") expect(failed).toBeGreaterThan(0.25);
      else expect(failed).toBeLessThan(0.1);
      const tFlow = stat("tFlow");
      expect(tFlow).toMatchObject({
        count: calls,
        sum: expect.any(Number),
        min: expect.any(Number),
        max: expect.any(Number),
      });
      expect((tFlow?.sum ?? 0) / calls).toBeGreaterThan(20_000);
    }
    for (const r of res.results ?? []) expect(r.group?.flowId).toBe(flowId);
  });

  it("splits disconnects by disconnectType and buckets by granularity", async () => {
    const res = await analytics.postAnalyticsFlowsAggregatesQuery({
      interval: `${new Date(t0).toISOString()}/${new Date(t1).toISOString()}`,
      granularity: "PT1S",
      groupBy: ["flowVersion", "disconnectType"],
      metrics: ["tFlowDisconnect", "nFlowMilestone"],
    });
    const system = (res.results ?? []).filter((r) => r.group?.disconnectType === "system");
    expect(system.map((r) => r.group?.flowVersion)).toContain("2.0");
    const buckets = system.find((r) => r.group?.flowVersion === "2.0")?.data ?? [];
    expect(buckets.length).toBeGreaterThanOrEqual(1);
    for (const b of buckets) expect(b.interval).toMatch(/^\d{4}-.*Z\/\d{4}-.*Z$/);
    const milestones = (res.results ?? []).filter((r) => r.group?.disconnectType === undefined);
    expect(
      milestones.some((r) => r.data?.some((d) => d.metrics?.some((m) => m.metric === "nFlowMilestone"))),
    ).toBe(true);
  });

  it("answers a malformed query with 400 through the SDK's error", async () => {
    await expect(
      analytics.postAnalyticsFlowsAggregatesQuery({ interval: "yesterday", metrics: ["nFlow"] }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("an analytics outage fault answers 503 and then recovers", async () => {
    await emu.admin.patchFaults("dev", { analyticsOutage: { count: 1, status: 503, retryAfterSeconds: 1 } });
    const q = { interval: `${new Date(t0).toISOString()}/${new Date(t1).toISOString()}`, metrics: ["nFlow"] };
    await expect(analytics.postAnalyticsFlowsAggregatesQuery(q)).rejects.toMatchObject({ status: 503 });
    const res = await analytics.postAnalyticsFlowsAggregatesQuery(q);
    expect(res.results?.[0]?.data?.[0]?.metrics?.[0]?.stats?.count).toBeGreaterThan(80);
  });
});
