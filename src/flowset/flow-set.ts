import { createHash } from "node:crypto";
import { apiTypeOfArchyKey, parseArchyDocument } from "./archy.js";
import { DependencyCycleError, FlowParseError, FlowSetInvalidError } from "./errors.js";
import { formatFinding, hasErrors, sortFindings, type Finding } from "./findings.js";
import {
  dependencyLevels,
  resolveReferences,
  type ExternalReference,
  type FlowEdge,
  type GraphFlow,
} from "./graph.js";
import { duplicateFindings, findingFromParseError, lintFlowContent, typeMismatchFindings } from "./lint.js";
import { expressionValueFindings } from "./expression-values.js";
import { scanPlaceholders, type PlaceholderSyntax } from "./placeholders.js";
import { renderFlowText, type SubstitutionValues } from "./render.js";
import type { ArchyFlow } from "./types.js";
import { environmentGapFindings, type OtherEnvironmentValues } from "./environment-gaps.js";

/**
 * The pure flow-set pipeline: render every file for one environment, parse it, lint it, and order
 * the flows leaf-first. No I/O; every problem of every file becomes a finding (not only the first),
 * so one run shows everything a person has to fix.
 */

/** Input of {@link buildFlowSet}. Paths are used as ids and in messages (keep them repo-relative). */
export interface FlowSetInput {
  files: ReadonlyArray<{ path: string; text: string }>;
  /** This environment's substitution values. */
  values: SubstitutionValues;
  /**
   * Per-file values layered over `values` (file path → key → value), like the per-resource
   * `substitutions` map of Terraform's genesyscloud_flow: two files can both use `{{flow_name}}`.
   */
  fileValues?: Readonly<Record<string, SubstitutionValues>>;
  /** The file `values` came from, for findings about them (default `environments/<environment>.yaml`). */
  valuesFile?: string;
  /** This environment's name, for messages. */
  environment?: string;
  /** Other environments' values, for the "hard-coded other environment value" check. */
  otherEnvironments?: Readonly<Record<string, SubstitutionValues>>;
  /**
   * Extra ordering edges (manifest `dependsOn`): flow → flows it must come after. Flows are named by
   * file path or by (rendered) flow name, optionally with a type.
   */
  extraDependsOn?: Readonly<Record<string, readonly DependsOnTarget[]>>;
  /**
   * The placeholder syntaxes substituted (manifest `placeholderSyntax`, default `{{key}}`). A `${key}`
   * left unsubstituted is an error: it would reach the org as literal text.
   */
  placeholderSyntax?: readonly PlaceholderSyntax[];
  /**
   * What the other environments give each file (layout.ts): keys a file uses that have a value here
   * but none there are reported, so a per-flow gap shows before someone promotes there.
   */
  otherEnvironmentValues?: OtherEnvironmentValues;
  /** Findings the layout already made (files left out, ...); passed through into the set's findings. */
  layoutFindings?: readonly Finding[];
}

/** A flow named in `dependsOn`: a file path or flow name, or `{ name, type }` (Archy key or API type). */
export type DependsOnTarget = string | { name: string; type?: string | undefined };

/** One flow, rendered for the environment. */
export interface RenderedFlow {
  path: string;
  /** The rendered YAML (what gets imported). */
  text: string;
  flow: ArchyFlow;
  /** sha256 (hex) of `text`: the identity of what would be imported. */
  contentHash: string;
}

/** Output of {@link buildFlowSet}. */
export interface FlowSet {
  /** Flows that rendered and parsed, sorted by path (duplicates after the first left out). */
  flows: RenderedFlow[];
  /** Leaf-first levels (level 0 has no dependency in the set); empty when there is a cycle. */
  order: RenderedFlow[][];
  /** Dependencies between flows of the set (`from` comes after `to`). */
  edges: FlowEdge[];
  /** References outside the set: objects and flows that must already exist in the org. */
  external: ExternalReference[];
  /** Every finding, sorted by file and line. */
  findings: Finding[];
}

