import type { Plan, PlanAction } from "../engine/model.js";

const SYMBOL: Record<PlanAction["kind"], string> = {
  create: "+",
  update: "~",
  drifted: "!",
  prune: "-",
  unchanged: "=",
};

/** A plan for people, like `flux diff`: one line per change, unchanged flows counted, not listed. */
export function renderPlan(plan: Plan, options: { verbose?: boolean } = {}): string {
  const lines = [`Plan for revision ${shortRev(plan.revision)} → ${plan.target} (${plan.hash})`];
  const width = Math.max(10, ...plan.actions.map((a) => a.key.length));
  for (const a of plan.actions) {
    if (a.kind === "unchanged" && !options.verbose) continue;
    const deps = a.after.length > 0 ? ` (after ${a.after.join(", ")})` : "";
    lines.push(`  ${SYMBOL[a.kind]} ${a.kind.padEnd(9)} ${a.key.padEnd(width)}  ${a.detail}${deps}`);
  }
  lines.push(summaryLine(plan));
  return `${lines.join("\n")}\n`;
}

/** `2 to create, 1 to update, 0 drifted, 0 to prune, 5 unchanged` */
export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const changes = s.create + s.update + s.drifted + s.prune;
  const body = `${s.create} to create, ${s.update} to update, ${s.drifted} drifted, ${s.prune} to prune, ${s.unchanged} unchanged`;
  return changes === 0 ? `No changes. ${body}.` : `${body}.`;
}

/** True when applying the plan would write to the org. */
export function hasChanges(plan: Plan): boolean {
  return plan.actions.some((a) => a.kind !== "unchanged");
}

/** A 40-hex commit as its first 12 characters (as `git log --oneline` would); anything else as is. */
export function shortRev(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision;
}
