import type { FlowSet } from "../flowset/flow-set.js";
import { flowKey, type DesiredFlow } from "./model.js";

/**
 * Turns a built flow set into the engine's desired flows: identity by (type, name), in-set
 * dependencies as keys, and the references that must already exist in the target org.
 */
export function desiredFromFlowSet(set: FlowSet): DesiredFlow[] {
  const keyOf = new Map(set.flows.map((f) => [f.path, flowKey(f.flow.apiType, f.flow.name)]));
  const deps = new Map<string, Set<string>>();
  for (const edge of set.edges) {
    const to = keyOf.get(edge.to);
    if (!to) continue;
    deps.set(edge.from, (deps.get(edge.from) ?? new Set()).add(to));
  }
  return set.flows.map((f) => ({
    key: keyOf.get(f.path) ?? flowKey(f.flow.apiType, f.flow.name),
    type: f.flow.apiType,
    name: f.flow.name,
    file: f.path,
    contentHash: `sha256:${f.contentHash}`,
    yaml: f.text,
    dependsOn: [...(deps.get(f.path) ?? [])].sort(),
    // Each flow's own reference: its line and path, not those of the first flow making it.
    external: set.external
      .filter((e) => e.usedBy.includes(f.path))
      .map((e) => e.byFlow[f.path] ?? e.reference),
  }));
}