/** Renders, parses, lints and orders a flow set (see {@link FlowSet}). Never throws for bad input. */
export function buildFlowSet(input: FlowSetInput): FlowSet {
  const findings: Finding[] = [...(input.layoutFindings ?? [])];
  const usedKeys = new Set<string>();
  const flows: Array<RenderedFlow & { line?: number }> = [];
  const context = {
    values: input.values,
    otherEnvironments: input.otherEnvironments ?? {},
    ...(input.environment ? { environment: input.environment } : {}),
  };
  for (const file of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) {
    const values = { ...input.values, ...input.fileValues?.[file.path] };
    const syntax = input.placeholderSyntax ?? ["{{key}}"];
    const rendered = renderFlowText(file.text, values, {
      file: file.path,
      placeholderSyntax: syntax,
      ...context,
    });
    if (!syntax.includes("${key}")) findings.push(...templatePlaceholderFindings(file.path, file.text));
    for (const key of rendered.usedKeys) usedKeys.add(key);
    findings.push(...unusedFileValueFindings(file.path, input.fileValues?.[file.path], rendered.usedKeys));
    rendered.findings.push(...expressionValueFindings(file.text, rendered.placeholders, values, file.path));
    if (rendered.findings.length > 0) {
      findings.push(...rendered.findings);
      continue; // a half-rendered file only produces confusing YAML errors
    }
    try {
      const parsed = parseArchyDocument(rendered.text, file.path);
      findings.push(...lintFlowContent(parsed, file.text, file.path, { ...context, values }));
      const contentHash = createHash("sha256").update(rendered.text).digest("hex");
      flows.push({
        path: file.path,
        text: rendered.text,
        flow: parsed.flow,
        contentHash,
        ...(parsed.nameLine ? { line: parsed.nameLine } : {}),
      });
    } catch (err) {
      if (!(err instanceof FlowParseError)) throw err;
      findings.push(findingFromParseError(err, file.path));
    }
  }
  findings.push(...unusedKeyFindings(input, usedKeys));
  if (input.otherEnvironmentValues && input.environment) {
    findings.push(
      ...environmentGapFindings({
        files: input.files,
        environment: input.environment,
        values: input.values,
        fileValues: input.fileValues ?? {},
        placeholderSyntax: input.placeholderSyntax ?? ["{{key}}"],
        others: input.otherEnvironmentValues,
      }),
    );
  }

  const graphFlows: Array<GraphFlow & { line?: number }> = flows.map((f) => ({
    id: f.path,
    name: f.flow.name,
    apiType: f.flow.apiType,
    references: f.flow.references,
    ...(f.line ? { line: f.line } : {}),
  }));
  const duplicates = duplicateFindings(graphFlows);
  findings.push(...duplicates);
  const dropped = new Set(duplicates.map((d) => d.file));
  const kept = flows.filter((f) => !dropped.has(f.path)).map(({ line: _line, ...f }) => f);
  const keptGraph = graphFlows.filter((f) => !dropped.has(f.id));

  const failed = new Set(input.files.map((f) => f.path).filter((p) => !flows.some((f) => f.path === p)));
  const extra = resolveExtraEdges(input.extraDependsOn ?? {}, keptGraph, failed, findings);
  const resolved = resolveReferences(keptGraph, extra);
  findings.push(...typeMismatchFindings(resolved.mismatches, keptGraph));
  let order: RenderedFlow[][] = [];
  try {
    const byPath = new Map(kept.map((f) => [f.path, f]));
    order = dependencyLevels(keptGraph, resolved.edges).map((level) => level.map((id) => byPath.get(id)!));
  } catch (err) {
    if (!(err instanceof DependencyCycleError)) throw err;
    findings.push({
      severity: "error",
      code: "DependencyCycle",
      file: err.cycle[0] ?? "",
      message: err.message,
    });
  }
  return {
    flows: kept,
    order,
    edges: resolved.edges,
    external: resolved.external,
    findings: sortFindings(findings),
  };
}

/** Throws {@link FlowSetInvalidError} listing the first errors when the set has any. */
export function assertFlowSetValid(set: FlowSet, max = 5): void {
  if (!hasErrors(set.findings)) return;
  const errors = set.findings.filter((f) => f.severity === "error");
  const shown = errors.slice(0, max).map(formatFinding).join("; ");
  const more = errors.length > max ? ` (and ${errors.length - max} more)` : "";
  throw new FlowSetInvalidError(`flow set has ${errors.length} error(s): ${shown}${more}`);
}

