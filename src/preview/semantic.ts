import type { FlowReference } from "../flowset/types.js";
import type { ReferenceChange, SemanticChange } from "./model.js";
import type { FlowElement } from "./structure.js";

/** Most field differences listed per changed element; the unified diff has the rest. */
const MAX_DETAILS = 6;
const MAX_VALUE = 80;

/**
 * The semantic summary of a flow change: elements added, removed, changed (with the fields that
 * differ), in the order of the head document (removed ones after). Pure.
 */
export function semanticChanges(
  base: ReadonlyMap<string, FlowElement>,
  head: ReadonlyMap<string, FlowElement>,
): SemanticChange[] {
  const out: SemanticChange[] = [];
  for (const [key, el] of head) {
    const before = base.get(key);
    if (!before) out.push(entry("added", el));
    else {
      const details = fieldDifferences(before.content, el.content);
      if (details.length > 0) out.push({ ...entry("changed", el), details });
    }
  }
  for (const [key, el] of base) if (!head.has(key)) out.push(entry("removed", el));
  return out;
}

function entry(change: SemanticChange["change"], el: FlowElement): SemanticChange {
  return { change, kind: el.kind, name: el.name, ...(el.where !== undefined ? { where: el.where } : {}) };
}

/** `field: old → new` for each leaf that differs (paths relative to the element). */
export function fieldDifferences(a: unknown, b: unknown): string[] {
  const left = leaves(a);
  const right = leaves(b);
  const out: string[] = [];
  for (const [path, value] of right) {
    const old = left.get(path);
    if (old === undefined) out.push(`${path}: added ${shown(value)}`);
    else if (old !== value) out.push(`${path}: ${shown(old)} → ${shown(value)}`);
  }
  for (const [path, value] of left) if (!right.has(path)) out.push(`${path}: removed (was ${shown(value)})`);
  if (out.length > MAX_DETAILS)
    return [...out.slice(0, MAX_DETAILS), `… and ${out.length - MAX_DETAILS} more field(s)`];
  return out;
}

function leaves(value: unknown, path = "", out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(path || "(value)", "[]");
    value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  } else if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(path || "(value)", "{}");
    for (const [k, v] of entries) leaves(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path || "(value)", JSON.stringify(value) ?? "null");
  }
  return out;
}

function shown(json: string): string {
  const text = json.startsWith('"') ? (JSON.parse(json) as string) : json;
  const flat = text.replace(/\s+/g, " ");
  return flat.length > MAX_VALUE ? `${flat.slice(0, MAX_VALUE - 1)}…` : flat;
}

/** References (queues, data actions, prompts, flows, …) the change adds or removes, by name. */
export function referenceChanges(
  base: readonly FlowReference[],
  head: readonly FlowReference[],
): ReferenceChange[] {
  const id = (r: FlowReference): string =>
    JSON.stringify([r.kind, r.category ?? "", r.name, r.byId === true]);
  const before = new Map(base.map((r) => [id(r), r]));
  const after = new Map(head.map((r) => [id(r), r]));
  const out: ReferenceChange[] = [];
  const add = (change: ReferenceChange["change"], r: FlowReference): void => {
    out.push({
      change,
      kind: r.kind,
      name: r.name,
      ...(r.category !== undefined ? { category: r.category } : {}),
    });
  };
  for (const [k, r] of after) if (!before.has(k)) add("added", r);
  for (const [k, r] of before) if (!after.has(k)) add("removed", r);
  return out;
}
