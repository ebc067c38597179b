import { describe, expect, it } from "vitest";
import { ChangeWindowsSchema } from "../../../src/api/change-windows.js";
import { applyOutcome, computeKStatus } from "../../../src/api/conditions.js";
import { IvrPromotionSchema, type IvrPromotion } from "../../../src/api/ivr-promotion.js";
import { ChangeWindowSchedule } from "../../../src/engine/change-window.js";
import type { Plan } from "../../../src/engine/model.js";
import { Metrics } from "../../../src/metrics.js";
import {
  OutsideChangeWindowError,
  annotationManager,
  heldOutcome,
  parseOverride,
} from "../../../src/controller/steps/change-window.js";
import { StatusDraft } from "../../../src/controller/status.js";

const HASH = `sha256:${"ab".repeat(16)}`;

function object(
  extra: { annotations?: Record<string, string>; managedFields?: unknown[] } = {},
): IvrPromotion {
  return IvrPromotionSchema.parse({
    apiVersion: "ivr.promoter.dev/v1alpha1",
    kind: "IvrPromotion",
    metadata: { name: "prod", namespace: "cx", generation: 2, ...extra },
    spec: {
      source: { url: "https://example.com/flows.git", ref: { branch: "main" } },
      path: ".",
      environment: "prod",
      target: { region: "eu-central-1", credentialsSecretRef: { name: "genesys" } },
      interval: "10m",
      changeWindows: { timeZone: "Europe/Berlin", allow: [{ cron: "0 22 * * *", duration: "6h" }] },
    },
  });
}

const plan: Plan = {
  revision: `main@sha1:${"1".repeat(40)}`,
  target: "prod (org)",
  actions: [],
  summary: { create: 0, update: 2, drifted: 0, unchanged: 5, prune: 0 },
  hash: HASH,
};

describe("change-window override annotation", () => {
  it("is '<planHash> <reason>'", () => {
    expect(parseOverride(`${HASH} INC-1: wrong queue`)).toEqual({
      planHash: HASH,
      reason: "INC-1: wrong queue",
    });
    expect(parseOverride(`${HASH}   multi\nline  reason `)).toEqual({
      planHash: HASH,
      reason: "multi line reason",
    });
    expect(parseOverride(HASH)).toBeUndefined(); // a reason is required
    expect(parseOverride("INC-1 please")).toBeUndefined();
    expect(parseOverride(`sha256:abc ${"x"}`)).toBeUndefined();
  });

  it("names the field manager that set it last, from managedFields", () => {
    const field = { "f:metadata": { "f:annotations": { "f:ivr.promoter.dev/change-window-override": {} } } };
    const obj = object({
      managedFields: [
        { manager: "kubectl-client-side-apply", time: "2026-12-01T10:00:00Z", fieldsV1: { "f:spec": {} } },
        { manager: "kubectl-annotate", time: "2026-12-01T09:00:00Z", fieldsV1: field },
        { manager: "argocd", time: "2026-12-01T11:00:00Z", fieldsV1: field },
      ],
    });
    expect(annotationManager(obj, "ivr.promoter.dev/change-window-override")).toBe("argocd");
    expect(annotationManager(object(), "ivr.promoter.dev/change-window-override")).toBeUndefined();
  });
});

