import { describe, expect, it } from "vitest";
import { Reason } from "../../../src/api/conditions.js";
import { forgetObject, recordReconcile } from "../../../src/controller/reconcile-metrics.js";
import { Metrics } from "../../../src/metrics.js";

const ref = { namespace: "cx", name: "prod" };
const ready = (status: "True" | "False", reason: string) => [
  { type: "Ready", status, reason, message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" },
];

async function value(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return sample?.value;
}

describe("reconcile metrics", () => {
  it("flags a plan waiting for approval, clears it once applied, and forgets a deleted object", async () => {
    const metrics = new Metrics();
    recordReconcile(metrics, ref, {
      result: "skipped",
      seconds: 0.1,
      reason: Reason.AwaitingApproval,
      conditions: ready("False", Reason.AwaitingApproval),
      suspended: false,
    });
    expect(await value(metrics, "ivr_promoter_awaiting_approval", ref)).toBe(1);
    expect(
      await value(metrics, "ivr_promoter_reconcile_condition", { ...ref, type: "Ready", status: "False" }),
    ).toBe(1);

    recordReconcile(metrics, ref, {
      result: "success",
      seconds: 0.2,
      conditions: ready("True", Reason.Succeeded),
      suspended: false,
    });
    expect(await value(metrics, "ivr_promoter_awaiting_approval", ref)).toBe(0);
    expect(
      await value(metrics, "ivr_promoter_reconcile_condition", { ...ref, type: "Ready", status: "True" }),
    ).toBe(1);

    await forgetObject(metrics, ref);
    expect(await value(metrics, "ivr_promoter_awaiting_approval", ref)).toBeUndefined();
  });

  it("raises verification_failed on a failed verdict, keeps it through the next verification, clears it on Ready", async () => {
    const metrics = new Metrics();
    const record = (status: "True" | "False" | "Unknown", reason: string) =>
      recordReconcile(metrics, ref, {
        result: "skipped",
        seconds: 0.1,
        conditions: [
          { type: "Ready", status, reason, message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" },
        ],
        suspended: false,
      });
    record("False", Reason.VerificationFailed);
    expect(await value(metrics, "ivr_promoter_verification_failed", ref)).toBe(1);
    record("Unknown", Reason.Verifying);
    expect(await value(metrics, "ivr_promoter_verifying", ref)).toBe(1);
    expect(await value(metrics, "ivr_promoter_verification_failed", ref)).toBe(1);
    record("True", Reason.Succeeded);
    expect(await value(metrics, "ivr_promoter_verification_failed", ref)).toBe(0);
    expect(await value(metrics, "ivr_promoter_verifying", ref)).toBe(0);
    await forgetObject(metrics, ref);
    expect(await value(metrics, "ivr_promoter_verification_failed", ref)).toBeUndefined();
  });
});
