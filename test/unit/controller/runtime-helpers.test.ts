import { describe, expect, it } from "vitest";
import { Annotation } from "../../../src/api/ivr-promotion.js";
import { equalJitter, exponentialDelay, spreadJitter } from "../../../src/controller/backoff.js";
import { isGone, KubeApiError } from "../../../src/controller/kube-http.js";
import { microTime } from "../../../src/controller/lease.js";
import { objectKey, parseKey, updateMatters } from "../../../src/controller/predicates.js";
import { collectionPath } from "../../../src/controller/watch.js";
import type { KubeObject } from "../../../src/controller/watch-types.js";

/** Pure pieces of the controller runtime: predicates, delays, paths, MicroTime, Status errors. */

const obj = (meta: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  metadata: { name: "checkout", namespace: "team-a", generation: 1, resourceVersion: "10", ...meta },
});

describe("updateMatters (which watch updates enqueue)", () => {
  it("enqueues spec changes (generation), deletion and the trigger annotations", () => {
    expect(updateMatters(obj(), obj({ generation: 2 }))).toBe(true);
    expect(updateMatters(obj(), obj({ deletionTimestamp: "2026-01-01T00:00:00Z" }))).toBe(true);
    expect(updateMatters(obj(), obj({ annotations: { [Annotation.requestedAt]: "now" } }))).toBe(true);
    expect(updateMatters(obj(), obj({ annotations: { [Annotation.approvedPlan]: "sha256:1" } }))).toBe(true);
  });

  it("ignores status writes and unrelated metadata churn", () => {
    expect(updateMatters(obj(), obj({ resourceVersion: "11" }))).toBe(false);
    expect(updateMatters(obj(), obj({ labels: { a: "b" }, annotations: { "x/y": "z" } }))).toBe(false);
    const withStatus = { ...obj({ resourceVersion: "12" }), status: { observedGeneration: 1 } };
    expect(updateMatters(obj(), withStatus)).toBe(false);
  });

  it("round-trips work-queue keys", () => {
    expect(objectKey(obj())).toBe("team-a/checkout");
    expect(parseKey("team-a/checkout")).toEqual({ namespace: "team-a", name: "checkout" });
  });
});

describe("delays", () => {
  it("grows exponentially and caps", () => {
    const policy = { initialMs: 1_000, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 100].map((n) => exponentialDelay(policy, n))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
  });

  it("jitters within the documented bounds", () => {
    expect(equalJitter(1_000, () => 0)).toBe(500);
    expect(equalJitter(1_000, () => 1)).toBe(1_000);
    expect(spreadJitter(10_000, 0.05, () => 0)).toBe(9_500);
    expect(spreadJitter(10_000, 0.05, () => 1)).toBe(10_500);
  });
});

describe("kube helpers", () => {
  it("builds collection paths for custom and core resources", () => {
    const r = { group: "ivr.promoter.dev", version: "v1alpha1", plural: "ivrpromotions" };
    expect(collectionPath(r)).toBe("/apis/ivr.promoter.dev/v1alpha1/ivrpromotions");
    expect(collectionPath(r, "a")).toBe("/apis/ivr.promoter.dev/v1alpha1/namespaces/a/ivrpromotions");
    expect(collectionPath({ group: "", version: "v1", plural: "configmaps" }, "b")).toBe(
      "/api/v1/namespaces/b/configmaps",
    );
  });

  it("formats MicroTime with six fractional digits", () => {
    expect(microTime(new Date("2026-03-04T05:06:07.891Z"))).toBe("2026-03-04T05:06:07.891000Z");
  });

  it("recognises 410 Expired from a watch ERROR event's Status", () => {
    const status = { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" };
    const err = KubeApiError.fromStatus(500, status);
    expect(err.status).toBe(410);
    expect(isGone(err)).toBe(true);
    expect(isGone(KubeApiError.fromStatus(500, { code: 500, message: "etcd down" }))).toBe(false);
    expect(KubeApiError.fromStatus(429, {}, 3_000).retryAfterMs).toBe(3_000);
  });
});