describe("heldOutcome", () => {
  const now = new Date("2026-12-02T10:00:00Z"); // 11:00 in Berlin
  const schedule = new ChangeWindowSchedule(
    ChangeWindowsSchema.parse({ timeZone: "Europe/Berlin", allow: [{ cron: "0 22 * * *", duration: "6h" }] }),
  );

  it("says when the next window opens, in the zone and relative, and requeues then or at the interval", () => {
    const obj = object();
    const draft = new StatusDraft(obj, now);
    const err = new OutsideChangeWindowError(plan, schedule.evaluate(now), undefined, undefined);
    const held = heldOutcome(err, obj.spec, draft, now, new Metrics(), { namespace: "cx", name: "prod" });
    expect(held.outcome).toMatchObject({
      state: "Progressing",
      reason: "OutsideChangeWindow",
      message: "Outside change windows: main@sha1:11111111 waits for 2026-12-02T22:00:00+01:00",
    });
    expect(held.outcome.reconcilingMessage).toBe(
      `Plan ${HASH} for ${plan.revision} (0 created, 2 updated, 5 unchanged) held, outside every allow window; ` +
        "the next window opens 2026-12-02T22:00:00+01:00 Europe/Berlin (in 11h0m); to write it now, set " +
        `annotation ivr.promoter.dev/change-window-override="${HASH} <reason>"`,
    );
    expect(draft.next.changeWindowHold).toMatchObject({
      planHash: HASH,
      heldSince: "2026-12-02T10:00:00Z",
      nextOpenAt: "2026-12-02T21:00:00Z",
    });
    // The window is 11 h away and the interval 10 min (jittered ±10 %): the interval comes first.
    expect(held.requeueAfterMs).toBeGreaterThanOrEqual(540_000);
    expect(held.requeueAfterMs).toBeLessThanOrEqual(660_000);

    // Near the opening, the requeue is the opening itself, plus a second.
    const soon = new Date("2026-12-02T20:59:30Z");
    const close = new OutsideChangeWindowError(plan, schedule.evaluate(soon), undefined, undefined);
    const later = heldOutcome(close, obj.spec, new StatusDraft(obj, soon), soon, new Metrics(), {
      namespace: "cx",
      name: "prod",
    });
    expect(later.requeueAfterMs).toBe(31_000);
  });

  it("keeps heldSince for the same plan, and folds a recovery's restored versions into the inventory", () => {
    const obj = object();
    obj.status = {
      changeWindowHold: {
        revision: plan.revision,
        planHash: HASH,
        summary: { create: 0, update: 2, drifted: 0, unchanged: 5, prune: 0 },
        heldSince: "2026-12-01T08:00:00Z",
        why: "outside every allow window",
      },
      inventory: [
        { type: "INBOUNDCALL", name: "Main Menu", id: "f1", publishedVersion: "3.0", contentHash: "h1" },
        { type: "INBOUNDCALL", name: "Billing", id: "f2", publishedVersion: "2.0", contentHash: "h2" },
      ],
    };
    const draft = new StatusDraft(obj, now);
    const recovered = {
      restored: ["INBOUNDCALL/Main Menu"],
      errors: [],
      versions: { "INBOUNDCALL/Main Menu": "5.0" },
    };
    const err = new OutsideChangeWindowError(
      plan,
      schedule.evaluate(now),
      recovered,
      "names plan x, not this one",
    );
    const held = heldOutcome(err, obj.spec, draft, now, new Metrics(), { namespace: "cx", name: "prod" });
    expect(draft.next.changeWindowHold?.heldSince).toBe("2026-12-01T08:00:00Z");
    expect(draft.next.inventory?.map((e) => e.publishedVersion)).toEqual(["5.0", "2.0"]);
    expect(held.outcome.reconcilingMessage).toMatch(/\(names plan x, not this one\)$/);
  });
});

describe("the held conditions", () => {
  it("keep the changing detail out of Ready (whose message keys Events), and read as InProgress", () => {
    const ctx = { generation: 3, now: new Date("2026-12-02T10:00:00Z") };
    const conditions = applyOutcome(
      [
        {
          type: "Ready",
          status: "True",
          reason: "Succeeded",
          message: "Applied",
          lastTransitionTime: "2026-12-01T00:00:00Z",
        },
      ],
      {
        state: "Progressing",
        reason: "OutsideChangeWindow",
        message: "waits for T",
        reconcilingMessage: "T (in 3h)",
      },
      ctx,
    );
    expect(conditions).toEqual([
      expect.objectContaining({
        type: "Ready",
        status: "Unknown",
        reason: "OutsideChangeWindow",
        message: "waits for T",
      }),
      expect.objectContaining({
        type: "Reconciling",
        status: "True",
        reason: "OutsideChangeWindow",
        message: "T (in 3h)",
      }),
    ]);
    const obj = { metadata: { generation: 3 }, status: { observedGeneration: 2, conditions } };
    expect(computeKStatus(obj)).toBe("InProgress");
  });
});
