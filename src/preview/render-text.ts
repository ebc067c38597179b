import type { FlowPreview, PreviewReport, SemanticChange, TargetVerdict } from "./model.js";

/**
 * The preview for a terminal: per environment, one line per flow that is not unchanged, its semantic
 * changes and references, then its rendered diff. Colour (ANSI) only when `color` is on, which the
 * CLI decides from the stream and NO_COLOR / FORCE_COLOR.
 */

const SYMBOL: Record<FlowPreview["status"], string> = {
  added: "+",
  removed: "-",
  changed: "~",
  renamed: "→",
  unchanged: "=",
};
const CHANGE_SYMBOL: Record<SemanticChange["change"], string> = { added: "+", removed: "-", changed: "~" };
const CODES = { green: 32, red: 31, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
type Colour = keyof typeof CODES;

/** Renders the report as text. */
export function renderPreviewText(report: PreviewReport, options: { color: boolean }): string {
  const paint = (text: string, colour: Colour): string =>
    options.color ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
  const statusColour = (s: string): Colour =>
    s === "added" ? "green" : s === "removed" ? "red" : s === "unchanged" ? "dim" : "yellow";
  const lines = [
    paint(`Preview ${short(report.base)} → ${short(report.head)} (flow path ${report.path})`, "bold"),
  ];
  for (const env of report.environments) {
    const c = env.counts;
    const presence = env.presence === "both" ? "" : ` (environment ${env.presence})`;
    lines.push(
      "",
      paint(`Environment ${env.environment}${presence}: `, "bold") +
        `${c.changed} changed, ${c.added} added, ${c.removed} removed, ${c.renamed} renamed, ${c.unchanged} unchanged`,
    );
    for (const flow of env.flows) {
      if (flow.status === "unchanged") continue;
      const file = flow.path ?? flow.previousPath;
      lines.push(
        `  ${paint(`${SYMBOL[flow.status]} ${flow.status.padEnd(8)}`, statusColour(flow.status))} ${flow.type} ${flow.name}${file ? `  (${file})` : ""}`,
      );
      if (flow.note) lines.push(`      note: ${flow.note}`);
      for (const ch of flow.changes) {
        const where = ch.where ? ` in ${ch.where}` : "";
        lines.push(
          `      ${paint(CHANGE_SYMBOL[ch.change], statusColour(ch.change))} ${ch.kind} ${ch.name}${where}`,
        );
        for (const d of ch.details ?? []) lines.push(`          ${d}`);
      }
      for (const r of flow.references) {
        const cat = r.category ? `${r.category} / ` : "";
        lines.push(
          `      ${paint(CHANGE_SYMBOL[r.change], statusColour(r.change))} reference ${r.kind} "${cat}${r.name}"`,
        );
      }
      for (const d of flow.diff.split("\n").filter((l) => l !== ""))
        lines.push(`      ${paintDiff(d, paint)}`);
    }
    if (env.target) lines.push(...targetLines(env.target));
  }
  const changes = report.environments.reduce(
    (n, e) => n + e.flows.filter((f) => f.status !== "unchanged").length,
    0,
  );
  lines.push(
    "",
    report.changed
      ? `${changes} flow change(s) across ${report.environments.length} environment(s).`
      : "No changes.",
  );
  return `${lines.join("\n")}\n`;
}

function paintDiff(line: string, paint: (t: string, c: Colour) => string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return paint(line, "bold");
  if (line.startsWith("+")) return paint(line, "green");
  if (line.startsWith("-")) return paint(line, "red");
  if (line.startsWith("@@")) return paint(line, "cyan");
  return line;
}

/** The plan and preflight verdict against a target, as plan prints them. */
export function targetLines(t: TargetVerdict): string[] {
  const s = t.plan.summary;
  const lines = [
    `  Target ${t.target}: plan ${t.plan.hash}: ${s.create} to create, ${s.update} to update, ${s.drifted} drifted, ${s.prune} to prune, ${s.unchanged} unchanged`,
  ];
  for (const a of t.plan.actions)
    if (a.kind !== "unchanged") lines.push(`    ${a.kind.padEnd(9)} ${a.key}  ${a.detail}`);
  lines.push(
    t.preflight.ok
      ? "  Preflight: passed (every referenced object exists in the target org)"
      : `  Preflight: FAILED with ${t.preflight.findings.length} finding(s)`,
  );
  for (const f of t.preflight.findings) lines.push(`    ${f.flow}: ${f.code}: ${f.message}`);
  for (const w of t.preflight.warnings) lines.push(`    warning: ${w.flow}: ${w.message}`);
  return lines;
}

/** A 40-hex commit (optionally with a suffix) shortened to 12 characters, as `git log --oneline`. */
export function short(revision: string): string {
  return revision.replace(/\b([0-9a-f]{12})[0-9a-f]{28}\b/, "$1");
}
