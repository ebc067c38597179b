import { createTwoFilesPatch, diffArrays } from "diff";
import { LineCounter, parseDocument } from "yaml";
import type { RenderedFlow } from "../flowset/flow-set.js";
import { flowchart } from "./mermaid.js";
import { emptyCounts, type FlowPreview, type StatusCounts } from "./model.js";
import { referenceChanges, semanticChanges } from "./semantic.js";
import { flowStructure, type FlowStructure } from "./structure.js";

/**
 * Compares one environment's rendered flows at two revisions (pure): which flows were added, removed,
 * changed, renamed or left alone, and for each the semantic summary, the unified diff of the rendered
 * YAML and a marked flowchart. The texts given must already be masked (see render.ts).
 */

/** A renamed flow shares at least this much of its content (by lines, name aside) with the old one. */
export const RENAME_SIMILARITY = 0.6;
/** Lines of context in the unified diff, as `git diff`. */
const CONTEXT = 3;

/** Flow identity in an org: type + name (names compare trimmed and case-insensitively, as Genesys does). */
const identity = (f: RenderedFlow): string => `${f.flow.apiType}/${f.flow.name.trim().toLowerCase()}`;

/** Previews every flow of `head` and `base`, sorted by type and name. */
export function previewFlows(base: readonly RenderedFlow[], head: readonly RenderedFlow[]): FlowPreview[] {
  const before = new Map(base.map((f) => [identity(f), f]));
  const after = new Map(head.map((f) => [identity(f), f]));
  const out: FlowPreview[] = [];
  const added: RenderedFlow[] = [];
  for (const [id, h] of after) {
    const b = before.get(id);
    if (b) out.push(b.text === h.text ? unchanged(b, h) : compared("changed", b, h));
    else added.push(h);
  }
  const removed = [...before].filter(([id]) => !after.has(id)).map(([, f]) => f);
  for (const [b, h] of renames(removed, added)) {
    out.push(compared("renamed", b, h));
    added.splice(added.indexOf(h), 1);
    removed.splice(removed.indexOf(b), 1);
  }
  for (const h of added) out.push(compared("added", undefined, h));
  for (const b of removed) out.push(compared("removed", b, undefined));
  return out.sort((x, y) =>
    x.type + x.name < y.type + y.name ? -1 : x.type + x.name > y.type + y.name ? 1 : 0,
  );
}

/** Counts per status. */
export function countStatuses(flows: readonly FlowPreview[]): StatusCounts {
  const counts = emptyCounts();
  for (const f of flows) counts[f.status] += 1;
  return counts;
}

/** Pairs removed and added flows of the same type whose content is mostly the same, best match first. */
function renames(
  removed: readonly RenderedFlow[],
  added: readonly RenderedFlow[],
): Array<[RenderedFlow, RenderedFlow]> {
  const candidates: Array<{ b: RenderedFlow; h: RenderedFlow; score: number }> = [];
  for (const b of removed)
    for (const h of added) {
      if (b.flow.apiType !== h.flow.apiType) continue;
      const score = similarity(b, h);
      if (score >= RENAME_SIMILARITY) candidates.push({ b, h, score });
    }
  candidates.sort((x, y) => y.score - x.score);
  const used = new Set<RenderedFlow>();
  const pairs: Array<[RenderedFlow, RenderedFlow]> = [];
  for (const { b, h } of candidates) {
    if (used.has(b) || used.has(h)) continue;
    used.add(b).add(h);
    pairs.push([b, h]);
  }
  return pairs;
}

/** Share of lines in common (Dice coefficient), the flow's own name line left out. */
function similarity(b: RenderedFlow, h: RenderedFlow): number {
  const lines = (f: RenderedFlow): string[] =>
    f.text.split("\n").filter((l) => !(l.includes(f.flow.name) && /^\s+name:/.test(l)));
  const x = lines(b);
  const y = lines(h);
  // Sizes alone bound the score: skip the diff when even a perfect overlap could not reach the bar.
  if ((2 * Math.min(x.length, y.length)) / (x.length + y.length || 1) < RENAME_SIMILARITY) return 0;
  let common = 0;
  for (const part of diffArrays(x, y))
    if (!part.added && !part.removed) common += part.count ?? part.value.length;
  return (2 * common) / (x.length + y.length || 1);
}

function unchanged(b: RenderedFlow, h: RenderedFlow): FlowPreview {
  return { ...identityOf(b, h), status: "unchanged", changes: [], references: [], diff: "" };
}

function identityOf(
  b: RenderedFlow | undefined,
  h: RenderedFlow | undefined,
): Pick<FlowPreview, "type" | "name" | "path" | "previousPath" | "previousName"> {
  const main = (h ?? b)!;
  return {
    type: main.flow.apiType,
    name: main.flow.name,
    ...(h ? { path: h.path } : {}),
    ...(b && (!h || b.path !== h.path) ? { previousPath: b.path } : {}),
    ...(b && h && b.flow.name !== h.flow.name ? { previousName: b.flow.name } : {}),
  };
}

function compared(
  status: FlowPreview["status"],
  b: RenderedFlow | undefined,
  h: RenderedFlow | undefined,
): FlowPreview {
  const sb = b ? structureOf(b) : undefined;
  const sh = h ? structureOf(h) : undefined;
  const empty = new Map();
  const preview: FlowPreview = {
    ...identityOf(b, h),
    status,
    changes: semanticChanges(sb?.elements ?? empty, sh?.elements ?? empty),
    references: referenceChanges(b?.flow.references ?? [], h?.flow.references ?? []),
    diff: unifiedDiff(b, h),
    mermaid: flowchart(sb, sh),
  };
  if (status === "renamed" && b) {
    preview.note = `renamed from "${b.flow.name}": the old flow stays in the org unless pruned (apply --prune, spec.prune: true)`;
  }
  if (status === "removed") {
    preview.note = "left the flow set: it stays in the org unless pruned (apply --prune, spec.prune: true)";
  }
  return preview;
}

function structureOf(f: RenderedFlow): FlowStructure {
  const lines = new LineCounter();
  return flowStructure(parseDocument(f.text, { lineCounter: lines }), lines, f.flow.apiType);
}

/** `git diff`-style unified diff of the rendered YAML, `/dev/null` for an added or removed file. */
export function unifiedDiff(b: RenderedFlow | undefined, h: RenderedFlow | undefined): string {
  const patch = createTwoFilesPatch(
    b ? `a/${b.path}` : "/dev/null",
    h ? `b/${h.path}` : "/dev/null",
    b?.text ?? "",
    h?.text ?? "",
    undefined,
    undefined,
    { context: CONTEXT },
  );
  return patch.replace(/^=+\n/, "").replace(/\t$/gm, "");
}
