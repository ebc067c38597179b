import { describe, expect, it } from "vitest";
import { Reason } from "../../../src/api/conditions.js";
import { IvrPromotionSchema, type IvrPromotion } from "../../../src/api/ivr-promotion.js";
import { ApplyFailedError, PreflightFailedError, PlanChangedError } from "../../../src/engine/errors.js";
import { AuthError, RateLimitedError } from "../../../src/genesys/index.js";
import { GitRefNotFoundError } from "../../../src/source/index.js";
import { SecretRefError } from "../../../src/controller/credentials.js";
import { journalConfigMapName } from "../../../src/controller/journal-store.js";
import { jitter, outcomeForError, reasonForError, requeueAfter } from "../../../src/controller/outcome.js";
import { stalledBefore } from "../../../src/controller/stall-gate.js";
import { StatusDraft, canonical } from "../../../src/controller/status.js";
import { TargetLocks, targetLockKey } from "../../../src/controller/target-lock.js";

/** A parsed IvrPromotion with defaults applied, as the reconciler sees it. */
function promotion(
  extra: { status?: unknown; annotations?: Record<string, string>; generation?: number } = {},
): IvrPromotion {
  return IvrPromotionSchema.parse({
    apiVersion: "ivr.promoter.dev/v1alpha1",
    kind: "IvrPromotion",
    metadata: {
      name: "p",
      namespace: "ns",
      generation: extra.generation ?? 2,
      annotations: extra.annotations,
    },
    spec: {
      source: { url: "https://git.example.com/flows.git", ref: { branch: "main" } },
      path: "flows",
      environment: "prod",
      target: { endpoint: "http://127.0.0.1:1", credentialsSecretRef: { name: "creds" } },
      interval: "10m",
      retryInterval: "1m",
    },
    status: extra.status,
  });
}

describe("error → condition reason", () => {
  it("maps engine, client, source and secret errors to stable reasons", () => {
    const missing = new PreflightFailedError([
      { flow: "INBOUNDCALL/Main", code: "ReferenceNotFound", message: "queue 'X' not found" },
    ]);
    const locked = new PreflightFailedError(
      [{ flow: "INBOUNDCALL/Main", code: "FlowLocked", message: "locked" }],
      "Waiting",
    );
    expect(reasonForError(missing, "apply")).toBe(Reason.PreflightFailed);
    expect(reasonForError(locked, "apply")).toBe(Reason.Locked);
    expect(reasonForError(new ApplyFailedError("A", ["A"], [], new Error("boom"), "Stalled"), "apply")).toBe(
      Reason.RolledBack,
    );
    expect(
      reasonForError(new ApplyFailedError("A", [], ["A: gone"], new Error("boom"), "Stalled"), "apply"),
    ).toBe(Reason.ApplyFailed);
    expect(reasonForError(new RateLimitedError("GET", "/api/v2/flows", 5000), "apply")).toBe(
      Reason.RateLimited,
    );
    expect(reasonForError(new AuthError("invalid_client"), "apply")).toBe(Reason.AuthenticationFailed);
    expect(reasonForError(new GitRefNotFoundError("branch x not found"), "source")).toBe(Reason.SourceFailed);
    expect(reasonForError(new PlanChangedError("a", "b"), "apply")).toBe(Reason.AwaitingApproval);
    expect(reasonForError(new SecretRefError("SecretNotFound", "x"), "target")).toBe(Reason.SecretNotFound);
    expect(reasonForError(new SecretRefError("SecretNotFound", "x"), "source")).toBe(Reason.SecretNotFound);
    // A refused read or an unusable Secret is still about credentials, not a missing object.
    expect(reasonForError(new SecretRefError("SecretForbidden", "x"), "target")).toBe(
      Reason.AuthenticationFailed,
    );
    expect(reasonForError(new SecretRefError("SecretKeyMissing", "x"), "source")).toBe(Reason.SourceFailed);
  });

  it("keeps secret values out of the message and marks bugs as internal errors", () => {
    const outcome = outcomeForError(new Error("token s3cr3t-value leaked"), "apply", ["s3cr3t-value"]);
    expect(outcome).toEqual({
      state: "Transient",
      reason: undefined,
      message: "internal error: token *** leaked",
    });
  });
});

describe("requeue", () => {
  const spec = promotion().spec;
  it("jitters the interval by at most 10% on success", () => {
    expect(jitter(600_000, 0.1, () => 0)).toBe(540_000);
    expect(jitter(600_000, 0.1, () => 1)).toBe(660_000);
    const ms = requeueAfter({ state: "Ready", message: "" }, spec);
    expect(ms).toBeGreaterThanOrEqual(540_000);
    expect(ms).toBeLessThanOrEqual(660_000);
  });
  it("retries Waiting/Transient after retryInterval or the error's own hint, never Stalled", () => {
    expect(requeueAfter({ state: "Transient", message: "" }, spec)).toBe(60_000);
    expect(
      requeueAfter({ state: "Waiting", message: "" }, spec, new RateLimitedError("GET", "/x", 5_000)),
    ).toBe(5_000);
    expect(requeueAfter({ state: "Stalled", message: "" }, spec)).toBeUndefined();
  });
});

