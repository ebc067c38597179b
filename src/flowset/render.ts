import { parseDocument } from "yaml";
import type { Finding } from "./findings.js";
import { scanPlaceholders, type Placeholder, type PlaceholderSyntax } from "./placeholders.js";

/**
 * Per-environment substitution of `{{key}}` placeholders, on the TEXT before YAML parsing — the way
 * Archy and the Terraform `genesyscloud_flow` resource do it, because many real flow files are not
 * valid YAML until substituted (`name: {{flow_name}}` reads as a flow mapping).
 *
 * Unlike a blind text replace, each value is encoded for the spot it lands in, so a value such as
 * `Sales: EMEA` or `#1 Queue` cannot change the document's structure:
 * - whole unquoted scalar (`name: {{x}}`, `{{x}}:`): inserted as is when YAML reads it back as the
 *   same string, otherwise as a double-quoted YAML string (JSON string syntax is valid YAML);
 * - inside `"..."`: escaped for double quotes; inside `'...'`: quotes doubled;
 * - part of a longer unquoted text (`tts: Hello {{x}}`) or a block scalar: inserted as is when that is
 *   safe, otherwise an `UnquotableValue` error asks for the placeholder to be quoted in the file.
 * Line breaks never enter the text unescaped, so rendered line numbers equal source line numbers.
 */

/** The result of rendering one file. `findings` are errors for this file (unused keys are set-level). */
export interface RenderResult {
  text: string;
  /** Keys that at least one placeholder used. */
  usedKeys: Set<string>;
  findings: Finding[];
  placeholders: Placeholder[];
}

/** Substitution values of one environment (key → value). */
export type SubstitutionValues = Readonly<Record<string, string>>;

/** Options for {@link renderFlowText}. */
export interface RenderOptions {
  /** Path of the file, for findings. */
  file: string;
  /** Environment name, for messages. */
  environment?: string;
  /** The syntaxes substituted (manifest `placeholderSyntax`); default `{{key}}` only. */
  placeholderSyntax?: readonly PlaceholderSyntax[];
}

/** Renders one flow file's text for one environment; never throws for bad input (see `findings`). */
export function renderFlowText(
  text: string,
  values: SubstitutionValues,
  options: RenderOptions,
): RenderResult {
  const placeholders = scanPlaceholders(text, options.placeholderSyntax);
  const findings: Finding[] = [];
  const usedKeys = new Set<string>();
  const env = options.environment ? `environment "${options.environment}"` : "the environment";
  const error = (p: Placeholder, code: Finding["code"], message: string): void => {
    findings.push({
      severity: "error",
      code,
      file: options.file,
      line: p.line,
      field: p.key ?? p.raw,
      message,
    });
  };
  let out = "";
  let last = 0;
  for (const p of placeholders) {
    if (p.context === "comment") continue;
    if (p.escaped) {
      // `$${x}` → literal `${x}`, as templatefile() renders it.
      out += text.slice(last, p.start) + p.raw.slice(1);
      last = p.end;
      continue;
    }
    if (p.key === undefined) {
      error(
        p,
        "UnresolvedPlaceholder",
        `unresolved placeholder ${p.raw}: expected {{key}} with a key of letters, digits, _ . -`,
      );
      continue;
    }
    if (!Object.hasOwn(values, p.key)) {
      const known = Object.keys(values).sort().join(", ") || "none";
      error(p, "UnknownKey", `placeholder {{${p.key}}} has no value in ${env} (known keys: ${known})`);
      continue;
    }
    const value = values[p.key] ?? "";
    usedKeys.add(p.key);
    if (value.trim() === "") {
      error(p, "EmptyValue", `placeholder {{${p.key}}} has an empty value in ${env}`);
      continue;
    }
    const encoded = encodeFor(p, value);
    if (encoded === undefined) {
      error(
        p,
        "UnquotableValue",
        // The value itself stays out of the message: values may come from secrets.
        `the value of {{${p.key}}} would change the YAML structure here (a line break, ": ", " #" or a leading indicator); quote the placeholder in the flow file ("{{${p.key}}}")`,
      );
      continue;
    }
    out += text.slice(last, p.start) + encoded;
    last = p.end;
  }
  out += text.slice(last);
  return { text: out, usedKeys, findings, placeholders };
}

/** The text to insert for `value` at placeholder `p`, or undefined when it cannot be inserted safely. */
function encodeFor(p: Placeholder, value: string): string | undefined {
  switch (p.context) {
    case "double":
      return JSON.stringify(value).slice(1, -1);
    case "single":
      return value.includes("\n") ? undefined : value.replace(/'/g, "''");
    case "block":
      return value.includes("\n") ? undefined : value;
    case "plain":
      return readsBackAsPlain(value) ? value : JSON.stringify(value);
    case "plain-part":
      return safeInsidePlain(value, p.atScalarStart) ? value : undefined;
    default:
      return value;
  }
}

/** A value YAML parses back to the identical string, with no characters that matter in flow context. */
function readsBackAsPlain(value: string): boolean {
  if (value !== value.trim() || /[\n\r\t,[\]{}]/.test(value)) return false;
  const doc = parseDocument(value);
  if (doc.errors.length > 0 || doc.warnings.length > 0) return false;
  try {
    return doc.toJS() === value;
  } catch {
    return false;
  }
}

/** Inside a longer plain scalar only `: `, ` #`, line breaks (and indicators at the start) are unsafe. */
function safeInsidePlain(value: string, atScalarStart: boolean): boolean {
  if (/[\n\r]|: |:$| #|^#/.test(value)) return false;
  return !(atScalarStart && /^[-?:,[\]{}#&*!|>'"%@`]/.test(value));
}

/** Every `{{key}}` key used in `text` outside comments (for generating sample values). */
export function placeholderKeys(text: string): string[] {
  const keys = scanPlaceholders(text)
    .filter((p) => p.context !== "comment" && p.key !== undefined)
    .map((p) => p.key!);
  return [...new Set(keys)].sort();
}
