/**
 * Reverse substitution for export: puts `{{key}}` back where an environment's value appears, so YAML
 * captured from one org becomes portable. Pure text work; the caller verifies the round trip.
 */

/** The result of {@link reverseSubstitute}. */
export interface ReverseResult {
  text: string;
  /** How many occurrences each key replaced. */
  replaced: Record<string, number>;
  /** Values shared by several keys: left as literals, since either key could be meant. */
  ambiguous: string[];
}

const WORD = /[A-Za-z0-9_]/;

/**
 * Replaces whole-token occurrences of each value (longest first, so `Support - PROD` wins over `Support`)
 * with `{{key}}`. Values shorter than `minLength` are too generic to replace safely (`en`, `1`).
 */
export function reverseSubstitute(
  text: string,
  values: Readonly<Record<string, string>>,
  options: { minLength?: number; exclude?: ReadonlySet<string> } = {},
): ReverseResult {
  const minLength = options.minLength ?? 3;
  const byValue = new Map<string, string[]>();
  for (const [key, value] of Object.entries(values)) {
    if (value.length < minLength || options.exclude?.has(key)) continue;
    byValue.set(value, [...(byValue.get(value) ?? []), key]);
  }
  const ambiguous: string[] = [];
  const candidates: Array<[string, string]> = [];
  for (const [value, keys] of byValue) {
    if (keys.length > 1) ambiguous.push(...keys.sort());
    else candidates.push([value, keys[0] as string]);
  }
  candidates.sort((a, b) => b[0].length - a[0].length || a[0].localeCompare(b[0]));
  const replaced: Record<string, number> = {};
  let out = "";
  let i = 0;
  outer: while (i < text.length) {
    for (const [value, key] of candidates) {
      if (text.startsWith(value, i) && boundary(text, i - 1) && boundary(text, i + value.length)) {
        out += `{{${key}}}`;
        replaced[key] = (replaced[key] ?? 0) + 1;
        i += value.length;
        continue outer;
      }
    }
    out += text[i];
    i += 1;
  }
  return { text: out, replaced, ambiguous: ambiguous.sort() };
}

function boundary(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return true;
  return !WORD.test(text[index] as string);
}
