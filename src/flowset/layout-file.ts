import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { PromoterError } from "../errors.js";

/**
 * Reading the layout's own YAML files (manifest, environments) with errors that name the file, the
 * line and the field: `environments/prod.yaml:4: values.queue: must be a string, number or boolean`.
 */

/** A problem in the repository layout (manifest, environment files, which flows exist); a human must fix it. */
export class LayoutError extends PromoterError {
  /** The file at fault, as shown in the message (relative to the repository root). */
  readonly file: string | undefined;

  constructor(file: string | undefined, message: string) {
    super("FlowSetLayout", "Stalled", file ? `${file}: ${message}` : message);
    this.file = file;
  }
}

/** Parses `text` (shown as `file`) as YAML and then with `schema`; throws {@link LayoutError} on either failure. */
export function parseLayoutFile<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0].line;
    // Pretty errors append "at line L, column C:" and a code excerpt; the line goes in front instead.
    const message = (yamlError.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw new LayoutError(`${file}${line ? `:${line}` : ""}`, `invalid YAML: ${message || "unreadable"}`);
  }
  let data: unknown;
  try {
    // Layout files are small and hand-written: a low alias limit stops billion-laughs documents.
    data = doc.toJS({ maxAliasCount: 50 }) ?? {};
  } catch (err) {
    throw new LayoutError(file, `invalid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const line = lineOf(doc, lines, issue.path);
  const field = formatField(issue.path);
  throw new LayoutError(
    `${file}${line ? `:${line}` : ""}`,
    `${field ? `${field}: ` : ""}${issueMessage(issue)}`,
  );
}

/** zod's message, reworded where it is vague: which rule a record key broke, "required" for missing fields. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_key") return `key ${issue.issues[0]?.message ?? "is invalid"}`;
  if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) return "is required";
  return issue.message;
}

/** `values.queue`, `flows["Main Menu"].dependsOn[0].name`: a zod issue path the way a user reads it. */
export function formatField(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(part))) out += `${out ? "." : ""}${String(part)}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** The 1-based line of the node at `path`, or of its nearest existing ancestor. */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown =
      n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as Array<string | number>, true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
