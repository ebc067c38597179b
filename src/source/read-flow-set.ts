import { readdir, readFile, readlink, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { FlowSetReadError, PathEscapeError } from "./errors.js";

/**
 * Reads the YAML files of a flow set out of a checkout without ever leaving it: the flow path may not
 * be absolute or contain `..`, and every directory and file is checked by realpath, so a symlink in
 * the repository cannot make us read `/etc/passwd` or a Kubernetes service-account token.
 */

/** One YAML file of a flow set. */
export interface FlowSetFile {
  /** Path relative to the flow path, with `/` separators (e.g. `flows/voice/main-menu.yaml`). */
  path: string;
  text: string;
}

/** What {@link readFlowSet} found. */
export interface FlowSetTree {
  /** Real path of `<checkout>/<path>`. */
  dir: string;
  /** Every `.yaml`/`.yml` file below it (dot-files and dot-directories skipped), sorted by path. */
  files: FlowSetFile[];
}

/** Bounds that keep a hostile repository from exhausting memory. */
export interface ReadLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

/** Defaults: 2000 files, 4 MiB each, 64 MiB in all; flow sets are far smaller. */
export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxFiles: 2000,
  maxFileBytes: 4 << 20,
  maxTotalBytes: 64 << 20,
};

const YAML_FILE = /\.ya?ml$/i;
const MAX_DEPTH = 32;

/** Reads all YAML files under `path` (relative to `checkoutDir`); see the module comment for the rules. */
export async function readFlowSet(
  checkoutDir: string,
  path: string,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<FlowSetTree> {
  const root = await realpath(checkoutDir).catch(() => {
    throw new FlowSetReadError(`checkout directory ${checkoutDir} does not exist`);
  });
  const start = join(root, checkFlowPath(path));
  const dir = await realInside(root, start, `flow path "${path}"`);
  if (!(await stat(dir)).isDirectory()) throw new FlowSetReadError(`flow path "${path}" is not a directory`);
  const files: FlowSetFile[] = [];
  const budget = { files: 0, bytes: 0 };
  await walk({ root, base: start, limits, files, budget, visited: new Set([dir]) }, start, 0);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { dir, files };
}

/** Validates a flow path and returns it normalised (`""` for the checkout root). */
export function checkFlowPath(path: string): string {
  if (path.includes("\0")) throw new PathEscapeError(`flow path "${path}" contains a NUL byte`);
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\")) {
    throw new PathEscapeError(`flow path "${path}" must be relative to the repository root`);
  }
  const parts = path.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new PathEscapeError(`flow path "${path}" must not contain ".."`);
  return parts.join("/");
}

interface WalkState {
  root: string;
  base: string;
  limits: ReadLimits;
  files: FlowSetFile[];
  budget: { files: number; bytes: number };
  visited: Set<string>;
}

async function walk(state: WalkState, dir: string, depth: number): Promise<void> {
  if (depth > MAX_DEPTH)
    throw new FlowSetReadError(`${shown(state, dir)}: directories nested deeper than ${MAX_DEPTH}`);
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const logical = join(dir, entry.name);
    const isLink = entry.isSymbolicLink();
    if (!isLink && !entry.isDirectory() && !entry.isFile()) continue;
    if (!isLink && entry.isFile() && !YAML_FILE.test(entry.name)) continue;
    const real =
      isLink || entry.isDirectory() ? await realInside(state.root, logical, shown(state, logical)) : logical;
    const info = await stat(real);
    if (info.isDirectory()) {
      if (state.visited.has(real)) continue; // a symlink loop or a second link to the same directory
      state.visited.add(real);
      await walk(state, logical, depth + 1);
    } else if (info.isFile() && YAML_FILE.test(entry.name)) {
      await readOne(state, logical, await realInside(state.root, real, shown(state, logical)), info.size);
    }
  }
}

async function readOne(state: WalkState, logical: string, real: string, size: number): Promise<void> {
  const { limits, budget } = state;
  if (size > limits.maxFileBytes) {
    throw new FlowSetReadError(
      `${shown(state, logical)}: file is ${size} bytes, more than the limit of ${limits.maxFileBytes}`,
    );
  }
  budget.files += 1;
  budget.bytes += size;
  if (budget.files > limits.maxFiles)
    throw new FlowSetReadError(`flow set has more than ${limits.maxFiles} YAML files`);
  if (budget.bytes > limits.maxTotalBytes)
    throw new FlowSetReadError(`flow set is larger than ${limits.maxTotalBytes} bytes`);
  const path = relative(state.base, logical).split(sep).join("/");
  state.files.push({ path, text: await readFile(real, "utf8") });
}

/** realpath of `path`, which must exist and lie inside `root`; `label` names it in errors. */
async function realInside(root: string, path: string, label: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    // Dangling symlink or missing path: still refuse an outside target before calling it missing.
    const target = await readlink(path).catch(() => undefined);
    if (target !== undefined && !isInside(root, resolve(dirname(path), target))) throw escape(label);
    throw new FlowSetReadError(`${label}: does not exist${target !== undefined ? " (broken symlink)" : ""}`);
  }
  if (!isInside(root, real)) throw escape(label);
  return real;
}

function escape(label: string): PathEscapeError {
  return new PathEscapeError(`${label}: resolves outside the repository checkout (symlink escape refused)`);
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function shown(state: WalkState, path: string): string {
  return relative(state.root, path).split(sep).join("/") || ".";
}
