import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type YAMLMap,
} from "yaml";
import { FlowParseError } from "./errors.js";
import { inQueueTypeFor } from "./flow-types.js";
import {
  DEFAULTS_KEYS,
  FLOW_REF_KEYS,
  LIT_NAME_KIND,
  NON_NAME_KEYS,
  TRANSPARENT_KEYS,
  flowTypeOfRefKey,
  kindOfFindAction,
  referencesInExpression,
} from "./reference-rules.js";
import type { FlowReference, ReferenceKind } from "./types.js";

/**
 * Walks a parsed Archy document and collects every by-name reference (see reference-rules.ts for the
 * vocabulary). Works on the YAML AST, not on plain JS, so each reference keeps its line number.
 */

/** Upper bound on nodes visited (aliases are followed): a guard against expansion bombs. */
export const MAX_VISITED_NODES = 500_000;

interface Walk {
  doc: Document;
  lines: LineCounter;
  file: string | undefined;
  inQueueType: string;
  refs: Map<string, FlowReference>;
  budget: number;
}

interface Position {
  /** Map keys from the flow body down to here (sequence indexes left out). */
  keys: string[];
  /** Display path, e.g. `inboundCall.menus[0].menu`. */
  path: string;
}

/** Collects references below `body` (the mapping under the top-level flow key `rootKey`). */
export function collectReferences(
  doc: Document,
  lines: LineCounter,
  body: Node,
  rootKey: string,
  apiType: string,
  file?: string,
): FlowReference[] {
  const walk: Walk = {
    doc,
    lines,
    file,
    inQueueType: inQueueTypeFor(apiType),
    refs: new Map(),
    budget: MAX_VISITED_NODES,
  };
  visit(walk, body, { keys: [], path: rootKey });
  return [...walk.refs.values()];
}

function deref(walk: Walk, node: unknown): unknown {
  if (--walk.budget < 0) {
    throw new FlowParseError(
      "AliasBomb",
      { file: walk.file },
      `document expands to more than ${MAX_VISITED_NODES} nodes (YAML alias bomb?)`,
    );
  }
  return isAlias(node) ? node.resolve(walk.doc) : node;
}

function lineOf(walk: Walk, node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? walk.lines.linePos(range[0]).line : undefined;
}

function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

function child(walk: Walk, map: YAMLMap, key: string): unknown {
  const pair = map.items.find((p) => scalarText(p.key) === key);
  return pair ? deref(walk, pair.value) : undefined;
}

function add(walk: Walk, ref: Omit<FlowReference, "line"> & { line: number | undefined }): void {
  if (!ref.name.trim()) return;
  const id = [ref.kind, ref.category ?? "", ref.name, ref.flowType ?? "", ref.byId ? "id" : ""].join(
    "\u0000",
  );
  if (walk.refs.has(id)) return;
  const clean: FlowReference = { kind: ref.kind, name: ref.name, path: ref.path };
  if (ref.category !== undefined) clean.category = ref.category;
  if (ref.flowType !== undefined) clean.flowType = ref.flowType;
  if (ref.byId) clean.byId = true;
  if (ref.line !== undefined) clean.line = ref.line;
  walk.refs.set(id, clean);
}

function visit(walk: Walk, raw: unknown, pos: Position): void {
  const node = deref(walk, raw);
  if (isSeq(node)) {
    node.items.forEach((item, i) => visit(walk, item, { keys: pos.keys, path: `${pos.path}[${i}]` }));
    return;
  }
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const key = scalarText(pair.key);
    if (key === undefined || DEFAULTS_KEYS.has(key)) continue;
    const value = deref(walk, pair.value);
    const here: Position = { keys: [...pos.keys, key], path: `${pos.path}.${key}` };
    applyRules(walk, key, value, pos, here);
    visit(walk, value, here);
  }
}

