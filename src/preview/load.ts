import { createHash } from "node:crypto";
import { parseArchyFlow } from "../flowset/archy.js";
import { FlowParseError, FlowSetInvalidError } from "../flowset/errors.js";
import type { RenderedFlow } from "../flowset/flow-set.js";
import { formatFinding } from "../flowset/findings.js";
import { loadRepoLayout } from "../flowset/layout.js";
import { findingFromParseError } from "../flowset/lint.js";
import { renderFlowText } from "../flowset/render.js";
import type { ArchyFlow } from "../flowset/types.js";
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

/** Parsed flows by rendered text: base and head share most texts, and each is parsed once. */
export type ParseCache = Map<string, ArchyFlow>;

/**
 * One revision rendered for each of `environments` it has (masked). Renders and parses like the flow
 * set pipeline but does not lint (that is `lint`'s job, and a preview of a set with warnings is still
 * useful): a file that does not render or parse fails the preview, naming file and line.
 */
export async function renderForPreview(
  root: string,
  path: string,
  environments: readonly string[],
  cache: ParseCache = new Map(),
): Promise<Map<string, RenderedFlow[]>> {
  const present = new Set(await environmentNames(root, path));
  const out = new Map<string, RenderedFlow[]>();
  for (const env of environments) {
    if (!present.has(env)) continue;
    const layout = await loadRepoLayout(root, path, env, MASKED_SECRETS);
    const flows: RenderedFlow[] = [];
    const errors: string[] = [];
    for (const file of layout.files) {
      const values = { ...layout.values, ...layout.fileValues[file.path] };
      const rendered = renderFlowText(file.text, values, {
        file: file.path,
        environment: env,
        placeholderSyntax: layout.placeholderSyntax,
      });
      const bad = rendered.findings.filter((f) => f.severity === "error");
      if (bad.length > 0) {
        errors.push(...bad.map(formatFinding));
        continue;
      }
      try {
        const flow = cache.get(rendered.text) ?? parseArchyFlow(rendered.text, file.path);
        cache.set(rendered.text, flow);
        const contentHash = createHash("sha256").update(rendered.text).digest("hex");
        flows.push({ path: file.path, text: rendered.text, flow, contentHash });
      } catch (err) {
        if (!(err instanceof FlowParseError)) throw err;
        errors.push(formatFinding(findingFromParseError(err, file.path)));
      }
    }
    if (errors.length > 0) {
      const more = errors.length > 20 ? [`… and ${errors.length - 20} more`] : [];
      throw new FlowSetInvalidError(
        `flow set ${path} (environment ${env}) does not render:\n${[...errors.slice(0, 20), ...more].join("\n")}`,
      );
    }
    out.set(
      env,
      flows.sort((a, b) => a.path.localeCompare(b.path)),
    );
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
