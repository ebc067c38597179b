import type {
  EnvironmentPreview,
  FlowPreview,
  PreviewReport,
  SemanticChange,
  TargetVerdict,
} from "./model.js";
import { short } from "./render-text.js";

/**
 * The preview as a pull-request comment: a summary table first, then one collapsible section per
 * changed flow and environment (semantic changes, references, the Mermaid flowchart, the rendered
 * diff). The whole body stays within `limit` characters (GitHub's comment limit is 65,536): a section
 * that does not fit is shortened (diff, then flowchart, then the change list) with a note saying so,
 * and sections that cannot fit at all are counted at the end. Nothing is ever cut inside the table or
 * inside a code fence.
 */

/** The hidden marker CI recipes look for to update their one comment instead of adding another. */
export const COMMENT_MARKER = "<!-- ivr-promoter:preview -->";
/** GitHub's limit on an issue / pull-request comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Room kept for the closing note. */
const RESERVE = 400;
/** Rows of the summary table at most; the rest are counted below it. */
const MAX_ROWS = 200;

const BADGE: Record<FlowPreview["status"], string> = {
  added: "🟢 added",
  removed: "🔴 removed",
  changed: "🟡 changed",
  renamed: "🔵 renamed",
  unchanged: "⚪ unchanged",
};
const CHANGE_BADGE: Record<SemanticChange["change"], string> = { added: "➕", removed: "➖", changed: "✏️" };

/** Renders the report as Markdown of at most `limit` characters. */
export function renderPreviewMarkdown(report: PreviewReport, options: { limit?: number } = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const head = [
    COMMENT_MARKER,
    header(report),
    table(report),
    ...report.environments.flatMap(targetBlock),
  ].join("\n\n");
  const parts = [head];
  const used = head.length;
  const sections = report.environments.flatMap((env) =>
    env.flows.filter((f) => f.status !== "unchanged").map((flow) => ({ env, flow })),
  );
  // Every flow gets at least its summary (reserved first); the room left then goes to full sections, in
  // order, each shortened as far as needed so the summaries after it still fit.
  const budget = limit - RESERVE - used;
  const minimal = sections.map(({ env, flow }) => fitSection(env, flow, MINIMAL_ROOM, true)?.length ?? 0);
  let reservedAfter = minimal.reduce((n, m) => n + m + 2, 0);
  // Not even every summary fits: summaries only, as many as fit, the rest counted.
  const tight = reservedAfter > budget;
  let left = 0;
  let spent = 0;
  sections.forEach(({ env, flow }, i) => {
    reservedAfter -= minimal[i]! + 2;
    const room = budget - spent - (tight ? 0 : reservedAfter) - 2;
    const text = fitSection(env, flow, room, tight);
    if (text === undefined) {
      left++;
      return;
    }
    parts.push(text);
    spent += text.length + 2;
  });
  if (left > 0) {
    parts.push(
      `> ⚠️ ${left} flow section(s) left out to stay within the ${limit}-character comment limit; run \`ivr-promoter diff\` locally for everything.`,
    );
  }
  return `${parts.join("\n\n")}\n`;
}

function header(report: PreviewReport): string {
  const envs = report.environments.map((e) => e.environment);
  const verdict = report.changed
    ? `${report.environments.reduce((n, e) => n + e.flows.filter((f) => f.status !== "unchanged").length, 0)} flow change(s) in ${envs.length} environment(s)`
    : "No changes to any flow";
  return `## IVR flow preview\n\n\`${short(report.base)}\` → \`${short(report.head)}\` · flow path \`${report.path}\` · ${verdict}`;
}

/** One row per flow that changes in some environment; a status column per environment. */
function table(report: PreviewReport): string {
  const envs = report.environments;
  const rows = new Map<string, { type: string; name: string; cells: Map<string, FlowPreview> }>();
  for (const env of envs)
    for (const f of env.flows) {
      const key = `${f.type}/${f.name}`;
      const row = rows.get(key) ?? { type: f.type, name: f.name, cells: new Map() };
      row.cells.set(env.environment, f);
      rows.set(key, row);
    }
  const changed = [...rows.values()].filter((r) =>
    [...r.cells.values()].some((f) => f.status !== "unchanged"),
  );
  if (changed.length === 0) return `All ${rows.size} flow(s) render the same in every environment.`;
  const lines = [
    `| Flow | Type | ${envs.map((e) => cell(e.environment)).join(" | ")} |`,
    `|---|---|${envs.map(() => "---").join("|")}|`,
  ];
  for (const r of changed.slice(0, MAX_ROWS)) {
    const cells = envs.map((e) => {
      const f = r.cells.get(e.environment);
      return f
        ? BADGE[f.status] + (f.status === "renamed" && f.previousName ? ` from ${cell(f.previousName)}` : "")
        : "—";
    });
    lines.push(`| ${cell(r.name)} | ${r.type} | ${cells.join(" | ")} |`);
  }
  const more =
    changed.length > MAX_ROWS ? `\n\n…and ${changed.length - MAX_ROWS} more changed flow(s) not listed.` : "";
  const same = rows.size - changed.length;
  return `${lines.join("\n")}${more}${same > 0 ? `\n\n${same} other flow(s) unchanged in every environment.` : ""}`;
}

