import type { EmuReference } from "./archy/reference.js";
import type { FlowRecord, StoredReference } from "./flow-store.js";
import { flowDependencyType, kindInfo } from "./kinds.js";
import type { OrgState } from "./state.js";

/** A reference the org can satisfy, with the id it resolves to; undefined when it cannot. */
export function resolveReference(
  org: OrgState,
  ref: Pick<EmuReference, "kind" | "name" | "category" | "flowType" | "byId">,
): StoredReference | undefined {
  const base: StoredReference = { kind: ref.kind, name: ref.name, type: "" };
  if (ref.category !== undefined) base.category = ref.category;
  if (ref.flowType !== undefined) base.flowType = ref.flowType;
  if (ref.kind === "flow") {
    const flow = findReferencedFlow(org, ref.name, ref.flowType);
    if (!flow?.publishedVersionId) return undefined;
    return { ...base, type: flowDependencyType(flow.type), id: flow.id, version: flow.publishedVersionId };
  }
  const info = kindInfo(ref.kind);
  if (!info) return undefined;
  if (ref.byId) {
    // A literal id (`FindQueueById("…")`) must name an object of that kind in this org.
    const byId = org.objects.get(ref.name);
    return byId?.kind === info.kind
      ? { ...base, name: byId.name, type: info.dependencyType, id: byId.id }
      : undefined;
  }
  const object = org.objects.find(info.kind, ref.name, ref.kind === "dataAction" ? ref.category : undefined);
  return object ? { ...base, type: info.dependencyType, id: object.id } : undefined;
}

/** The live flow a by-name flow reference points at (of `flowType` when the construct fixes it). */
export function findReferencedFlow(org: OrgState, name: string, flowType?: string): FlowRecord | undefined {
  if (flowType) return org.flows.find(flowType, name);
  const candidates = org.flows.findByName(name);
  return candidates.find((f) => f.publishedVersionId !== undefined) ?? candidates[0];
}

/** Splits references into those the org resolves and those it does not. Built-in system prompts always resolve. */
export function resolveAll(
  org: OrgState,
  refs: readonly EmuReference[],
): { resolved: StoredReference[]; missing: EmuReference[] } {
  const resolved: StoredReference[] = [];
  const missing: EmuReference[] = [];
  for (const ref of refs) {
    if (ref.name.startsWith("PromptSystem.")) continue;
    const hit = resolveReference(org, ref);
    if (!hit) missing.push(ref);
    // A flow's division must exist, but it is where the flow lives, not something it consumes:
    // dependency tracking does not list it.
    else if (ref.kind !== "division") resolved.push(hit);
  }
  return { resolved, missing };
}

/** Re-checks a stored version's references against the org as it is now; returns the ones now missing. */
export function missingNow(org: OrgState, refs: readonly StoredReference[]): StoredReference[] {
  return refs.filter((r) => {
    if (r.kind === "flow") {
      const flow = r.id ? org.flows.get(r.id) : undefined;
      return !flow || flow.deleted || flow.publishedVersionId === undefined;
    }
    return !(r.id && org.objects.get(r.id));
  });
}

/** Live flows whose published or checked-in version consumes the object or flow `id`. */
export function consumersOf(org: OrgState, id: string): FlowRecord[] {
  return org.flows.all().filter((f) => {
    if (f.deleted || f.id === id) return false;
    const active = new Set([f.publishedVersionId, f.checkedInVersionId]);
    return f.versions.some((v) => active.has(v.id) && v.references.some((r) => r.id === id));
  });
}
