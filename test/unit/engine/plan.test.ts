import { describe, expect, it } from "vitest";
import { buildPlan, computeLevels } from "../../../src/engine/plan.js";
import {
  flowKey,
  type DesiredFlow,
  type InventoryEntry,
  type ObservedFlow,
} from "../../../src/engine/model.js";

function desired(type: string, name: string, hash: string, dependsOn: string[] = []): DesiredFlow {
  return {
    key: flowKey(type, name),
    type,
    name,
    file: `${name}.yaml`,
    contentHash: hash,
    yaml: "",
    dependsOn,
    external: [],
  };
}
function observed(type: string, name: string, id: string, publishedVersion?: string): ObservedFlow {
  return { key: flowKey(type, name), type, name, id, publishedVersion };
}
function applied(
  type: string,
  name: string,
  id: string,
  publishedVersion: string,
  hash: string,
): InventoryEntry {
  return { type, name, id, publishedVersion, contentHash: hash };
}

const bot = desired("BOT", "Bot", "h-bot");
const queueFlow = desired("INQUEUECALL", "Hold", "h-hold");
const main = desired("INBOUNDCALL", "Main", "h-main", [bot.key, queueFlow.key]);
const base = { revision: "abc123", target: "org-1" };

describe("buildPlan", () => {
  it("creates everything in a fresh org, dependencies first", () => {
    const plan = buildPlan({ ...base, desired: [main, bot, queueFlow], observed: [], inventory: [] });
    expect(plan.actions.map((a) => [a.kind, a.key, a.level])).toEqual([
      ["create", "BOT/Bot", 0],
      ["create", "INQUEUECALL/Hold", 0],
      ["create", "INBOUNDCALL/Main", 1],
    ]);
    expect(plan.actions[2]?.after).toEqual(["BOT/Bot", "INQUEUECALL/Hold"]);
    expect(plan.summary).toEqual({ create: 3, update: 0, drifted: 0, unchanged: 0, prune: 0 });
  });

  it("is a no-op when the org holds what we applied and Git did not change", () => {
    const plan = buildPlan({
      ...base,
      desired: [main, bot],
      observed: [observed("INBOUNDCALL", "Main", "m1", "3.0"), observed("BOT", "Bot", "b1", "1.0")],
      inventory: [
        applied("INBOUNDCALL", "Main", "m1", "3.0", "h-main"),
        applied("BOT", "Bot", "b1", "1.0", "h-bot"),
      ],
    });
    expect(plan.actions.every((a) => a.kind === "unchanged")).toBe(true);
    expect(plan.actions.every((a) => a.after.length === 0)).toBe(true);
  });

  it("updates changed content, reports drift, and adopts flows it never applied", () => {
    const plan = buildPlan({
      ...base,
      desired: [main, bot, queueFlow],
      observed: [
        observed("INBOUNDCALL", "Main", "m1", "3.0"),
        observed("BOT", "Bot", "b1", "2.0"),
        observed("INQUEUECALL", "Hold", "q1", "1.0"),
      ],
      inventory: [
        applied("INBOUNDCALL", "Main", "m1", "3.0", "old"),
        applied("BOT", "Bot", "b1", "1.0", "h-bot"),
      ],
    });
    const kinds = Object.fromEntries(plan.actions.map((a) => [a.key, a.kind]));
    expect(kinds).toEqual({
      "BOT/Bot": "drifted",
      "INQUEUECALL/Hold": "update",
      "INBOUNDCALL/Main": "update",
    });
    expect(plan.actions.find((a) => a.key === "BOT/Bot")?.detail).toBe(
      "published version 2.0 differs from 1.0 we applied",
    );
  });

  it("treats a flow recreated under a new id as not applied by us", () => {
    const plan = buildPlan({
      ...base,
      desired: [bot],
      observed: [observed("BOT", "Bot", "b2", "1.0")],
      inventory: [applied("BOT", "Bot", "b1", "1.0", "h-bot")],
    });
    expect(plan.actions[0]?.kind).toBe("update");
  });

  it("prunes only when asked, and only flows it applied that still exist with the same id", () => {
    const input = {
      ...base,
      desired: [bot],
      observed: [observed("BOT", "Bot", "b1", "1.0"), observed("BOT", "Old", "o1", "1.0")],
      inventory: [
        applied("BOT", "Bot", "b1", "1.0", "h-bot"),
        applied("BOT", "Old", "o1", "1.0", "x"),
        applied("BOT", "Gone", "g1", "1.0", "x"),
      ],
    };
    expect(buildPlan(input).summary.prune).toBe(0);
    const pruned = buildPlan({ ...input, prune: true }).actions.filter((a) => a.kind === "prune");
    expect(pruned.map((a) => [a.key, a.current?.id])).toEqual([["BOT/Old", "o1"]]);
  });

  it("waits only for dependencies written in the same run", () => {
    const plan = buildPlan({
      ...base,
      desired: [main, bot, queueFlow],
      observed: [observed("BOT", "Bot", "b1", "1.0")],
      inventory: [applied("BOT", "Bot", "b1", "1.0", "h-bot")],
    });
    expect(plan.actions.find((a) => a.key === main.key)?.after).toEqual(["INQUEUECALL/Hold"]);
  });

  it("has a stable hash that changes with what will be written", () => {
    const input = { ...base, desired: [main, bot, queueFlow], observed: [], inventory: [] };
    const a = buildPlan(input);
    const b = buildPlan({ ...input, desired: [queueFlow, bot, main] });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{32}$/);
    const changed = buildPlan({ ...input, desired: [main, bot, { ...queueFlow, contentHash: "other" }] });
    expect(changed.hash).not.toBe(a.hash);
    expect(buildPlan({ ...input, revision: "def456" }).hash).not.toBe(a.hash);
  });
});

describe("computeLevels", () => {
  it("gives each flow one more than its deepest dependency", () => {
    const c = desired("COMMONMODULE", "C", "c");
    const b2 = desired("BOT", "B", "b", [c.key]);
    const a = desired("INBOUNDCALL", "A", "a", [b2.key, c.key]);
    expect(Object.fromEntries(computeLevels([a, b2, c]))).toEqual({
      "COMMONMODULE/C": 0,
      "BOT/B": 1,
      "INBOUNDCALL/A": 2,
    });
  });
});

describe("cycles (cycle policy BreakWithStubs)", () => {
  const a = desired("INBOUNDCALL", "A", "a", ["INBOUNDCALL/B"]);
  const b = desired("INBOUNDCALL", "B", "b", ["INBOUNDCALL/A"]);

  it("cuts the edge that closes a cycle and lets the near side create the far side as a stub", () => {
    const plan = buildPlan({ ...base, desired: [a, b], observed: [], inventory: [] });
    const byKey = Object.fromEntries(plan.actions.map((x) => [x.key, { after: x.after, stubs: x.stubs }]));
    expect(byKey).toEqual({
      "INBOUNDCALL/A": { after: ["INBOUNDCALL/B"], stubs: [] },
      "INBOUNDCALL/B": { after: [], stubs: ["INBOUNDCALL/A"] },
    });
  });

  it("needs no stub when the far side already exists in the org", () => {
    const plan = buildPlan({
      ...base,
      desired: [a, b],
      observed: [observed("INBOUNDCALL", "A", "a1", "1.0")],
      inventory: [],
    });
    expect(plan.actions.find((x) => x.key === "INBOUNDCALL/B")).toMatchObject({ after: [], stubs: [] });
  });
});