function targetBlock(env: EnvironmentPreview): string[] {
  const t: TargetVerdict | undefined = env.target;
  if (!t) return [];
  const s = t.plan.summary;
  const verdict = t.preflight.ok
    ? "✅ preflight passed"
    : `❌ preflight failed: ${t.preflight.findings.map((f) => `${inline(f.flow)}: ${inline(f.message)}`).join("; ")}`;
  return [
    `**${env.environment} → ${inline(t.target)}**: ${s.create} to create, ${s.update} to update, ${s.drifted} drifted, ${s.prune} to prune, ${s.unchanged} unchanged · ${verdict}`,
  ];
}

/** A summary-only section is never longer than this (the change list is cut to 10 first). */
const MINIMAL_ROOM = 4_000;

/**
 * The section at full size if it fits in `room`, else shortened; undefined if not even the summary fits.
 * `minimalOnly` skips straight to the summary forms (for reserving room).
 */
function fitSection(
  env: EnvironmentPreview,
  flow: FlowPreview,
  room: number,
  minimalOnly: boolean,
): string | undefined {
  const attempts: Array<() => string> = [
    () => section(env, flow, { diff: flow.diff, mermaid: true, changes: flow.changes.length }),
    () => section(env, flow, { diff: cutDiff(flow.diff, room), mermaid: true, changes: flow.changes.length }),
    () => section(env, flow, { diff: undefined, mermaid: true, changes: flow.changes.length }),
    () => section(env, flow, { diff: undefined, mermaid: false, changes: flow.changes.length }),
    () => section(env, flow, { diff: undefined, mermaid: false, changes: 10 }),
    () => section(env, flow, { diff: undefined, mermaid: false, changes: 0 }),
  ];
  for (const attempt of minimalOnly ? attempts.slice(3) : attempts) {
    const text = attempt();
    if (text.length <= room) return text;
  }
  return undefined;
}

/** The first lines of a diff that fit in about `room` characters (whole lines only). */
function cutDiff(diff: string, room: number): string {
  const budget = Math.max(0, room - 3000);
  const lines = diff.split("\n");
  const kept: string[] = [];
  let size = 0;
  for (const l of lines) {
    if (size + l.length + 1 > budget) break;
    kept.push(l);
    size += l.length + 1;
  }
  return kept.join("\n");
}

function section(
  env: EnvironmentPreview,
  flow: FlowPreview,
  show: { diff: string | undefined; mermaid: boolean; changes: number },
): string {
  const title = `<b>${html(env.environment)}</b> · ${html(flow.name)} (${flow.type}) — ${BADGE[flow.status]}`;
  const body: string[] = [];
  if (flow.note) body.push(`> ${inline(flow.note)}`);
  const file = flow.path ?? flow.previousPath;
  if (file)
    body.push(
      `File: \`${inline(file)}\`${flow.previousPath && flow.path ? ` (was \`${inline(flow.previousPath)}\`)` : ""}`,
    );
  const changes = flow.changes.slice(0, show.changes).map((c) => {
    const where = c.where ? ` in *${inline(c.where)}*` : "";
    const details = (c.details ?? []).map((d) => `\n  - \`${code(d)}\``).join("");
    return `- ${CHANGE_BADGE[c.change]} ${c.kind} **${inline(c.name)}**${where}${details}`;
  });
  if (changes.length > 0) body.push(`**Changes**\n\n${changes.join("\n")}`);
  const omitted = flow.changes.length - changes.length;
  if (omitted > 0) body.push(`*…${omitted} more change(s) not shown (comment size limit).*`);
  if (flow.references.length > 0) {
    const refs = flow.references.map(
      (r) =>
        `- ${CHANGE_BADGE[r.change]} ${r.kind} \`${code(r.category ? `${r.category} / ${r.name}` : r.name)}\``,
    );
    body.push(`**References**\n\n${refs.join("\n")}`);
  }
  if (show.mermaid && flow.mermaid) body.push(fenced("mermaid", flow.mermaid));
  else if (flow.mermaid) body.push("*Flowchart left out (comment size limit).*");
  if (show.diff !== undefined && show.diff !== "") {
    const cut = show.diff.length < flow.diff.length;
    const note = cut
      ? `\n\n*Diff truncated after ${show.diff.split("\n").length} of ${flow.diff.split("\n").length} lines (comment size limit).*`
      : "";
    body.push(
      `<details><summary>Rendered YAML diff (${env.environment})</summary>\n\n${fenced("diff", show.diff)}${note}\n\n</details>`,
    );
  } else if (flow.diff !== "") {
    body.push("*Rendered diff left out (comment size limit); run `ivr-promoter diff` to see it.*");
  }
  return `<details><summary>${title}</summary>\n\n${body.join("\n\n")}\n\n</details>`;
}

/** A code fence longer than any run of backticks in `text`, so the content cannot close it. */
function fenced(lang: string, text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.replace(/\n$/, "")}\n${fence}`;
}

const html = (t: string): string => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const cell = (t: string): string => inline(t).replace(/\|/g, "\\|");
const inline = (t: string): string => html(t.replace(/\s+/g, " ")).replace(/([\\`*_[\]])/g, "\\$1");
const code = (t: string): string => t.replace(/`/g, "'").replace(/\s+/g, " ");
