import type { FlowStructure, GraphNode } from "./structure.js";

/**
 * A Mermaid flowchart of one flow across two revisions: the union of both graphs, each node marked
 * `added`, `changed` or `removed` by classDef (unchanged nodes plain), edges that appear or disappear
 * drawn green / dashed red. Pure; labels are escaped so no flow name can break the diagram.
 */

/** Nodes drawn at most: beyond this a diagram is unreadable (and Mermaid slows down); the note says so. */
export const MAX_NODES = 250;

type Mark = "added" | "changed" | "removed" | "same";

/** The flowchart; `base` or `head` is undefined for a flow that was added or removed. */
export function flowchart(base: FlowStructure | undefined, head: FlowStructure | undefined): string {
  const empty: FlowStructure = { elements: new Map(), nodes: new Map(), edges: new Map() };
  const a = base ?? empty;
  const b = head ?? empty;
  const marks = new Map<string, { node: GraphNode; mark: Mark }>();
  for (const [key, node] of b.nodes) {
    const old = a.nodes.get(key);
    marks.set(key, { node, mark: !old ? "added" : old.content !== node.content ? "changed" : "same" });
  }
  for (const [key, node] of a.nodes) if (!b.nodes.has(key)) marks.set(key, { node, mark: "removed" });
  const keys = [...marks.keys()].slice(0, MAX_NODES);
  const ids = new Map(keys.map((k, i) => [k, k === "entry" ? "start" : `n${i}`]));
  const lines = ["flowchart TD"];
  for (const k of keys) {
    const { node, mark } = marks.get(k)!;
    lines.push(`  ${ids.get(k)!}${shape(node)}${mark === "same" ? "" : `:::${mark}`}`);
  }
  const edges: Array<{ from: string; to: string; mark: Mark }> = [];
  for (const [key, e] of b.edges) edges.push({ ...e, mark: a.edges.has(key) ? "same" : "added" });
  for (const [key, e] of a.edges) if (!b.edges.has(key)) edges.push({ ...e, mark: "removed" });
  const styles: string[] = [];
  let index = 0;
  for (const e of edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (!from || !to) continue;
    lines.push(`  ${from} ${e.mark === "removed" ? "-.->" : "-->"} ${to}`);
    if (e.mark === "added") styles.push(`  linkStyle ${index} stroke:#1a7f37,stroke-width:2px`);
    if (e.mark === "removed") styles.push(`  linkStyle ${index} stroke:#cf222e,stroke-width:2px`);
    index++;
  }
  lines.push(...styles);
  if (marks.size > keys.length) lines.push(`  more["… ${marks.size - keys.length} more nodes not drawn"]`);
  lines.push(
    "  classDef added fill:#dafbe1,stroke:#1a7f37,color:#0b3d1b,stroke-width:2px",
    "  classDef changed fill:#fff8c5,stroke:#9a6700,color:#3b2300,stroke-width:2px",
    "  classDef removed fill:#ffebe9,stroke:#cf222e,color:#5c0b0b,stroke-width:2px,stroke-dasharray:5 3",
  );
  return lines.join("\n");
}

function shape(node: GraphNode): string {
  const text = label(node.label);
  switch (node.shape) {
    case "entry":
      return `(("${text}"))`;
    case "end":
      return `((("${text}")))`;
    case "menu":
      return `{{"${text}"}}`;
    case "choice":
      return `(["${text}"])`;
    case "ref":
      return `[/"${text}"/]`;
    default:
      return `["${text}"]`;
  }
}

/** Text safe inside a quoted Mermaid label: quotes and markup as entity codes, length capped. */
export function label(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const short = flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
  return short.replace(/[#"<>&`|{}[\]()\\;]/g, (ch) => `#${ch.codePointAt(0)};`);
}
