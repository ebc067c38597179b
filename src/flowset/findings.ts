import { z } from "zod";

/**
 * Lint findings: what is wrong (or suspicious) in a flow set, each pinned to a file and line so a
 * person can fix it without reading the whole set. Errors block a promotion; warnings do not.
 */
export const FindingCodeSchema = z.enum([
  // substitution
  "UnresolvedPlaceholder",
  "UnknownKey",
  "EmptyValue",
  "UnusedKey",
  "UnquotableValue",
  // reading the file as an Architect flow
  "InvalidYaml",
  "AliasBomb",
  "TooLarge",
  "NotAFlow",
  "MissingName",
  // content
  "HardCodedUuid",
  // a lookup by a name known only at run time (warning: reported, not checked)
  "DynamicReference",
  "OtherEnvironmentValue",
  "DuplicateFlow",
  "WrongFlowType",
  "UnknownDependsOn",
  "DependencyCycle",
  // the repository layout itself (missing environment file, unreadable manifest)
  "Layout",
  // a file under the flows folder that is not a flow of the set (warning: never skipped silently)
  "FileLeftOut",
]);
/** Stable machine-readable finding code. */
export type FindingCode = z.infer<typeof FindingCodeSchema>;

/** One lint finding; `line` is 1-based in the flow file (rendering keeps line numbers). */
export const FindingSchema = z.object({
  severity: z.enum(["error", "warning"]),
  code: FindingCodeSchema,
  file: z.string(),
  line: z.number().int().positive().optional(),
  /** The flow name (rendered), when the file got that far. */
  flow: z.string().optional(),
  /** Dotted YAML path or substitution key the finding is about. */
  field: z.string().optional(),
  message: z.string(),
});
/** See {@link FindingSchema}. */
export type Finding = z.infer<typeof FindingSchema>;

/** `file:line: severity code: message [flow "X", field y]` — one line, the CLI and error messages use it. */
export function formatFinding(f: Finding): string {
  const where = f.line ? `${f.file}:${f.line}` : f.file;
  const context = [f.flow ? `flow "${f.flow}"` : "", f.field ? `field ${f.field}` : ""].filter(Boolean);
  const suffix = context.length > 0 ? ` (${context.join(", ")})` : "";
  return `${where}: ${f.severity} ${f.code}: ${f.message}${suffix}`;
}

/** Orders findings by file, then line, then code, so output is stable across runs. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.code.localeCompare(b.code),
  );
}

/** True when any finding is an error. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}