/** The rules of reference-rules.ts, applied to one `key: value` pair found at `here`. */
function applyRules(walk: Walk, key: string, value: unknown, parent: Position, here: Position): void {
  if (key === "exp") {
    const text = scalarText(value);
    for (const ref of text ? referencesInExpression(text) : []) {
      add(walk, { ...ref, path: here.path, line: lineOf(walk, value) });
    }
    return;
  }
  if (key === "division" && parent.keys.length === 0) {
    // The flow's own division (`inboundCall: {division: Home}`): Archy resolves it by name at publish.
    const name = scalarText(value);
    if (name !== undefined) add(walk, { kind: "division", name, line: lineOf(walk, value), path: here.path });
    return;
  }
  if (!isMap(value)) return;
  if (key === "lit") return litName(walk, value, parent, here);
  if (key === "findName") return findName(walk, value, parent, here);
  if (key === "category") return dataActions(walk, value, here);
  if (key === "dataTable" || key === "settingsKnowledge") {
    const kind: ReferenceKind = key === "dataTable" ? "dataTable" : "knowledgeBase";
    return keyedNames(walk, value, here, (name, line, path) => add(walk, { kind, name, line, path }));
  }
  if (FLOW_REF_KEYS.has(key) && parent.keys.length > 0 && !isLiteralOrRuntime(walk, value)) {
    const flowType = flowTypeOfRefKey(key, parent.keys.at(-1), walk.inQueueType);
    const bare = child(walk, value, "name");
    if (bare !== undefined) {
      const name = scalarText(bare);
      if (name !== undefined)
        add(walk, { kind: "flow", name, flowType, line: lineOf(walk, bare), path: `${here.path}.name` });
      return;
    }
    keyedNames(walk, value, here, (name, line, path) =>
      add(walk, { kind: "flow", name, flowType, line, path }),
    );
  }
}

/** `lit`/`exp`/`noValue`/`var` forms are handled elsewhere (lit rule) or are runtime values. */
function isLiteralOrRuntime(walk: Walk, map: YAMLMap): boolean {
  return ["lit", "exp", "var", "noValue"].some((k) => child(walk, map, k) !== undefined);
}

/** `[key]` form: every mapping key that is not a value form names an object. */
function keyedNames(
  walk: Walk,
  map: YAMLMap,
  here: Position,
  emit: (name: string, line: number | undefined, path: string) => void,
): void {
  if (isLiteralOrRuntime(walk, map)) return;
  for (const pair of map.items) {
    const name = scalarText(pair.key);
    if (name === undefined || NON_NAME_KEYS.has(name) || name === "knowledgeBase") continue;
    if (!isMap(deref(walk, pair.value))) continue;
    emit(name, lineOf(walk, pair.key), `${here.path}.${name}`);
  }
}

/** `[lit.name]` form: `<kindKey>: lit: name: X`; the kind is the nearest non-wrapper ancestor key. */
function litName(walk: Walk, lit: YAMLMap, parent: Position, here: Position): void {
  const nameNode = child(walk, lit, "name");
  const name = scalarText(nameNode);
  if (name === undefined || name.startsWith("PromptSystem.")) return;
  const kindKey = [...parent.keys].reverse().find((k) => !TRANSPARENT_KEYS.has(k));
  let kind: ReferenceKind | undefined = kindKey === undefined ? undefined : LIT_NAME_KIND[kindKey];
  let refName = name;
  if (name.startsWith("Prompt.")) {
    kind = "userPrompt";
    refName = name.slice("Prompt.".length);
  }
  if (!kind) return;
  const flowType =
    kind === "flow" && kindKey
      ? flowTypeOfRefKey(kindKey, parentOf(parent.keys, kindKey), walk.inQueueType)
      : undefined;
  add(walk, { kind, name: refName, flowType, line: lineOf(walk, nameNode), path: `${here.path}.name` });
}

function parentOf(keys: string[], key: string): string | undefined {
  const at = keys.lastIndexOf(key);
  return at > 0 ? keys[at - 1] : undefined;
}

/** `[lit]` form: `findQueue: findName: lit: X` (an `exp:` findName is a runtime lookup). */
function findName(walk: Walk, value: YAMLMap, parent: Position, here: Position): void {
  const action = parent.keys.at(-1);
  const kind = action ? kindOfFindAction(action) : undefined;
  const litNode = child(walk, value, "lit");
  const name = scalarText(litNode);
  if (kind && name !== undefined)
    add(walk, { kind, name, line: lineOf(walk, litNode), path: `${here.path}.lit` });
}

/** `[key]` data actions: `category: {Cat: {dataAction: {Action: {...}}}}`. */
function dataActions(walk: Walk, categories: YAMLMap, here: Position): void {
  for (const catPair of categories.items) {
    const category = scalarText(catPair.key);
    const catValue = deref(walk, catPair.value);
    if (category === undefined || !isMap(catValue)) continue;
    const actions = child(walk, catValue, "dataAction");
    if (!isMap(actions)) continue;
    for (const actPair of actions.items) {
      const name = scalarText(actPair.key);
      if (name === undefined || NON_NAME_KEYS.has(name)) continue;
      const path = `${here.path}.${category}.dataAction.${name}`;
      add(walk, { kind: "dataAction", category, name, line: lineOf(walk, actPair.key), path });
    }
  }
}
