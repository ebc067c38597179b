import { loadDesired } from "../engine/load.js";
import type { RenderedFlow } from "../flowset/flow-set.js";
import { readFlowSet } from "../source/index.js";
import { countStatuses, previewFlows } from "./compare.js";
import type { EnvironmentPreview, PreviewReport } from "./model.js";

/**
 * Renders a checkout for preview, environment by environment, with every secret value replaced by
 * `<secret:KEY>`: the preview shows where a secret goes, never what it is, and needs no secret to run
 * (a pull-request job has none). The real values only matter against a target org (`--target`).
 */

const ENVIRONMENT_FILE = /^environments\/([^/]+)\.yaml$/;

/** The `<secret:KEY>` stand-in for every secret key. */
export const MASKED_SECRETS: Readonly<Record<string, string>> = new Proxy<Record<string, string>>(
  {},
  { get: (_t, key) => (typeof key === "string" ? `<secret:${key}>` : undefined) },
);

/** Environment names of the layout under `<root>/<path>` (environments/<name>.yaml), sorted. */
export async function environmentNames(root: string, path: string): Promise<string[]> {
  const tree = await readFlowSet(root, path);
  return tree.files
    .map((f) => ENVIRONMENT_FILE.exec(f.path)?.[1])
    .filter((n): n is string => n !== undefined)
    .sort();
}

/** One revision rendered for each of `environments` it has (masked). */
export async function renderForPreview(
  root: string,
  path: string,
  environments: readonly string[],
): Promise<Map<string, RenderedFlow[]>> {
  const present = new Set(await environmentNames(root, path));
  const out = new Map<string, RenderedFlow[]>();
  for (const env of environments) {
    if (!present.has(env)) continue;
    // A cycle is lint's to report; the preview still shows what changed.
    const loaded = await loadDesired(root, path, env, MASKED_SECRETS, { cyclePolicy: "BreakWithStubs" });
    out.set(env, loaded.flowSet.flows);
  }
  return out;
}

/** Builds the report of every environment in either revision (pure once both are rendered). */
export function buildReport(
  meta: { base: string; head: string; path: string },
  base: ReadonlyMap<string, RenderedFlow[]>,
  head: ReadonlyMap<string, RenderedFlow[]>,
  environments: readonly string[],
): PreviewReport {
  const envs: EnvironmentPreview[] = [];
  for (const env of environments) {
    const b = base.get(env);
    const h = head.get(env);
    if (!b && !h) continue;
    const flows = previewFlows(b ?? [], h ?? []);
    envs.push({
      environment: env,
      presence: b && h ? "both" : h ? "added" : "removed",
      counts: countStatuses(flows),
      flows,
    });
  }
  return { ...meta, changed: envs.some(hasChanges), environments: envs };
}

/** True when some flow of the environment is not unchanged. */
export function hasChanges(env: EnvironmentPreview): boolean {
  return env.flows.some((f) => f.status !== "unchanged");
}
