import { describe, expect, it } from "vitest";
import {
  applyOutcome,
  type Condition,
  ConditionSchema,
  computeKStatus,
  findCondition,
  type Outcome,
  Reason,
  setCondition,
  toRfc3339,
} from "../../../src/api/conditions.js";

const t0 = new Date("2026-03-01T10:00:00.123Z");
const t1 = new Date("2026-03-01T10:05:00Z");
const ctx = (generation: number, now = t1) => ({ generation, now });

/** type=status/reason, compactly, in order. */
const summary = (conditions: Condition[]) => conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

describe("setCondition", () => {
  const ready = {
    type: "Ready",
    status: "True",
    reason: "Succeeded",
    message: "ok",
    observedGeneration: 1,
  } as const;

  it("moves lastTransitionTime only when the status changes", () => {
    const first = setCondition([], ready, t0);
    expect(first[0]?.lastTransitionTime).toBe("2026-03-01T10:00:00Z");
    const same = setCondition(first, { ...ready, message: "still ok", observedGeneration: 2 }, t1);
    expect(same[0]).toMatchObject({
      lastTransitionTime: "2026-03-01T10:00:00Z",
      message: "still ok",
      observedGeneration: 2,
    });
    const flipped = setCondition(same, { ...ready, status: "False", reason: "ApplyFailed" }, t1);
    expect(flipped[0]?.lastTransitionTime).toBe("2026-03-01T10:05:00Z");
  });

  it("writes one-line, scrubbed messages and valid metav1 conditions", () => {
    const [c] = setCondition(
      [],
      { ...ready, message: "clone of https://bot:hunter2@git.example.com\nfailed" },
      t0,
    );
    expect(c?.message).toBe("clone of https://***@git.example.com failed");
    expect(ConditionSchema.safeParse(c).success).toBe(true);
  });

  it("keeps the position of existing conditions and does not mutate its input", () => {
    const list = setCondition(setCondition([], ready, t0), { ...ready, type: "Reconciling" }, t0);
    const before = structuredClone(list);
    const next = setCondition(list, { ...ready, status: "False" }, t1);
    expect(next.map((c) => c.type)).toEqual(["Ready", "Reconciling"]);
    expect(list).toEqual(before);
  });
});

describe("applyOutcome (kstatus lifecycle)", () => {
  it.each<[string, Outcome, string[]]>([
    [
      "starting work",
      { state: "Progressing", message: "fetching" },
      ["Ready=Unknown/Progressing", "Reconciling=True/Progressing"],
    ],
    ["success", { state: "Ready", message: "applied" }, ["Ready=True/Succeeded"]],
    [
      "a transient failure (retried by the controller)",
      { state: "Transient", reason: Reason.ApplyFailed, message: "502" },
      ["Ready=False/ApplyFailed", "Reconciling=True/ProgressingWithRetry"],
    ],
    [
      "waiting on a dependency",
      { state: "Waiting", reason: Reason.DependencyNotReady, message: "shared-modules not ready" },
      ["Ready=False/DependencyNotReady", "Reconciling=True/ProgressingWithRetry"],
    ],
    [
      "a stall (needs a human)",
      { state: "Stalled", reason: Reason.CycleDetected, message: "a -> b -> a" },
      ["Ready=False/CycleDetected", "Stalled=True/CycleDetected"],
    ],
  ])("%s", (_what, outcome, expected) => {
    const progressing = applyOutcome([], { state: "Progressing", message: "x" }, ctx(1, t0));
    const conditions = applyOutcome(progressing, outcome, ctx(2));
    expect(summary(conditions)).toEqual(expected);
    expect(conditions.every((c) => c.observedGeneration === 2 && ConditionSchema.safeParse(c).success)).toBe(
      true,
    );
  });

  it("clears Stalled once a new generation makes progress", () => {
    const stalled = applyOutcome(
      [],
      { state: "Stalled", reason: Reason.InvalidSpec, message: "bad" },
      ctx(1),
    );
    const fixed = applyOutcome(stalled, { state: "Ready", message: "applied" }, ctx(2));
    expect(findCondition(fixed, "Stalled")).toBeUndefined();
    expect(summary(fixed)).toEqual(["Ready=True/Succeeded"]);
  });
});

describe("computeKStatus", () => {
  const conditions = (outcome: Outcome) => applyOutcome([], outcome, ctx(1));
  const obj = (
    generation: number,
    observedGeneration: number,
    c: Condition[] = [],
    deletionTimestamp?: string,
  ) => ({
    metadata: { generation, deletionTimestamp },
    status: { observedGeneration, conditions: c },
  });

  it.each([
    ["Terminating", obj(1, 1, conditions({ state: "Ready", message: "" }), "2026-03-01T00:00:00Z")],
    ["InProgress", obj(2, 1, conditions({ state: "Ready", message: "" }))],
    ["InProgress", obj(1, 1, conditions({ state: "Progressing", message: "" }))],
    ["InProgress", obj(1, 1, conditions({ state: "Transient", message: "" }))],
    ["Failed", obj(1, 1, conditions({ state: "Stalled", message: "" }))],
    ["Current", obj(1, 1, conditions({ state: "Ready", message: "" }))],
  ] as const)("%s", (expected, input) => {
    expect(computeKStatus(input)).toBe(expected);
  });

  it("treats an object the controller never saw as in progress", () => {
    expect(computeKStatus({ metadata: { generation: 1 } })).toBe("InProgress");
  });
});

describe("toRfc3339", () => {
  it("drops fractional seconds like metav1.Time", () => {
    expect(toRfc3339(t0)).toBe("2026-03-01T10:00:00Z");
  });
});