describe("StatusDraft", () => {
  const now = new Date("2030-01-02T03:04:05.678Z");
  it("observes the generation only on Ready or Stalled, and patches only what changed", () => {
    const draft = new StatusDraft(
      promotion({
        status: {
          pendingPlan: {
            revision: "r",
            planHash: "h",
            summary: { create: 1, update: 0, unchanged: 0, drifted: 0, prune: 0 },
          },
        },
      }),
      now,
    );
    draft.finish({ state: "Waiting", reason: Reason.DependencyNotReady, message: "waiting" });
    expect(draft.next.observedGeneration).toBeUndefined();
    draft.next.pendingPlan = undefined;
    draft.finish({ state: "Ready", message: "Applied revision r: 1 created, 0 updated, 0 unchanged" });
    expect(draft.next.observedGeneration).toBe(2);
    const body = draft.patchBody();
    expect(body?.pendingPlan).toBeNull();
    expect(body?.conditions).toEqual([
      {
        type: "Ready",
        status: "True",
        reason: "Succeeded",
        message: "Applied revision r: 1 created, 0 updated, 0 unchanged",
        observedGeneration: 2,
        lastTransitionTime: "2030-01-02T03:04:05Z",
      },
    ]);
  });
  it("suspends with Ready's status kept and reason Suspended", () => {
    const ready = {
      type: "Ready",
      status: "True",
      reason: "Succeeded",
      message: "ok",
      observedGeneration: 1,
      lastTransitionTime: "2029-01-01T00:00:00Z",
    };
    const draft = new StatusDraft(promotion({ status: { conditions: [ready] } }), now);
    draft.suspend("Reconciliation is suspended");
    expect(draft.ready).toMatchObject({
      status: "True",
      reason: "Suspended",
      lastTransitionTime: "2029-01-01T00:00:00Z",
    });
  });
  it("sends no patch when nothing changed, whatever the key order the server returned", () => {
    const ready = {
      type: "Ready",
      status: "True",
      reason: "Succeeded",
      message: "ok",
      observedGeneration: 2,
      lastTransitionTime: "2029-01-01T00:00:00Z",
    };
    const reordered = Object.fromEntries(Object.entries(ready).reverse());
    const draft = new StatusDraft(
      promotion({ status: { observedGeneration: 2, conditions: [reordered] } }),
      now,
    );
    draft.finish({ state: "Ready", message: "ok" });
    expect(draft.patchBody()).toBeUndefined();
    expect(canonical({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});

describe("StatusDraft migration of older status", () => {
  const now = new Date("2030-01-02T03:04:05.678Z");
  const sha = "1b7d2f3a" + "9".repeat(32);
  it("fills the short revision an older operator did not write, on any reconcile", () => {
    const draft = new StatusDraft(promotion({ status: { lastAppliedRevision: `main@sha1:${sha}` } }), now);
    draft.suspend("Reconciliation is suspended");
    expect(draft.patchBody()?.lastAppliedRevisionShort).toBe("main@sha1:1b7d2f3a");
  });
  it("leaves a status without an applied revision, or already migrated, as it is", () => {
    expect(new StatusDraft(promotion({ status: {} }), now).patchBody()).toBeUndefined();
    const current = {
      lastAppliedRevision: `main@sha1:${sha}`,
      lastAppliedRevisionShort: "main@sha1:1b7d2f3a",
    };
    expect(new StatusDraft(promotion({ status: current }), now).patchBody()).toBeUndefined();
  });
});

describe("stall gate", () => {
  const stalled = {
    type: "Stalled",
    status: "True",
    reason: "RenderFailed",
    message: "bad",
    observedGeneration: 2,
    lastTransitionTime: "2029-01-01T00:00:00Z",
  };
  it("skips a stalled generation+revision until a new reconcile request", () => {
    const status = {
      conditions: [stalled],
      lastAttemptedRevision: "main@sha1:aaa",
      lastHandledReconcileAt: "t1",
    };
    expect(stalledBefore(promotion({ status }), "main@sha1:aaa")).toBe(true);
    expect(stalledBefore(promotion({ status }), "main@sha1:bbb")).toBe(false);
    expect(stalledBefore(promotion({ status, generation: 3 }), "main@sha1:aaa")).toBe(false);
    const annotations = { "ivr.promoter.dev/requested-at": "t2" };
    expect(stalledBefore(promotion({ status, annotations }), "main@sha1:aaa")).toBe(false);
  });
});

describe("TargetLocks", () => {
  it("runs holders of one key one after another and others in parallel", async () => {
    const locks = new TargetLocks();
    const key = targetLockKey({ endpoint: "http://emu/" }, "client");
    expect(key).toBe(targetLockKey({ endpoint: "http://emu" }, "client"));
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = locks.run(key, async () => {
      order.push("first:start");
      await gate;
      order.push("first:end");
    });
    const second = locks.run(key, async () => void order.push("second"));
    const other = locks.run("other", async () => void order.push("other"));
    await other;
    expect(order).toEqual(["first:start", "other"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first:start", "other", "first:end", "second"]);
    await new Promise((r) => setImmediate(r)); // let the bookkeeping callbacks run
    expect(locks.size).toBe(0);
  });
  it("stops waiting when the signal aborts, without letting the next holder jump the queue", async () => {
    const locks = new TargetLocks();
    let release!: () => void;
    const first = locks.run("k", () => new Promise<void>((r) => (release = r)));
    const abort = new AbortController();
    const waiting = locks.run("k", async () => "ran", abort.signal);
    abort.abort(new Error("shutdown"));
    await expect(waiting).rejects.toThrow("shutdown");
    let third = false;
    const next = locks.run("k", async () => {
      third = true;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    release();
    await Promise.all([first, next]);
    expect(third).toBe(true);
  });
});

describe("journal ConfigMap name", () => {
  it("is <name>-ivr-journal, shortened with a hash when too long", () => {
    expect(journalConfigMapName("prod")).toBe("prod-ivr-journal");
    const long = journalConfigMapName("a".repeat(250));
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long.endsWith("-ivr-journal")).toBe(true);
  });
});
