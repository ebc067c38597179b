import type { Document, LineCounter, Node } from "yaml";
import { collectReferences } from "../flowset/references.js";
import type { FlowReference } from "../flowset/types.js";
import type { ElementKind } from "./model.js";

/**
 * The shape of one rendered Archy flow as a reviewer thinks of it: settings, menus and their choices,
 * tasks / states / bots and their actions, and the graph between them (entry, jumps, transfers, calls to
 * other flows). Pure: works on the parsed YAML and the references flowset already collected.
 */

/** One element, keyed so the same element is found again in the other revision. */
export interface FlowElement {
  key: string;
  kind: ElementKind;
  name: string;
  /** Name of the menu / task / state holding it. */
  where?: string;
  /** The element's own content (nested actions left out: they are elements of their own), as JSON. */
  content: unknown;
}

/** A node of the flow graph. */
export interface GraphNode {
  key: string;
  shape: "entry" | "menu" | "choice" | "task" | "ref" | "end";
  label: string;
  /** JSON of what the node stands for; two revisions' nodes differ when this does. */
  content: string;
}

/** The structure of one flow. */
export interface FlowStructure {
  elements: Map<string, FlowElement>;
  nodes: Map<string, GraphNode>;
  /** `from→to` (node keys), with an optional label. */
  edges: Map<string, { from: string; to: string; label?: string }>;
}

const CONTAINERS: Record<string, ElementKind> = { menu: "menu", task: "task", state: "state", bot: "bot" };
/** Reference kinds drawn in the flowchart: where a call can go (prompts, skills, languages are not). */
const DRAWN_KINDS = new Set([
  "flow",
  "queue",
  "dataAction",
  "scheduleGroup",
  "schedule",
  "user",
  "group",
  "emergencyGroup",
]);
const REF_TARGET = /\/(menus\/menu|tasks\/task|states\/state|bots\/bot|reusableTasks\/task)\[([^\]]+)\]\s*$/;
const END_ACTIONS = new Set(["disconnect", "menuDisconnect", "endWorkflow", "exitBotFlow", "endTask"]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** `{ key: body }` with exactly one key, as every Archy list item is. */
function single(item: unknown): [string, Obj] | undefined {
  if (!isObj(item)) return undefined;
  const keys = Object.keys(item);
  const body = keys.length === 1 ? item[keys[0]!] : undefined;
  return keys.length === 1 && isObj(body) ? [keys[0]!, body] : undefined;
}
const nameOf = (body: Obj, fallback: string): string =>
  typeof body["name"] === "string" ? body["name"] : fallback;

/** Builds the structure of a flow from its parsed document (`{ inboundCall: {...} }`) and its references. */
export function flowStructure(doc: Document, lines: LineCounter, apiType: string): FlowStructure {
  const s: FlowStructure = { elements: new Map(), nodes: new Map(), edges: new Map() };
  const root = single(doc.toJS({ maxAliasCount: 100 }));
  if (!root) return s;
  const [rootKey, body] = root;
  s.nodes.set("entry", { key: "entry", shape: "entry", label: "Start", content: "" });
  const anchors: Anchors = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === "name") continue;
    const items = Array.isArray(value) ? value.map(single) : [];
    const isContainerList = items.length > 0 && items.every((i) => i !== undefined && i[0] in CONTAINERS);
    if (isContainerList) {
      items.forEach((item, i) =>
        addContainer(s, anchors, item!, {
          path: `${rootKey}.${key}[${i}].${item![0]}`,
          keys: [rootKey, key, i, item![0]],
        }),
      );
    } else if (key === "startUpTaskActions" && Array.isArray(value)) {
      addStartUpActions(s, anchors, value, { path: `${rootKey}.${key}`, keys: [rootKey, key] });
    } else {
      s.elements.set(`setting:${key}`, { key: `setting:${key}`, kind: "setting", name: key, content: value });
    }
  }
  const start = typeof body["startUpRef"] === "string" ? REF_TARGET.exec(body["startUpRef"]) : null;
  if (start) edge(s, "entry", containerKey(start[1]!, start[2]!));
  else if (s.nodes.has("task:startUpTaskActions")) edge(s, "entry", "task:startUpTaskActions");
  // Each anchor's own references (flowset's collector de-duplicates per document, so a queue used by two
  // choices would otherwise be drawn from the first only).
  const references = anchors.flatMap((a) => {
    const node = doc.getIn(a.keys, true) as Node | undefined;
    return node ? collectReferences(doc, lines, node, a.path, apiType) : [];
  });
  attachReferences(s, anchors, references);
  // A jump to a container that does not exist would draw a dangling node; drop such edges.
  for (const [k, e] of s.edges) if (!s.nodes.has(e.to) || !s.nodes.has(e.from)) s.edges.delete(k);
  return s;
}

function containerKey(listPath: string, refIdOrName: string): string {
  const kind = listPath.split("/")[1] ?? "task";
  return `${kind}:${refIdOrName}`;
}

function addContainer(s: FlowStructure, anchors: Anchors, [kindKey, body]: [string, Obj], at: At): void {
  const kind = CONTAINERS[kindKey]!;
  const name = nameOf(body, kindKey);
  const id = typeof body["refId"] === "string" ? body["refId"] : name;
  const key = `${kindKey}:${id}`;
  const own = kind === "menu" ? omit(body, ["choices"]) : withoutActions(body);
  s.elements.set(key, { key, kind, name, content: own });
  s.nodes.set(key, {
    key,
    shape: kind === "menu" ? "menu" : "task",
    label: `${kind === "menu" ? "Menu" : kind === "state" ? "State" : kind === "bot" ? "Bot" : "Task"}: ${name}`,
    content: JSON.stringify(kind === "menu" ? own : body),
  });
  anchors.push({ ...at, node: key });
  if (kind === "menu") {
    const choices = Array.isArray(body["choices"]) ? body["choices"] : [];
    choices.forEach((c, i) => {
      const item = single(c);
      if (item)
        addChoice(s, anchors, key, name, item, {
          path: `${at.path}.choices[${i}]`,
          keys: [...at.keys, "choices", i],
        });
    });
  } else {
    addActions(s, key, name, body["actions"], key);
  }
}

