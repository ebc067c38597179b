/**
 * Minimal glob matching for manifest include/exclude patterns (paths with `/` separators):
 * `**` any number of path segments, `*` and `?` within one segment, `{a,b}` alternatives.
 * Written here rather than taken from node:path `matchesGlob`, which is experimental on Node 20.
 */

/** Compiles a glob to an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      const atSegmentStart = i === 0 || glob[i - 1] === "/";
      if (atSegmentStart && slashAfter) {
        out += "(?:[^/]+/)*"; // `**/`: zero or more whole directories
        i += 2;
      } else {
        out += ".*";
        i += 1;
      }
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "{") {
      out += "(?:";
      depth += 1;
    } else if (c === "}" && depth > 0) {
      out += ")";
      depth -= 1;
    } else if (c === "," && depth > 0) out += "|";
    else out += c.replace(/[.+^$()|[\]\\{}]/g, "\\$&");
  }
  if (depth > 0) throw new Error(`unbalanced "{" in glob "${glob}"`);
  return new RegExp(`^${out}$`);
}

/** True when `path` matches any of `globs`. */
export function matchesAny(path: string, globs: readonly RegExp[]): boolean {
  return globs.some((g) => g.test(path));
}
