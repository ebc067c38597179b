import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Finding } from "./findings.js";
import { globToRegExp, matchesAny } from "./glob.js";
import type { FlowSetManifest } from "./layout-schema.js";

/**
 * Files under the flows folder that the layout leaves out. A file that is silently never applied is
 * the worst outcome of a layout mistake (a `.yml` next to `.yaml` files, an exclude glob too wide), so
 * each one becomes a `FileLeftOut` warning naming the file and the reason.
 */

const YAML_FILE = /\.ya?ml$/i;
/** Bound on directory entries listed for non-YAML files (a hostile repository cannot make us walk forever). */
const MAX_LISTED = 5000;

/**
 * The folders the include globs read from: each glob's leading segments without wildcards
 * (`flows/**\/*.yaml` → `flows`). A glob starting with a wildcard has no folder (the whole flow path
 * would be "the flows folder", and every README there would be reported).
 */
export function flowsFolders(include: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const glob of include) {
    const segments = glob.split("/");
    const fixed: string[] = [];
    for (const s of segments.slice(0, -1)) {
      if (/[*?{]/.test(s)) break;
      fixed.push(s);
    }
    if (fixed.length > 0) folders.add(fixed.join("/"));
  }
  return [...folders].sort();
}

/** True when `path` lies under one of `folders`. */
export function underFolders(path: string, folders: readonly string[]): boolean {
  return folders.some((f) => path.startsWith(`${f}/`));
}

/** Why the manifest leaves a YAML file under the flows folder out, or undefined when it is a flow. */
export function leftOutReason(path: string, manifest: FlowSetManifest): string | undefined {
  const exclude = manifest.exclude.find((g) => globToRegExp(g).test(path));
  if (exclude !== undefined) return `excluded by the manifest (exclude: ${exclude})`;
  if (!matchesAny(path, manifest.include.map(globToRegExp))) {
    return `matches no include glob (${manifest.include.join(", ")})`;
  }
  return undefined;
}

/** A `FileLeftOut` warning for `file` (shown relative to the repository root). */
export function leftOutFinding(file: string, reason: string): Finding {
  return {
    severity: "warning",
    code: "FileLeftOut",
    file,
    message: `not a flow of the set: ${reason}; it is neither linted nor promoted`,
  };
}

/**
 * Files under `folders` (relative to the real flow directory `dir`) that are not YAML. Symlinks are
 * listed, never followed: only names are needed, and readFlowSet already refuses escaping links.
 */
export async function nonYamlFiles(dir: string, folders: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  let budget = MAX_LISTED;
  const walk = async (rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(dir, rel), { withFileTypes: true });
    } catch {
      return; // a missing folder has nothing left out
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith(".") || --budget < 0) continue;
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory() && depth < 32) await walk(path, depth + 1);
      else if (!entry.isDirectory() && !YAML_FILE.test(entry.name)) found.push(path);
    }
  };
  for (const folder of folders) {
    const info = await lstat(join(dir, folder)).catch(() => undefined);
    if (info?.isDirectory()) await walk(folder, 0);
  }
  return found.sort();
}