/** Where an element sits: the display path (as references.ts writes it) and the YAML path. */
interface At {
  path: string;
  keys: Array<string | number>;
}
type Anchors = Array<At & { node: string }>;

function addChoice(
  s: FlowStructure,
  anchors: Anchors,
  menuKey: string,
  menu: string,
  [type, body]: [string, Obj],
  at: At,
): void {
  const name = nameOf(body, type);
  const key = `${menuKey}/choice:${name}`;
  const digit = typeof body["dtmf"] === "string" ? body["dtmf"].replace(/^digit_/, "") : undefined;
  s.elements.set(key, { key, kind: "choice", name, where: menu, content: { [type]: withoutActions(body) } });
  s.nodes.set(key, {
    key,
    shape: "choice",
    label: digit ? `${digit} · ${name}` : name,
    content: JSON.stringify({ [type]: body }),
  });
  edge(s, menuKey, key);
  anchors.push({ ...at, node: key });
  linkTargets(s, key, body);
  if (END_ACTIONS.has(type)) endEdge(s, key);
  const task = isObj(body["task"]) ? body["task"] : undefined;
  if (task) addActions(s, key, `${menu} › ${name}`, task["actions"], key);
}

function addStartUpActions(s: FlowStructure, anchors: Anchors, actions: unknown[], at: At): void {
  const key = "task:startUpTaskActions";
  s.nodes.set(key, { key, shape: "task", label: "Start-up actions", content: JSON.stringify(actions) });
  anchors.push({ ...at, node: key });
  addActions(s, key, "Start-up actions", actions, key);
}

/** Every action below `list` (nested in decisions, switches, loops) becomes an element; jumps become edges of `node`. */
function addActions(s: FlowStructure, parent: string, where: string, list: unknown, node: string): void {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    const action = single(item);
    if (!action) continue;
    const [type, body] = action;
    const name = nameOf(body, type);
    let key = `${parent}/${type}:${name}`;
    for (let n = 2; s.elements.has(key); n++) key = `${parent}/${type}:${name}#${n}`;
    s.elements.set(key, {
      key,
      kind: "action",
      name: `${type} "${name}"`,
      where,
      content: withoutActions(body),
    });
    linkTargets(s, node, body);
    if (END_ACTIONS.has(type)) endEdge(s, node);
    for (const nested of nestedActionLists(body)) addActions(s, parent, where, nested, node);
  }
}

/** Arrays under an `actions` key anywhere below `body` (decision outputs, switch cases, loops). */
function nestedActionLists(body: unknown): unknown[][] {
  const found: unknown[][] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObj(v))
      for (const [k, x] of Object.entries(v)) {
        if (k === "actions" && Array.isArray(x)) found.push(x);
        else visit(x);
      }
  };
  visit(body);
  return found;
}

/** `body` with every nested `actions` list replaced by a marker, so a nested change is not the parent's. */
function withoutActions(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutActions);
  if (!isObj(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([k, v]) => [
      k,
      k === "actions" && Array.isArray(v) ? "[actions]" : withoutActions(v),
    ]),
  );
}

function omit(body: Obj, keys: string[]): Obj {
  return Object.fromEntries(Object.entries(body).filter(([k]) => !keys.includes(k)));
}

/** Edges for `…Ref` strings below `body` (jumpToTask, callTask, changeState, menuJumpToMenu, …). */
function linkTargets(s: FlowStructure, from: string, body: unknown): void {
  const visit = (v: unknown, key: string): void => {
    if (typeof v === "string" && /Ref$/.test(key)) {
      const m = REF_TARGET.exec(v);
      if (m) edge(s, from, containerKey(m[1]!, m[2]!));
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, key));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(body, "");
}

function endEdge(s: FlowStructure, from: string): void {
  s.nodes.set("end", { key: "end", shape: "end", label: "Disconnect", content: "" });
  edge(s, from, "end");
}

function edge(s: FlowStructure, from: string, to: string, label?: string): void {
  if (from === to) return;
  s.edges.set(`${from}→${to}`, label === undefined ? { from, to } : { from, to, label });
}

/** Draws each reference from the innermost choice / container whose path holds it. */
function attachReferences(s: FlowStructure, anchors: Anchors, references: readonly FlowReference[]): void {
  const sorted = [...anchors].sort((a, b) => b.path.length - a.path.length);
  for (const ref of references) {
    if (!DRAWN_KINDS.has(ref.kind)) continue;
    const anchor = sorted.find(
      (a) => ref.path === a.path || ref.path.startsWith(`${a.path}.`) || ref.path.startsWith(`${a.path}[`),
    );
    if (!anchor) continue;
    const label = `${REF_LABEL[ref.kind] ?? ref.kind}: ${ref.category ? `${ref.category} / ` : ""}${ref.name}`;
    const key = `ref:${ref.kind}:${ref.category ?? ""}:${ref.name}`;
    s.nodes.set(key, { key, shape: "ref", label, content: "" });
    edge(s, anchor.node, key);
  }
}

const REF_LABEL: Record<string, string> = {
  flow: "Flow",
  queue: "Queue",
  dataAction: "Data action",
  scheduleGroup: "Schedule group",
  schedule: "Schedule",
  user: "User",
  group: "Group",
  emergencyGroup: "Emergency group",
};
