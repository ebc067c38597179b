/**
 * Finds `{{key}}` placeholders in Archy YAML text BEFORE it is parsed (many real files are not valid
 * YAML until substituted, e.g. `name: {{flow_name}}` reads as a flow mapping), and works out the
 * lexical context of each one so render.ts can keep the substituted YAML valid.
 */

/**
 * Where a placeholder sits:
 * - `plain`: it is a whole unquoted scalar (`name: {{x}}`, `{{x}}:` as a key);
 * - `plain-part`: part of a longer unquoted scalar (`tts: Hello {{x}}`);
 * - `double` / `single`: inside a double- / single-quoted scalar;
 * - `block`: inside a `|` or `>` block scalar;
 * - `comment`: after `#` (ignored: a comment renders to nothing that matters).
 */
export type PlaceholderContext = "plain" | "plain-part" | "double" | "single" | "block" | "comment";

/** One placeholder occurrence. Offsets index the original text; `line`/`column` are 1-based. */
export interface Placeholder {
  /** The text as written, e.g. `{{ flow_name }}`. */
  raw: string;
  /** The key (spaces trimmed); undefined when the braces hold no valid key or are never closed. */
  key: string | undefined;
  start: number;
  end: number;
  line: number;
  column: number;
  context: PlaceholderContext;
  /** Plain contexts: the placeholder starts the scalar (so the value's first character matters). */
  atScalarStart: boolean;
  /**
   * `$${…}`: Terraform templatefile()'s escape for a literal `${…}`. It is no placeholder (`key` is
   * undefined); where `${key}` is substituted it renders as `${…}`, one `$` dropped.
   */
  escaped?: boolean;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * The placeholder syntaxes: `{{key}}` (Archy, Terraform `substitutions`) and `${key}` (Terraform
 * `templatefile()`). The manifest's `placeholderSyntax` says which ones a repository substitutes.
 */
export type PlaceholderSyntax = "{{key}}" | "${key}";
const DELIMITERS: Record<PlaceholderSyntax, { open: string; close: string }> = {
  "{{key}}": { open: "{{", close: "}}" },
  "${key}": { open: "${", close: "}" },
};
const BLOCK_INDICATOR = /^[|>][-+0-9]*\s*(#.*)?$/;

/** True when a scalar may begin after `prefix` (start of line, after `key: `, `- `, `? `, `[`, `{`, `,`). */
function scalarMayStartAfter(prefix: string): boolean {
  const p = prefix.trimEnd();
  return p === "" || /(^|\s)[-?]$/.test(p) || /:$/.test(p) || /[[{,]$/.test(p);
}

/** The column a block scalar's content must be indented past: the key's, or the dash's for `- |`. */
function blockParentIndent(line: string): number {
  const afterDashes = /^(\s*)((?:-\s+)*)/.exec(line);
  const indent = afterDashes?.[1]?.length ?? 0;
  const dashes = afterDashes?.[2] ?? "";
  const rest = line.slice(indent + dashes.length);
  if (/^[|>]/.test(rest)) return indent + Math.max(0, dashes.length - 2);
  return indent + dashes.length;
}

/**
 * Scans `text` for placeholders of `syntaxes`, tracking quotes (also across lines), comments and
 * block scalars.
 */
export function scanPlaceholders(
  text: string,
  syntaxes: readonly PlaceholderSyntax[] = ["{{key}}"],
): Placeholder[] {
  const found: Placeholder[] = [];
  const delimiters = syntaxes.map((s) => DELIMITERS[s]);
  const openerAt = (line: string, i: number): { open: string; close: string } | undefined =>
    delimiters.find((d) => line.startsWith(d.open, i));
  const nextOpen = (line: string, from: number): number => {
    const at = delimiters.map((d) => line.indexOf(d.open, from)).filter((i) => i >= 0);
    return at.length > 0 ? Math.min(...at) : -1;
  };
  let quote: '"' | "'" | null = null;
  let blockIndent: number | null = null;
  let offset = 0;
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const lineStart = offset;
    offset += line.length + 1;
    const push = (start: number, end: number, context: PlaceholderContext, atScalarStart = false): void => {
      const d = openerAt(line, start);
      // templatefile() reads `$${` as a literal `${`: the escape starts at the extra `$`.
      const escaped = d?.open === "${" && start > 0 && line[start - 1] === "$";
      const from = escaped ? start - 1 : start;
      const raw = line.slice(from, end);
      const body = line.slice(start, end);
      const closed =
        d !== undefined && body.length >= d.open.length + d.close.length && body.endsWith(d.close);
      const inner = closed ? body.slice(d.open.length, -d.close.length).trim() : undefined;
      const key = !escaped && inner !== undefined && KEY.test(inner) ? inner : undefined;
      found.push({
        raw,
        key,
        start: lineStart + from,
        end: lineStart + end,
        line: index + 1,
        column: from + 1,
        context,
        atScalarStart,
        ...(escaped ? { escaped: true } : {}),
      });
    };
    const closeOf = (from: number): number => {
      const d = openerAt(line, from) ?? DELIMITERS["{{key}}"];
      const close = line.indexOf(d.close, from + d.open.length);
      return close < 0 ? line.length : close + d.close.length;
    };

    if (blockIndent !== null) {
      const indent = line.length - line.trimStart().length;
      if (line.trim() === "" || indent > blockIndent) {
        for (let i = nextOpen(line, 0); i >= 0; i = nextOpen(line, closeOf(i))) push(i, closeOf(i), "block");
        return;
      }
      blockIndent = null;
    }
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quote === '"') {
        if (ch === "\\") i++;
        else if (ch === '"') quote = null;
        else if (openerAt(line, i)) {
          push(i, Math.min(closeOf(i), endOfQuote(line, i, '"')), "double");
          i = found.at(-1)!.end - lineStart - 1;
        }
        continue;
      }
      if (quote === "'") {
        if (ch === "'" && line[i + 1] === "'") i++;
        else if (ch === "'") quote = null;
        else if (openerAt(line, i)) {
          push(i, Math.min(closeOf(i), endOfQuote(line, i, "'")), "single");
          i = found.at(-1)!.end - lineStart - 1;
        }
        continue;
      }
      const prefix = line.slice(0, i);
      if (ch === "#" && (i === 0 || /\s/.test(line[i - 1] ?? ""))) {
        for (let j = nextOpen(line, i); j >= 0; j = nextOpen(line, closeOf(j)))
          push(j, closeOf(j), "comment");
        return;
      }
      if ((ch === '"' || ch === "'") && scalarMayStartAfter(prefix)) {
        quote = ch;
        continue;
      }
      if (openerAt(line, i)) {
        const end = closeOf(i);
        const atStart = scalarMayStartAfter(prefix);
        const suffix = line.slice(end);
        const whole = atStart && (/^\s*(#.*)?$/.test(suffix) || /^\s*:(\s|$)/.test(suffix));
        push(i, end, whole ? "plain" : "plain-part", atStart);
        i = end - 1;
        continue;
      }
      if ((ch === "|" || ch === ">") && scalarMayStartAfter(prefix) && BLOCK_INDICATOR.test(line.slice(i))) {
        blockIndent = blockParentIndent(line);
        return;
      }
    }
  });
  return found;
}

/** Where a quoted scalar that contains position `from` ends on this line (line end if it goes on). */
function endOfQuote(line: string, from: number, quote: '"' | "'"): number {
  for (let i = from; i < line.length; i++) {
    if (quote === '"' && line[i] === "\\") i++;
    else if (quote === "'" && line[i] === "'" && line[i + 1] === "'") i++;
    else if (line[i] === quote) return i;
  }
  return line.length;
}
