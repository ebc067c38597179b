import {
  DEFAULTS,
  FIND_ACTIONS,
  FLOW_FIELDS,
  FLOW_SETTINGS,
  NAMED_BY_KEY,
  VALUE_FORMS,
  WRAPPERS,
  expressionReferences,
  flowTypeOfField,
} from "./fields.js";
import type { EmuReference, EmuReferenceKind } from "./reference.js";

/** Nodes visited at most (aliases are expanded): a guard against expansion bombs. */
const MAX_NODES = 500_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
const isValueForm = (o: Obj): boolean => ["lit", "exp", "var", "noValue"].some((k) => k in o);

/** Walks a flow body (plain JS from the YAML) and returns every reference, de-duplicated. */
export function collectReferences(body: unknown, rootKey: string, inQueueType: string): EmuReference[] {
  const refs = new Map<string, EmuReference>();
  let budget = MAX_NODES;
  const add = (ref: EmuReference): void => {
    if (!ref.name.trim()) return;
    const key = [ref.kind, ref.byId ? "#" : "", ref.category ?? "", ref.name, ref.flowType ?? ""].join("\0");
    if (!refs.has(key)) refs.set(key, ref);
  };

  const named = (o: Obj, path: string, emit: (name: string, path: string) => void): void => {
    if (isValueForm(o)) return;
    for (const [name, v] of Object.entries(o))
      if (!VALUE_FORMS.has(name) && name !== "knowledgeBase" && isObj(v)) emit(name, `${path}.${name}`);
  };

  const rules = (key: string, value: unknown, keys: string[], path: string): void => {
    if (key === "exp") {
      const t = text(value);
      for (const r of t ? expressionReferences(t) : []) add({ ...r, path });
      return;
    }
    const setting = keys.length === 0 ? FLOW_SETTINGS.get(key) : undefined;
    if (setting) {
      const name = text(value);
      if (name !== undefined) add({ kind: setting, name, path });
      return;
    }
    if (!isObj(value)) return;
    if (key === "lit") {
      const name = text(value.name);
      if (name === undefined || name.startsWith("PromptSystem.")) return;
      const kindKey = [...keys].reverse().find((k) => !WRAPPERS.has(k));
      const prompt = name.startsWith("Prompt.");
      const kind: EmuReferenceKind | undefined = prompt
        ? "userPrompt"
        : kindKey
          ? NAMED_BY_KEY.get(kindKey)
          : undefined;
      if (!kind) return;
      const ref: EmuReference = { kind, name: prompt ? name.slice(7) : name, path: `${path}.name` };
      if (kind === "flow" && kindKey) {
        const at = keys.lastIndexOf(kindKey);
        const flowType = flowTypeOfField(kindKey, at > 0 ? keys[at - 1] : undefined, inQueueType);
        if (flowType) ref.flowType = flowType;
      }
      return add(ref);
    }
    if (key === "findName") {
      const kind = FIND_ACTIONS.get(keys.at(-1) ?? "");
      const name = text(value.lit);
      if (kind && name !== undefined) add({ kind, name, path: `${path}.lit` });
      return;
    }
    if (key === "category") {
      for (const [category, cat] of Object.entries(value)) {
        const actions = isObj(cat) ? cat.dataAction : undefined;
        if (!isObj(actions)) continue;
        for (const name of Object.keys(actions))
          if (!VALUE_FORMS.has(name))
            add({ kind: "dataAction", category, name, path: `${path}.${category}.dataAction.${name}` });
      }
      return;
    }
    if (key === "dataTable" || key === "settingsKnowledge") {
      const kind = key === "dataTable" ? "dataTable" : "knowledgeBase";
      return named(value, path, (name, p) => add({ kind, name, path: p }));
    }
    if (FLOW_FIELDS.has(key) && keys.length > 0 && !isValueForm(value)) {
      const flowType = flowTypeOfField(key, keys.at(-1), inQueueType);
      const flow = (name: string, p: string): void =>
        add(flowType ? { kind: "flow", name, flowType, path: p } : { kind: "flow", name, path: p });
      const bare = value.name;
      if (bare !== undefined) {
        const name = text(bare);
        if (name !== undefined) flow(name, `${path}.name`);
        return;
      }
      named(value, path, flow);
    }
  };

  const visit = (node: unknown, keys: string[], path: string): void => {
    if (--budget < 0) throw new Error(`the document expands to more than ${MAX_NODES} nodes`);
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, keys, `${path}[${i}]`));
    if (!isObj(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (DEFAULTS.has(key)) continue;
      rules(key, value, keys, `${path}.${key}`);
      visit(value, [...keys, key], `${path}.${key}`);
    }
  };
  visit(body, [], rootKey);
  return [...refs.values()];
}
