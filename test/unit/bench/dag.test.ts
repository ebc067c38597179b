import { describe, expect, it } from "vitest";
import { DAG_OBJECTS, dependencyOrder, generateDag, tierSizes } from "../../../bench/dag.js";
import { summarize } from "../../../bench/harness.js";
import { scrapeMetric } from "../../../bench/proc.js";
import type { LoggedRequest } from "../../helpers/emulator.js";

/** The benchmark's generated flow sets must be valid, deterministic DAGs whose references the org can satisfy. */
describe("bench DAG generator", () => {
  it.each([50, 200, 500])("generates %i valid flows in five levels", (n) => {
    const dag = generateDag(n);
    expect(dag.desired).toHaveLength(n);
    expect(dag.levels).toBe(5);
    expect(dag.perLevel.reduce((a, b) => a + b, 0)).toBe(n);
    expect(Object.keys(dag.byType).sort()).toEqual(["BOT", "COMMONMODULE", "INBOUNDCALL", "INQUEUECALL"]);
    expect(dag.lastFlow.key).toMatch(/^INBOUNDCALL\/Main Number/);
  });

  it("references only flows of the set and objects the bench seeds", () => {
    const dag = generateDag(200);
    const keys = new Set(dag.desired.map((f) => f.key));
    const seeded = new Set(
      Object.entries(DAG_OBJECTS).flatMap(([, list]) => (list ?? []).map((o: { name: string }) => o.name)),
    );
    for (const flow of dag.desired) {
      for (const dep of flow.dependsOn) expect(keys.has(dep)).toBe(true);
      for (const ref of flow.external) {
        // Every org has its Home division; the bench seeds everything else.
        const present = ref.kind === "division" ? ref.name === "Home" : seeded.has(ref.name);
        expect(present, `${flow.name} → ${ref.kind} ${ref.name}`).toBe(true);
      }
    }
  });

  it("is deterministic, and a new revision changes every flow", () => {
    const a = generateDag(50);
    expect(generateDag(50).desired.map((f) => f.contentHash)).toEqual(a.desired.map((f) => f.contentHash));
    const r2 = new Map(generateDag(50, "r2").desired.map((f) => [f.key, f.contentHash]));
    for (const flow of a.desired) expect(r2.get(flow.key)).not.toBe(flow.contentHash);
  });

  it("orders flows after their dependencies", () => {
    const order = dependencyOrder(generateDag(50).desired);
    const seen = new Set<string>();
    for (const flow of order) {
      for (const dep of flow.dependsOn) expect(seen.has(dep)).toBe(true);
      seen.add(flow.key);
    }
  });

  it("refuses sizes too small to hold every tier", () => {
    expect(() => tierSizes(10)).toThrow(/at least 30/);
  });
});

describe("bench accounting", () => {
  const entry = (
    seq: number,
    org: string | null,
    method: string,
    route: string,
    status = 200,
  ): LoggedRequest => ({
    seq,
    time: new Date(0).toISOString(),
    org,
    clientId: null,
    method,
    path: route,
    route,
    status,
    correlationId: String(seq),
  });

  it("counts one org's calls after a mark, with presigned transfers and 429s", () => {
    const summary = summarize(
      [
        entry(1, "a", "GET", "/api/v2/flows"),
        entry(2, "a", "POST", "/api/v2/flows/jobs"),
        entry(3, null, "PUT", "/__s3/up/{key}"),
        entry(4, "b", "GET", "/api/v2/flows"),
        entry(5, "a", "GET", "/api/v2/flows/jobs/{jobId}", 429),
        entry(6, "a", "POST", "/oauth/token"),
      ],
      "a",
      1,
    );
    expect(summary).toEqual({
      total: 4,
      api: 2,
      token: 1,
      presigned: 1,
      rateLimited: 1,
      byRoute: {
        "POST /api/v2/flows/jobs": 1,
        "PUT /__s3/{upload}": 1,
        "GET /api/v2/flows/jobs/{jobId}": 1,
        "POST /oauth/token": 1,
      },
    });
  });

  it("sums every labelled sample of a Prometheus metric", () => {
    const text = [
      "# HELP x_total help",
      'x_total{kind="a"} 2',
      'x_total{kind="b"} 3',
      "x_total_other 100",
      "y 7",
    ].join("\n");
    expect(scrapeMetric(text, "x_total")).toBe(5);
    expect(scrapeMetric(text, "y")).toBe(7);
    expect(scrapeMetric(text, "absent")).toBe(0);
  });
});
