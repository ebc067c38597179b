import { isMap, isScalar, isSeq, type Document, type LineCounter } from "yaml";

/** One scalar of a document (a mapping key or a value), with where it is. */
export interface ScalarSite {
  text: string;
  line: number | undefined;
  /** Dotted path, e.g. `inboundCall.menus[0].menu.name`. */
  path: string;
  isKey: boolean;
  /** The scalar is the value of an `exp:` key (an Archy expression). */
  isExpression: boolean;
}

/**
 * Every string-ish scalar of `doc` (keys included: Archy names data actions and bots by mapping key).
 * Aliases are not followed: parseArchyFlow has already refused documents that use them abusively,
 * and an aliased subtree's scalars are reported once, at the anchor.
 */
export function scalarSites(doc: Document, lines: LineCounter): ScalarSite[] {
  const sites: ScalarSite[] = [];
  const lineOf = (node: { range?: [number, number, number] | null }): number | undefined =>
    node.range ? lines.linePos(node.range[0]).line : undefined;
  const walk = (node: unknown, path: string, parentKey: string | undefined): void => {
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === "string" || typeof v === "number") {
        sites.push({
          text: String(v),
          line: lineOf(node),
          path,
          isKey: false,
          isExpression: parentKey === "exp",
        });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, `${path}[${i}]`, undefined));
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) continue;
        const childPath = path ? `${path}.${key}` : key;
        if (isScalar(pair.key)) {
          sites.push({
            text: key,
            line: lineOf(pair.key),
            path: childPath,
            isKey: true,
            isExpression: false,
          });
        }
        walk(pair.value, childPath, key);
      }
    }
  };
  walk(doc.contents, "", undefined);
  return sites;
}
