import { describe, expect, it } from "vitest";
import { DependencyCycleError } from "../../../src/flowset/errors.js";
import { buildDependencyGraph, type GraphFlow } from "../../../src/flowset/graph.js";
import type { FlowReference } from "../../../src/flowset/types.js";

const ref = (name: string, flowType?: string): FlowReference => ({
  kind: "flow",
  name,
  path: "x",
  ...(flowType ? { flowType } : {}),
});
const node = (id: string, name: string, apiType: string, references: FlowReference[] = []): GraphFlow => ({
  id,
  name,
  apiType,
  references,
});

describe("buildDependencyGraph", () => {
  it("orders leaf-first in levels that can run in parallel", () => {
    const graph = buildDependencyGraph([
      node("main.yaml", "Main", "INBOUNDCALL", [ref("Menu", "COMMONMODULE"), ref("Hold", "INQUEUECALL")]),
      node("menu.yaml", "Menu", "COMMONMODULE", [ref("Bot", "BOT")]),
      node("hold.yaml", "Hold", "INQUEUECALL"),
      node("bot.yaml", "Bot", "BOT"),
      node("other.yaml", "Other", "INBOUNDCALL"),
    ]);
    expect(graph.levels).toEqual([["bot.yaml", "hold.yaml", "other.yaml"], ["menu.yaml"], ["main.yaml"]]);
  });

  it("resolves by name (case-insensitive) and type; references outside the set are external", () => {
    const queue: FlowReference = { kind: "queue", name: "Sales", path: "q" };
    const graph = buildDependencyGraph([
      node("a.yaml", "A", "INBOUNDCALL", [ref("b", "BOT"), ref("Elsewhere"), ref("A"), queue]),
      node("b.yaml", "B", "BOT"),
      node("c.yaml", "C", "INBOUNDCALL", [queue, ref("B")]),
    ]);
    expect(graph.edges.map((e) => `${e.from}->${e.to}`)).toEqual(["a.yaml->b.yaml", "c.yaml->b.yaml"]);
    expect(graph.external).toEqual([
      { reference: ref("Elsewhere"), usedBy: ["a.yaml"], byFlow: { "a.yaml": ref("Elsewhere") } },
      { reference: queue, usedBy: ["a.yaml", "c.yaml"], byFlow: { "a.yaml": queue, "c.yaml": queue } },
    ]);
    expect(graph.mismatches).toEqual([]);
  });

  it("reports a typed reference that only matches a flow of another type, and keeps it external", () => {
    const graph = buildDependencyGraph([
      node("a.yaml", "A", "INBOUNDCALL", [ref("Hold", "INQUEUECALL")]),
      node("hold.yaml", "Hold", "INBOUNDCALL"),
    ]);
    expect(graph.edges).toEqual([]);
    expect(
      graph.mismatches.map((m) => `${m.from} ${m.reference.name} ${m.candidates.map((c) => c.id)}`),
    ).toEqual(["a.yaml Hold hold.yaml"]);
    expect(graph.external.map((e) => e.reference.name)).toEqual(["Hold"]);
  });

  it("adds manifest dependsOn edges", () => {
    const graph = buildDependencyGraph(
      [node("a.yaml", "A", "INBOUNDCALL"), node("b.yaml", "B", "WORKFLOW")],
      [{ from: "a.yaml", to: "b.yaml" }],
    );
    expect(graph.edges).toEqual([{ from: "a.yaml", to: "b.yaml", via: "dependsOn" }]);
    expect(graph.levels).toEqual([["b.yaml"], ["a.yaml"]]);
  });

  it("rejects a cycle, naming the whole cycle and its files", () => {
    const flows = [
      node("a.yaml", "A", "COMMONMODULE", [ref("B", "COMMONMODULE")]),
      node("b.yaml", "B", "COMMONMODULE", [ref("C", "COMMONMODULE")]),
      node("c.yaml", "C", "COMMONMODULE", [ref("A", "COMMONMODULE")]),
      node("d.yaml", "D", "INBOUNDCALL", [ref("A", "COMMONMODULE")]),
    ];
    let error: unknown;
    try {
      buildDependencyGraph(flows);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DependencyCycleError);
    const cycle = error as DependencyCycleError;
    expect(cycle.code).toBe("DependencyCycle");
    expect(cycle.reason).toBe("Stalled");
    expect(cycle.message).toBe(
      "dependency cycle: A -> B -> C -> A (files: a.yaml -> b.yaml -> c.yaml -> a.yaml)",
    );
    expect(cycle.cycle).toEqual(["a.yaml", "b.yaml", "c.yaml", "a.yaml"]);
  });

  it("also finds a cycle made by a dependsOn edge", () => {
    expect(() =>
      buildDependencyGraph(
        [node("a.yaml", "A", "INBOUNDCALL", [ref("B")]), node("b.yaml", "B", "BOT")],
        [{ from: "b.yaml", to: "a.yaml" }],
      ),
    ).toThrow("dependency cycle: A -> B -> A (files: a.yaml -> b.yaml -> a.yaml)");
  });
});