/** Keys of this environment no file used: probably a typo on one side (a warning, not an error). */
function unusedKeyFindings(input: FlowSetInput, used: ReadonlySet<string>): Finding[] {
  const env = input.environment ? `environment "${input.environment}"` : "the environment";
  return Object.keys(input.values)
    .filter((key) => !used.has(key))
    .sort()
    .map((key) => ({
      severity: "warning" as const,
      code: "UnusedKey" as const,
      file: input.valuesFile ?? (input.environment ? `environments/${input.environment}.yaml` : "(values)"),
      field: key,
      message: `substitution key "${key}" of ${env} is not used by any flow file`,
    }));
}

/** `${key}` (Terraform templatefile()) in a repository that does not substitute it: literal text otherwise. */
function templatePlaceholderFindings(path: string, text: string): Finding[] {
  // `$${x}` is not a placeholder in any syntax: escaped for templatefile(), literal text without it.
  return scanPlaceholders(text, ["${key}"])
    .filter((p) => p.context !== "comment" && p.key !== undefined && !p.escaped)
    .map((p) => ({
      severity: "error" as const,
      code: "UnresolvedPlaceholder" as const,
      file: path,
      line: p.line,
      field: p.key,
      message: `${p.raw} is a Terraform templatefile() placeholder, which this flow set does not substitute (it would reach the org as text); write {{${p.key}}} or add "\${key}" to placeholderSyntax in ivr-promoter.yaml`,
    }));
}

/** Per-flow values (manifest `flows.<key>.values`) the file never uses: a typo on one side. */
function unusedFileValueFindings(
  path: string,
  own: SubstitutionValues | undefined,
  used: ReadonlySet<string>,
): Finding[] {
  return Object.keys(own ?? {})
    .filter((key) => !used.has(key))
    .sort()
    .map((key) => ({
      severity: "warning" as const,
      code: "UnusedKey" as const,
      file: "ivr-promoter.yaml",
      field: `flows.${path}.values.${key}`,
      message: `per-flow value "${key}" for ${path} is not used by that file`,
    }));
}

/** Manifest `dependsOn` entries → edges between file paths; names matching nothing become findings. */
function resolveExtraEdges(
  dependsOn: Readonly<Record<string, readonly DependsOnTarget[]>>,
  flows: readonly GraphFlow[],
  failedPaths: ReadonlySet<string>,
  findings: Finding[],
): Array<{ from: string; to: string }> {
  const lookup = (target: DependsOnTarget): GraphFlow[] => {
    const { name, type } = typeof target === "string" ? { name: target, type: undefined } : target;
    const apiType = type === undefined ? undefined : (apiTypeOfArchyKey(type) ?? type.toUpperCase());
    const byPath = flows.filter((f) => f.id === name);
    if (byPath.length > 0) return byPath;
    const wanted = name.trim().toLowerCase();
    return flows.filter((f) => f.name.trim().toLowerCase() === wanted && (!apiType || f.apiType === apiType));
  };
  const unknown = (from: string, target: DependsOnTarget): void => {
    const shown =
      typeof target === "string" ? target : `${target.name}${target.type ? ` (${target.type})` : ""}`;
    findings.push({
      severity: "error",
      code: "UnknownDependsOn",
      file: "ivr-promoter.yaml",
      field: `dependsOn.${from}`,
      message: `dependsOn names "${shown}", which is neither a file nor a flow of the set`,
    });
  };
  const edges: Array<{ from: string; to: string }> = [];
  for (const [from, targets] of Object.entries(dependsOn)) {
    if (failedPaths.has(from)) continue; // that file already has its own errors
    const sources = lookup(from);
    if (sources.length === 0) unknown(from, from);
    for (const target of targets) {
      const found = lookup(target);
      // With files that failed to render, a name may belong to one of them: do not guess.
      if (found.length === 0 && failedPaths.size === 0) unknown(from, target);
      for (const source of sources) for (const t of found) edges.push({ from: source.id, to: t.id });
    }
  }
  return edges;
}
