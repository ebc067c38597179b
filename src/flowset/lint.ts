import type { ParsedArchyDocument } from "./archy.js";
import type { FlowParseError } from "./errors.js";
import type { Finding } from "./findings.js";
import type { GraphFlow, TypeMismatch } from "./graph.js";
import { hardCodedIdHint, internalIdRule } from "./id-rules.js";
import { dynamicLookups, idsInByIdCalls } from "./reference-rules.js";
import type { SubstitutionValues } from "./render.js";
import { scalarSites, type ScalarSite } from "./yaml-scalars.js";

/**
 * Content checks on rendered flows, and set-level checks. Each returns findings; none throws.
 * The traps they catch are the ones that only show up after a promotion reached the wrong org:
 * ids that differ per org, and one environment's names written literally into a shared file.
 */

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** Values shorter than this (or booleans) match too much text to be a meaningful signal. */
const MIN_MATCH_LENGTH = 3;

/** What a content check needs besides the flow itself. */
export interface LintContext {
  /** The environment being rendered (for messages). */
  environment?: string;
  /** This environment's substitution values. */
  values: SubstitutionValues;
  /** The other environments' values, by environment name. */
  otherEnvironments: Readonly<Record<string, SubstitutionValues>>;
}

/** Turns a parse failure into a finding with the same code lint uses for it. */
export function findingFromParseError(err: FlowParseError, file: string): Finding {
  const f: Finding = { severity: "error", code: err.problem, file, message: err.detail };
  if (err.location.line) f.line = err.location.line;
  if (err.location.field) f.field = err.location.field;
  return f;
}

/**
 * Hard-coded UUIDs and other environments' values in one rendered flow. `sourceText` is the file as
 * written: a UUID that only appears after substitution came from this environment's values, on purpose.
 */
export function lintFlowContent(
  parsed: ParsedArchyDocument,
  sourceText: string,
  file: string,
  context: LintContext,
): Finding[] {
  const findings: Finding[] = [];
  const flow = parsed.flow.name;
  const foreign = foreignValues(context);
  for (const site of scalarSites(parsed.doc, parsed.lines)) {
    const base = { file, flow, field: site.path, ...(site.line ? { line: site.line } : {}) };
    for (const match of site.text.matchAll(UUID)) {
      const uuid = match[0];
      if (!sourceText.includes(uuid)) continue;
      // A literal id passed to a lookup by id is as hard-coded as a whole-value id.
      const byIdCall =
        site.isExpression && idsInByIdCalls(site.text).some((id) => id.toLowerCase() === uuid.toLowerCase());
      const whole = byIdCall || site.text.trim().toLowerCase() === uuid.toLowerCase();
      // Flow-internal ids (id-rules.ts) travel with the flow; only ids of org objects differ per org.
      if (whole && internalIdRule(site.path)) continue;
      findings.push({
        ...base,
        severity: whole ? "error" : "warning",
        code: "HardCodedUuid",
        message: whole
          ? `hard-coded id ${uuid}: ids differ between orgs; ${hardCodedIdHint(site.path)}`
          : `text contains the id ${uuid}; if it names an org object, it will not exist in other orgs`,
      });
    }
    findings.push(...dynamicFindings(site, base));
    const owners = namesSomething(site, parsed.flow.archyType)
      ? (foreign.get(site.text.trim()) ?? expressionMatch(site.isExpression, site.text, foreign))
      : undefined;
    if (owners) {
      const who = owners.map((o) => `environment "${o.environment}" value of {{${o.key}}}`).join(", ");
      const hint = owners[0] ? ` use {{${owners[0].key}}} instead` : "";
      const here = context.environment ? ` rendered for "${context.environment}"` : "";
      findings.push({
        ...base,
        severity: "error",
        code: "OtherEnvironmentValue",
        message: `"${owners[0]?.value ?? site.text}" is the ${who}, hard-coded in a file${here};${hint}`,
      });
    }
  }
  return findings;
}

