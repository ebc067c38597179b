import { DependencyCycleError } from "./errors.js";
import type { FlowReference } from "./types.js";

/**
 * The dependency graph of a flow set. A flow must be published before the flows that reference it
 * (Archy resolves references by name at publish time), so the order is leaf-first, in LEVELS:
 * level 0 has no dependency inside the set, level n depends only on levels < n, and the flows of one
 * level can be imported in parallel.
 */

/** A flow as the graph sees it; `id` is unique in the set (the file path). */
export interface GraphFlow {
  id: string;
  name: string;
  apiType: string;
  references: readonly FlowReference[];
}

/** `from` depends on `to` (so `to` goes first). */
export interface FlowEdge {
  from: string;
  to: string;
  via: "reference" | "dependsOn";
  /** The reference that made the edge (via "reference"). */
  reference?: FlowReference;
}

/** A reference that points outside the set: the object (or flow) must already exist in the org. */
export interface ExternalReference {
  /** The reference as the first flow (of `usedBy`) makes it. */
  reference: FlowReference;
  /** Ids (files) of the flows that make it. */
  usedBy: string[];
  /**
   * Each flow's own reference (flow id → reference), so a finding about flow B names B's line and
   * path rather than those of the first flow that made the same reference.
   */
  byFlow: Record<string, FlowReference>;
}

/** A flow reference whose name matches a flow of the set, but not its type. */
export interface TypeMismatch {
  from: string;
  reference: FlowReference;
  /** The set flows with that name (and another type). */
  candidates: GraphFlow[];
}

/** Edges between flows of the set, plus what stays outside. */
export interface ResolvedReferences {
  edges: FlowEdge[];
  external: ExternalReference[];
  mismatches: TypeMismatch[];
}

const nameKey = (name: string): string => name.trim().toLowerCase();

/**
 * Resolves flow references against the set: by name (case-insensitive, as Genesys flow names are)
 * and, when the reference fixes it, type. Extra edges (manifest `dependsOn`) are added as given.
 */
export function resolveReferences(
  flows: readonly GraphFlow[],
  extraEdges: ReadonlyArray<{ from: string; to: string }> = [],
): ResolvedReferences {
  const byName = new Map<string, GraphFlow[]>();
  for (const f of flows) byName.set(nameKey(f.name), [...(byName.get(nameKey(f.name)) ?? []), f]);
  const edges: FlowEdge[] = [];
  const seenEdges = new Set<string>();
  const addEdge = (edge: FlowEdge): void => {
    const id = `${edge.from}\u0000${edge.to}`;
    if (edge.from === edge.to || seenEdges.has(id)) return;
    seenEdges.add(id);
    edges.push(edge);
  };
  const external = new Map<string, ExternalReference>();
  const addExternal = (from: string, ref: FlowReference): void => {
    const id = [ref.kind, ref.category ?? "", ref.name, ref.flowType ?? ""].join("\u0000");
    const entry = external.get(id) ?? { reference: ref, usedBy: [], byFlow: {} };
    if (!entry.usedBy.includes(from)) entry.usedBy.push(from);
    entry.byFlow[from] ??= ref;
    external.set(id, entry);
  };
  const mismatches: TypeMismatch[] = [];

  for (const flow of flows) {
    for (const ref of flow.references) {
      if (ref.kind !== "flow") {
        addExternal(flow.id, ref);
        continue;
      }
      const sameName = byName.get(nameKey(ref.name)) ?? [];
      const targets = ref.flowType ? sameName.filter((f) => f.apiType === ref.flowType) : sameName;
      if (targets.length === 0) {
        if (sameName.length > 0) mismatches.push({ from: flow.id, reference: ref, candidates: sameName });
        addExternal(flow.id, ref);
        continue;
      }
      for (const target of targets)
        addEdge({ from: flow.id, to: target.id, via: "reference", reference: ref });
    }
  }
  for (const extra of extraEdges) addEdge({ from: extra.from, to: extra.to, via: "dependsOn" });
  return { edges, external: [...external.values()], mismatches };
}

/**
 * Leaf-first levels of flow ids. Throws {@link DependencyCycleError} (code "DependencyCycle") naming
 * the whole cycle, `A -> B -> A`, and the files involved.
 */
export function dependencyLevels(flows: readonly GraphFlow[], edges: readonly FlowEdge[]): string[][] {
  const ids = flows.map((f) => f.id);
  const deps = dependencyMap(ids, edges);
  const level = new Map<string, number>();
  const remaining = new Set(ids);
  const levels: string[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter((id) => [...(deps.get(id) ?? [])].every((d) => level.has(d)));
    if (ready.length === 0) {
      const cycle = findCycle([...remaining].sort(), deps) ?? [...remaining].sort();
      throw cycleError(cycle, flows);
    }
    ready.sort();
    for (const id of ready) {
      level.set(id, levels.length);
      remaining.delete(id);
    }
    levels.push(ready);
  }
  return levels;
}

function dependencyMap(ids: readonly string[], edges: readonly FlowEdge[]): Map<string, Set<string>> {
  const known = new Set(ids);
  const deps = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  for (const e of edges)
    if (known.has(e.from) && known.has(e.to) && e.from !== e.to) deps.get(e.from)!.add(e.to);
  return deps;
}

/**
 * A cycle among `candidates` as a closed walk `[a, b, ..., a]`, or undefined. Deterministic: starts
 * from the first candidate that is on a cycle and follows dependencies in sorted order.
 */
export function findCycle(
  candidates: readonly string[],
  deps: ReadonlyMap<string, ReadonlySet<string>>,
): string[] | undefined {
  const done = new Set<string>();
  for (const start of candidates) {
    const stack: string[] = [];
    const onStack = new Set<string>();
    const dfs = (id: string): string[] | undefined => {
      if (onStack.has(id)) return [...stack.slice(stack.indexOf(id)), id];
      if (done.has(id)) return undefined;
      stack.push(id);
      onStack.add(id);
      for (const next of [...(deps.get(id) ?? [])].sort()) {
        const found = dfs(next);
        if (found) return found;
      }
      stack.pop();
      onStack.delete(id);
      done.add(id);
      return undefined;
    };
    const found = dfs(start);
    if (found) return found;
  }
  return undefined;
}

/** `dependency cycle: A -> B -> A (a.yaml -> b.yaml -> a.yaml)`. */
function cycleError(cycle: readonly string[], flows: readonly GraphFlow[]): DependencyCycleError {
  const byId = new Map(flows.map((f) => [f.id, f]));
  const names = cycle.map((id) => byId.get(id)?.name ?? id);
  const message = `dependency cycle: ${names.join(" -> ")} (files: ${cycle.join(" -> ")})`;
  return new DependencyCycleError([...cycle], message);
}

/** Everything at once: resolved edges, external references and leaf-first levels (throws on a cycle). */
export function buildDependencyGraph(
  flows: readonly GraphFlow[],
  extraEdges: ReadonlyArray<{ from: string; to: string }> = [],
): ResolvedReferences & { levels: string[][] } {
  const resolved = resolveReferences(flows, extraEdges);
  return { ...resolved, levels: dependencyLevels(flows, resolved.edges) };
}
