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

/** True when an odd number of expression `"` precede: the placeholder is inside a string literal. */
function insideStringLiteral(expr: string, yamlDouble: boolean): boolean {
  // In a YAML double-quoted scalar the expression's quotes are written \" ; elsewhere as is.
  const quotes = yamlDouble ? expr.match(/\\"/g) : expr.match(/"/g);
  return (quotes?.length ?? 0) % 2 === 1;
}

/** Errors for values with `"` or `\` that land inside an expression string literal. */
export function expressionValueFindings(
  text: string,
  placeholders: readonly Placeholder[],
  values: SubstitutionValues,
  file: string,
): Finding[] {
  const lines = text.split("\n");
  const findings: Finding[] = [];
  for (const p of placeholders) {
    if (p.key === undefined || p.context === "comment" || p.context === "block") continue;
    const value = values[p.key];
    if (value === undefined || !/["\\]/.test(value)) continue;
    const expr = expressionBefore(lines[p.line - 1] ?? "", p.column);
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