/** Lookups by a name known only at run time: reported (never silently skipped) as not checked. */
function dynamicFindings(site: ScalarSite, base: Omit<Finding, "severity" | "code" | "message">): Finding[] {
  const found: Finding[] = [];
  if (site.isExpression) {
    for (const { fn, argument } of dynamicLookups(site.text)) {
      found.push({
        ...base,
        severity: "warning",
        code: "DynamicReference",
        message: `${fn}(${argument}) looks an object up by a value known only at run time: dynamic, not checked before promotion`,
      });
    }
  }
  if (!site.isKey && /\.find[A-Za-z]+\.findName\.exp$/.test(site.path)) {
    found.push({
      ...base,
      severity: "warning",
      code: "DynamicReference",
      message: `findName is an expression (${site.text.trim()}): the name is known only at run time; dynamic, not checked before promotion`,
    });
  }
  return found;
}

/** Flow-ref keys whose bare `name:` child names a flow (`targetFlow: name: X`). */
const BARE_NAME = /\.(targetFlow|overrideInQueueFlow|inQueueFlow)\.name$/;

/**
 * Scalars that can name an org object or flow: the flow's own name, literals (`lit: X`, `lit: name: X`),
 * mapping keys (data actions, bots, tables), bare flow names and expressions. Labels (an action's
 * `name`, `tts`, `description`) only show up in Architect, so another environment's name there is harmless.
 */
function namesSomething(site: ScalarSite, archyType: string): boolean {
  return (
    site.isKey ||
    site.isExpression ||
    site.path === `${archyType}.name` ||
    /\.lit(\.name)?$/.test(site.path) ||
    BARE_NAME.test(site.path)
  );
}

interface ForeignOwner {
  environment: string;
  key: string;
  value: string;
}

/** Values of OTHER environments that this environment does not also use (shared values are fine). */
function foreignValues(context: LintContext): Map<string, ForeignOwner[]> {
  const mine = new Set(Object.values(context.values).map((v) => v.trim()));
  const out = new Map<string, ForeignOwner[]>();
  for (const [environment, values] of Object.entries(context.otherEnvironments)) {
    if (environment === context.environment) continue;
    for (const [key, raw] of Object.entries(values)) {
      const value = raw.trim();
      if (value.length < MIN_MATCH_LENGTH || /^(true|false)$/i.test(value) || mine.has(value)) continue;
      out.set(value, [...(out.get(value) ?? []), { environment, key, value }]);
    }
  }
  return out;
}

/** Inside an expression, a foreign value counts when it is a whole string literal: `FindQueue("X")`. */
function expressionMatch(
  isExpression: boolean,
  text: string,
  foreign: ReadonlyMap<string, ForeignOwner[]>,
): ForeignOwner[] | undefined {
  if (!isExpression) return undefined;
  for (const literal of text.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const owners = foreign.get((literal[1] ?? "").trim());
    if (owners) return owners;
  }
  return undefined;
}

/** Two files defining the same (type, name): the second and later ones are errors naming the first. */
export function duplicateFindings(flows: ReadonlyArray<GraphFlow & { line?: number }>): Finding[] {
  const first = new Map<string, GraphFlow>();
  const findings: Finding[] = [];
  for (const f of flows) {
    const key = `${f.apiType}\u0000${f.name.trim().toLowerCase()}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, f);
      continue;
    }
    findings.push({
      severity: "error",
      code: "DuplicateFlow",
      file: f.id,
      ...(f.line ? { line: f.line } : {}),
      flow: f.name,
      field: "name",
      message: `flow ${f.apiType} "${f.name}" is also defined in ${earlier.id}; a flow set must define each (type, name) once`,
    });
  }
  return findings;
}

/** A flow reference that names a flow of the set of another type (e.g. a bot call naming an inbound flow). */
export function typeMismatchFindings(
  mismatches: readonly TypeMismatch[],
  flows: readonly GraphFlow[],
): Finding[] {
  const byId = new Map(flows.map((f) => [f.id, f]));
  return mismatches.map((m) => {
    const found = m.candidates.map((c) => `${c.apiType} in ${c.id}`).join(", ");
    const f: Finding = {
      severity: "error",
      code: "WrongFlowType",
      file: m.from,
      field: m.reference.path,
      message: `references ${m.reference.flowType} flow "${m.reference.name}", but the set defines that name as ${found}`,
    };
    const flow = byId.get(m.from)?.name;
    if (flow) f.flow = flow;
    if (m.reference.line) f.line = m.reference.line;
    return f;
  });
}
