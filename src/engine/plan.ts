import { createHash } from "node:crypto";
import {
  flowKey,
  isWrite,
  type DesiredFlow,
  type InventoryEntry,
  type ObservedFlow,
  type Plan,
  type PlanAction,
  type PlanSummary,
} from "./model.js";

/** Inputs of {@link buildPlan}; all plain data, already fetched. */
export interface PlanInput {
  revision: string;
  target: string;
  desired: readonly DesiredFlow[];
  observed: readonly ObservedFlow[];
  inventory: readonly InventoryEntry[];
  /** Delete flows we applied before that left the set. Off by default: never delete what we were not asked to. */
  prune?: boolean;
}

/**
 * Builds the ordered plan. Pure: the same inputs always give the same plan and hash.
 *
 * A flow is `unchanged` only when the org's published version is the one we published last time and the
 * rendered content hash is the same; so a no-op reconcile writes nothing. When the published version moved
 * since our last apply, someone published out of band: `drifted`, and we put Git's content back.
 */
export function buildPlan(input: PlanInput): Plan {
  const observed = new Map(input.observed.map((f) => [f.key, f]));
  const inventory = new Map(input.inventory.map((e) => [flowKey(e.type, e.name), e]));
  const levels = computeLevels(input.desired);
  const actions: PlanAction[] = input.desired.map((flow) =>
    decide(flow, observed.get(flow.key), inventory.get(flow.key), levels.get(flow.key) ?? 0),
  );
  // A flow waits only for dependencies written in this run; unchanged ones are already in place.
  const writing = new Set(actions.filter(isWrite).map((a) => a.key));
  const dependsOn = new Map(input.desired.map((f) => [f.key, f.dependsOn]));
  for (const action of actions) {
    action.after = (dependsOn.get(action.key) ?? []).filter((dep) => writing.has(dep)).sort();
  }
  breakCycles(actions);
  if (input.prune) actions.push(...pruneActions(input, observed));
  actions.sort((a, b) => a.level - b.level || a.key.localeCompare(b.key));
  const summary = summarize(actions);
  return { revision: input.revision, target: input.target, actions, summary, hash: planHash(input, actions) };
}

function decide(
  flow: DesiredFlow,
  current: ObservedFlow | undefined,
  last: InventoryEntry | undefined,
  level: number,
): PlanAction {
  const base = {
    key: flow.key,
    type: flow.type,
    name: flow.name,
    file: flow.file,
    contentHash: flow.contentHash,
    stubs: [] as string[],
  };
  if (!current) return { ...base, kind: "create", after: [], level, detail: "not in the org" };
  const cur = { id: current.id, publishedVersion: current.publishedVersion };
  if (!last || last.id !== current.id) {
    return {
      ...base,
      kind: "update",
      current: cur,
      after: [],
      level,
      detail: "exists in the org; not applied by us yet",
    };
  }
  if (current.publishedVersion !== last.publishedVersion) {
    const detail = `published version ${current.publishedVersion ?? "none"} differs from ${last.publishedVersion} we applied`;
    return { ...base, kind: "drifted", current: cur, after: [], level, detail };
  }
  if (last.contentHash !== flow.contentHash) {
    return { ...base, kind: "update", current: cur, after: [], level, detail: "content changed in Git" };
  }
  return { ...base, kind: "unchanged", current: cur, after: [], level, detail: "up to date" };
}

function pruneActions(input: PlanInput, observed: Map<string, ObservedFlow>): PlanAction[] {
  const desired = new Set(input.desired.map((f) => f.key));
  const out: PlanAction[] = [];
  for (const entry of input.inventory) {
    const key = flowKey(entry.type, entry.name);
    const current = observed.get(key);
    // Only flows we applied ourselves and that still exist with the same id are ours to delete.
    if (desired.has(key) || !current || current.id !== entry.id) continue;
    out.push({
      kind: "prune",
      key,
      type: entry.type,
      name: entry.name,
      file: entry.file,
      current: { id: current.id, publishedVersion: current.publishedVersion },
      after: [],
      stubs: [],
      level: -1,
      detail: "left the flow set",
    });
  }
  return out;
}

/** Level of each flow: 0 with no in-set dependencies, else 1 + the highest level of its dependencies. */
export function computeLevels(desired: readonly DesiredFlow[]): Map<string, number> {
  const byKey = new Map(desired.map((f) => [f.key, f]));
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (key: string): number => {
    const known = levels.get(key);
    if (known !== undefined) return known;
    // A cycle reaching here was either rejected by the flow set or is being broken with stubs;
    // treat the back edge as level 0 so ordering stays defined.
    if (visiting.has(key)) return 0;
    visiting.add(key);
    const deps = (byKey.get(key)?.dependsOn ?? []).filter((d) => byKey.has(d));
    const level = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(visit));
    visiting.delete(key);
    levels.set(key, level);
    return level;
  };
  for (const flow of desired) visit(flow.key);
  return levels;
}

function summarize(actions: readonly PlanAction[]): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, drifted: 0, unchanged: 0, prune: 0 };
  for (const a of actions) summary[a.kind] += 1;
  return summary;
}

/** A stable hash of what will be written; approving this value pins the exact change. */
export function planHash(
  input: Pick<PlanInput, "revision" | "target">,
  actions: readonly PlanAction[],
): string {
  const canonical = actions
    .filter(isWrite)
    .map((a) => [a.kind, a.key, a.contentHash ?? "", a.current?.id ?? "", a.current?.publishedVersion ?? ""]);
  const h = createHash("sha256").update(JSON.stringify([input.revision, input.target, canonical]));
  return `sha256:${h.digest("hex").slice(0, 32)}`;
}

/**
 * Cuts the edges that close cycles in the `after` graph (only reachable when the cycle policy lets a
 * cyclic set through), so the apply can order everything. The flow on the far side of a cut edge is
 * imported later; when it does not exist yet, the near side's import creates it as a stub first.
 */
function breakCycles(actions: PlanAction[]): void {
  const byKey = new Map(actions.map((a) => [a.key, a]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (action: PlanAction): void => {
    state.set(action.key, "visiting");
    for (const dep of [...action.after]) {
      const target = byKey.get(dep);
      if (!target) continue;
      if (state.get(dep) === "visiting") {
        action.after = action.after.filter((d) => d !== dep);
        if (target.kind === "create") action.stubs = [...action.stubs, dep].sort();
      } else if (!state.has(dep)) {
        visit(target);
      }
    }
    state.set(action.key, "done");
  };
  for (const action of [...actions].sort((a, b) => a.key.localeCompare(b.key))) {
    if (!state.has(action.key)) visit(action);
  }
}
