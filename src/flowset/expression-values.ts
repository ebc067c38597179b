import type { Finding } from "./findings.js";
import type { Placeholder } from "./placeholders.js";
import type { SubstitutionValues } from "./render.js";

/**
 * Values substituted into a string literal of an Archy expression (`exp: "ToAudioTTS(\"{{greeting}}\")"`).
 * render.ts keeps the YAML valid, but a `"` or `\` in the value would end or break the expression's
 * string literal: the YAML is fine and the expression is not, and nothing would say so before publish.
 * We REFUSE such a value (an error naming key, file and line) rather than escape it: how Archy's
 * expression language escapes a quote inside a literal is not documented well enough to rely on, and
 * a refusal is visible where a wrong escape would only show up in the org.
 */

/** The expression text before the placeholder, when it sits in the value of an `exp:` key on its line. */
function expressionBefore(line: string, column: number): { text: string; yamlDouble: boolean } | undefined {
  const prefix = line.slice(0, column - 1);
  const m = /(?:^|[\s{,])exp:\s+(["']?)(.*)$/.exec(prefix);
  if (!m) return undefined;
  return { text: m[2] ?? "", yamlDouble: m[1] === '"' };
}

const BLOCK_HEADER = /[|>][-+0-9]*\s*(#.*)?$/;
const EXP_BLOCK_HEADER = /(?:^|[\s{,])exp:\s*[|>][-+0-9]*\s*(#.*)?$/;

/**
 * The expression text before a placeholder inside a block scalar (`exp: |` or `exp: >`): the block's
 * lines up to the placeholder. Undefined when the block is not the value of an `exp:` key. Quotes in
 * a block scalar are written as is, and folding (`>`) only turns line breaks into spaces.
 */
function blockExpressionBefore(lines: readonly string[], line: number, column: number): string | undefined {
  const indentOf = (l: string): number => l.length - l.trimStart().length;
  const here = lines[line - 1] ?? "";
  let minIndent = indentOf(here);
  for (let j = line - 2; j >= 0; j--) {
    const l = lines[j] ?? "";
    if (l.trim() === "" || indentOf(l) >= minIndent) continue;
    if (EXP_BLOCK_HEADER.test(l))
      return [...lines.slice(j + 1, line - 1), here.slice(0, column - 1)].join("\n");
    if (BLOCK_HEADER.test(l)) return undefined; // the block of another key
    minIndent = indentOf(l); // a less indented line of the same block
  }
  return undefined;
}

/** True when an odd number of expression `"` precede: the placeholder is inside a string literal. */
function insideStringLiteral(expr: string, yamlDouble: boolean): boolean {
  // In a YAML double-quoted scalar the expression's quotes are written \" ; elsewhere as is.
  const quotes = yamlDouble ? expr.match(/\\"/g) : expr.match(/"/g);
  return (quotes?.length ?? 0) % 2 === 1;
}

const blockOrUndefined = (text: string | undefined): { text: string; yamlDouble: boolean } | undefined =>
  text === undefined ? undefined : { text, yamlDouble: false };

/**
 * Errors for values with `"` or `\` that land inside an expression string literal, whether the
 * expression is a quoted or plain `exp:` value or an `exp: |` / `exp: >` block scalar.
 */
export function expressionValueFindings(
  text: string,
  placeholders: readonly Placeholder[],
  values: SubstitutionValues,
  file: string,
): Finding[] {
  const lines = text.split("\n");
  const findings: Finding[] = [];
  for (const p of placeholders) {
    if (p.key === undefined || p.context === "comment") continue;
    const value = values[p.key];
    if (value === undefined || !/["\\]/.test(value)) continue;
    const expr =
      p.context === "block"
        ? blockOrUndefined(blockExpressionBefore(lines, p.line, p.column))
        : expressionBefore(lines[p.line - 1] ?? "", p.column);
    if (!expr || !insideStringLiteral(expr.text, expr.yamlDouble)) continue;
    findings.push({
      severity: "error",
      code: "UnquotableValue",
      file,
      line: p.line,
      field: p.key,
      message: `the value of ${p.raw} holds a quote or backslash and lands inside a string literal of an expression, which it would break; remove them from the value or keep the value out of the expression`,
    });
  }
  return findings;
}
