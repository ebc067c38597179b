import { parse as parseYaml } from "yaml";

/**
 * Whether two Archy documents say the same thing: equal after parsing, whatever the key order, quoting
 * or comments. An export need not reproduce the imported text byte for byte (the service may reorder
 * keys or drop comments), so a restore is verified on the parsed content.
 */
export function sameContent(a: string, b: string): boolean {
  const left = canonicalDoc(a);
  return left !== undefined && left === canonicalDoc(b);
}

function canonicalDoc(text: string): string | undefined {
  try {
    return JSON.stringify(parseYaml(text) as unknown, (_key, v: unknown) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
        : v,
    );
  } catch {
    return undefined;
  }
}
