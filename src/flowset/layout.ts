import { checkFlowPath, readFlowSet, type FlowSetFile } from "../source/read-flow-set.js";
import { globToRegExp, matchesAny } from "./glob.js";
import type { OtherEnvironmentValues } from "./environment-gaps.js";
import type { Finding } from "./findings.js";
import { LayoutError, parseLayoutFile } from "./layout-file.js";
import { flowsFolders, leftOutFinding, leftOutReason, nonYamlFiles, underFolders } from "./layout-report.js";
import {
  DEFAULT_MANIFEST,
  EnvironmentFileSchema,
  FlowSetManifestSchema,
  type DependsOn,
  secretKeysOf,
  type EnvironmentFile,
  type FlowOptions,
  type FlowSetManifest,
} from "./layout-schema.js";

/**
 * The repository layout (docs/repository-layout.md): under the flow path sit an optional manifest
 * `ivr-promoter.yaml`, the flows (`flows/**\/*.{yaml,yml}` unless the manifest says otherwise) and one
 * `environments/<name>.yaml` per environment. `loadRepoLayout` turns that into the input of
 * `buildFlowSet`: the flow files, the values of the chosen environment, and the manifest's extras.
 */

/** The manifest's file name, at the flow path. */
export const MANIFEST_FILE = "ivr-promoter.yaml";
const ENVIRONMENT_FILE = /^environments\/([^/]+)\.yaml$/;
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** The chosen environment. */
export interface LayoutEnvironment {
  name: string;
  description: string | undefined;
  /** Its file, relative to the repository root (as shown in messages). */
  file: string;
}

/** What {@link loadRepoLayout} returns. */
export interface RepoLayout {
  /** The flow files (included, not excluded, not skipped), paths relative to the flow path, sorted. */
  files: FlowSetFile[];
  /** Placeholder values of the chosen environment, secrets resolved, all as strings. */
  values: Record<string, string>;
  /** Every other environment's values (without their secret values, which are never read). */
  otherEnvironments: Record<string, Record<string, string>>;
  /** The manifest with defaults applied ({@link DEFAULT_MANIFEST} when the repository has none). */
  manifest: FlowSetManifest;
  /** Manifest `dependsOn`, keyed by the depending flow's file path (as in `files[].path`). */
  extraDependsOn: Record<string, DependsOn[]>;
  environment: LayoutEnvironment;
  /**
   * Manifest per-flow values for `envName` (file path → key → value): `flows.<key>.values`, then
   * `flows.<key>.environments.<envName>.values` over them; buildFlowSet layers them over `values`.
   */
  fileValues: Record<string, Record<string, string>>;
  /** Each other environment's keys and per-flow values, for lint of per-environment gaps. */
  otherEnvironmentValues: OtherEnvironmentValues;
  /** Manifest `placeholderSyntax`: the placeholder syntaxes buildFlowSet substitutes. */
  placeholderSyntax: FlowSetManifest["placeholderSyntax"];
  /** Flow files the manifest marks `skip: true`. */
  skipped: string[];
  /**
   * `FileLeftOut` warnings: every file under the flows folder that is not a flow of the set (excluded,
   * matching no include glob, not YAML, `skip: true`), so nothing is left out silently.
   */
  layoutFindings: Finding[];
}

/**
 * Loads the layout under `path` of the checkout `root` for environment `envName`. `secrets` holds the
 * values for `secretValues` keys (the operator reads them from Kubernetes Secrets, the CLI from
 * IVR_SECRET_<KEY>). Throws {@link LayoutError} naming the file and field, PathEscapeError or
 * FlowSetReadError (from readFlowSet) for paths leaving the checkout or unreadable trees.
 */
export async function loadRepoLayout(
  root: string,
  path: string,
  envName: string,
  secrets: Readonly<Record<string, string>> = {},
): Promise<RepoLayout> {
  const prefix = checkFlowPath(path);
  const shown = (rel: string): string => (prefix ? `${prefix}/${rel}` : rel);
  const tree = await readFlowSet(root, path);
  const byPath = new Map(tree.files.map((f) => [f.path, f.text]));

  const manifestText = byPath.get(MANIFEST_FILE);
  const manifest =
    manifestText === undefined
      ? DEFAULT_MANIFEST
      : parseLayoutFile(FlowSetManifestSchema, manifestText, shown(MANIFEST_FILE));

  const environments = readEnvironments(tree.files, shown);
  const chosen = environments.get(envName);
  if (!chosen) {
    const available = [...environments.keys()].sort();
    const hint =
      available.length > 0 ? `available: ${available.join(", ")}` : "there are no environment files";
    throw new LayoutError(
      shown(`environments/${envName}.yaml`),
      `unknown environment "${envName}": no such file (${hint})`,
    );
  }
  const environment = { name: envName, description: chosen.data.description, file: chosen.file };
  const values = resolveValues(chosen.data, chosen.file, secrets);
  const otherEnvironments: Record<string, Record<string, string>> = {};
  for (const [name, env] of [...environments].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name !== envName) otherEnvironments[name] = stringify(env.data.values);
  }

  const candidates = selectFlowFiles(tree.files, manifest, shown, manifestText !== undefined);
  const options = resolveFlowOptions(manifest, candidates, values, shown(MANIFEST_FILE));
  checkFlowEnvironments(manifest, new Set(environments.keys()), shown(MANIFEST_FILE));
  const skipped = candidates.filter((f) => options.get(f.path)?.skip).map((f) => f.path);
  const files = candidates.filter((f) => !options.get(f.path)?.skip);
  const extraDependsOn: Record<string, DependsOn[]> = {};
  const fileValues: Record<string, Record<string, string>> = {};
  for (const file of files) {
    const opts = options.get(file.path);
    const dependsOn = opts?.dependsOn ?? [];
    if (dependsOn.length > 0) extraDependsOn[file.path] = dependsOn;
    const own = { ...opts?.values, ...opts?.environments[envName]?.values };
    if (Object.keys(own).length > 0) fileValues[file.path] = stringify(own);
  }
  const otherEnvironmentValues = otherEnvironmentsOf(environments, envName, files, options);
  const layoutFindings = await leftOutFindings(tree, manifest, skipped, shown);
  return {
    otherEnvironmentValues,
    files,
    values,
    fileValues,
    otherEnvironments,
    manifest,
    extraDependsOn,
    environment,
    skipped,
    layoutFindings,
    placeholderSyntax: manifest.placeholderSyntax,
  };
}

/** Each other environment's keys, and the manifest's per-flow values for it, per flow file. */
function otherEnvironmentsOf(
  environments: ReadonlyMap<string, LoadedEnvironment>,
  envName: string,
  files: readonly FlowSetFile[],
  options: ReturnType<typeof resolveFlowOptions>,
): OtherEnvironmentValues {
  const keys: Record<string, string[]> = {};
  const fileValues: Record<string, Record<string, Record<string, string>>> = {};
  const envOnlyKeys: Record<string, Record<string, string[]>> = {};
  for (const [name, env] of environments) {
    if (name === envName) continue;
    keys[name] = [...Object.keys(env.data.values), ...secretKeysOf(env.data)];
    fileValues[name] = {};
    envOnlyKeys[name] = {};
    for (const file of files) {
      const opts = options.get(file.path);
      const only = opts?.environments[name]?.values ?? {};
      const own = { ...opts?.values, ...only };
      if (Object.keys(own).length > 0) fileValues[name][file.path] = stringify(own);
      if (Object.keys(only).length > 0) envOnlyKeys[name][file.path] = Object.keys(only).sort();
    }
  }
  return { keys, fileValues, envOnlyKeys };
}

async function leftOutFindings(
  tree: { dir: string; files: readonly FlowSetFile[] },
  manifest: FlowSetManifest,
  skipped: readonly string[],
  shown: (rel: string) => string,
): Promise<Finding[]> {
  const folders = flowsFolders(manifest.include);
  const findings: Finding[] = [];
  for (const file of tree.files) {
    if (file.path === MANIFEST_FILE || ENVIRONMENT_FILE.test(file.path)) continue;
    const reason = skipped.includes(file.path)
      ? "the manifest marks it skip: true"
      : underFolders(file.path, folders)
        ? leftOutReason(file.path, manifest)
        : undefined;
    if (reason !== undefined) findings.push(leftOutFinding(shown(file.path), reason));
  }
  for (const path of await nonYamlFiles(tree.dir, folders)) {
    findings.push(leftOutFinding(shown(path), "not a YAML file (only .yaml and .yml files are read)"));
  }
  return findings;
}

interface LoadedEnvironment {
  file: string;
  data: EnvironmentFile;
}

function readEnvironments(
  files: readonly FlowSetFile[],
  shown: (rel: string) => string,
): Map<string, LoadedEnvironment> {
  const environments = new Map<string, LoadedEnvironment>();
  for (const file of files) {
    const name = ENVIRONMENT_FILE.exec(file.path)?.[1];
    if (name === undefined) continue;
    const shownFile = shown(file.path);
    if (!ENVIRONMENT_NAME.test(name)) {
      throw new LayoutError(
        shownFile,
        "environment names hold only letters, digits, - and _ (and start with a letter or digit)",
      );
    }
    environments.set(name, {
      file: shownFile,
      data: parseLayoutFile(EnvironmentFileSchema, file.text, shownFile),
    });
  }
  return environments;
}

function resolveValues(
  env: EnvironmentFile,
  file: string,
  secrets: Readonly<Record<string, string>>,
): Record<string, string> {
  const values = stringify(env.values);
  for (const key of secretKeysOf(env)) {
    if (key in values) throw new LayoutError(file, `secretValues.${key}: also defined in values; keep one`);
    const secret = secrets[key];
    if (secret === undefined) {
      throw new LayoutError(
        file,
        `secretValues.${key}: no value supplied (operator: spec.secretValuesFrom; CLI: environment variable ${secretEnvName(key)})`,
      );
    }
    values[key] = secret;
  }
  return values;
}

/** The environment variable the CLI reads a secret value from: `IVR_SECRET_` + the key upper-cased, `.`/`-` → `_`. */
export function secretEnvName(key: string): string {
  return `IVR_SECRET_${key.toUpperCase().replace(/[^A-Z0-9_]/g, "_")}`;
}

function stringify(values: Readonly<Record<string, string | number | boolean>>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

function selectFlowFiles(
  files: readonly FlowSetFile[],
  manifest: FlowSetManifest,
  shown: (rel: string) => string,
  hasManifest: boolean,
): FlowSetFile[] {
  const include = manifest.include.map(globToRegExp);
  const exclude = manifest.exclude.map(globToRegExp);
  // The manifest and the environment files are never flows, whatever the globs say.
  const selected = files.filter(
    (f) =>
      f.path !== MANIFEST_FILE &&
      !ENVIRONMENT_FILE.test(f.path) &&
      matchesAny(f.path, include) &&
      !matchesAny(f.path, exclude),
  );
  if (selected.length === 0 && !hasManifest) {
    // Without a manifest, naming ivr-promoter.yaml would send the reader to a file that does not exist.
    throw new LayoutError(
      shown("flows"),
      `no flow files: without ${MANIFEST_FILE} the layout reads ${manifest.include.join(", ")}, and nothing matches`,
    );
  }
  if (selected.length === 0) {
    throw new LayoutError(
      shown(MANIFEST_FILE),
      `include: no flow files match ${manifest.include.join(", ")}`,
    );
  }
  return selected;
}

/** Maps each `flows:` key of the manifest to the files it means: a file path, else every flow with that name. */
function resolveFlowOptions(
  manifest: FlowSetManifest,
  candidates: readonly FlowSetFile[],
  values: Readonly<Record<string, string>>,
  manifestFile: string,
): Map<string, FlowOptions> {
  const options = new Map<string, FlowOptions>();
  const names = new Map(candidates.map((f) => [f.path, flowNameOf(f.text, values)]));
  for (const [key, opts] of Object.entries(manifest.flows)) {
    // Names compare like buildFlowSet compares them: trimmed, case-insensitive.
    const wanted = key.trim().toLowerCase();
    const matched = names.has(key)
      ? [key]
      : [...names].filter(([, name]) => name?.trim().toLowerCase() === wanted).map(([path]) => path);
    if (matched.length === 0) {
      throw new LayoutError(
        manifestFile,
        `flows[${JSON.stringify(key)}]: matches no flow file and no flow name`,
      );
    }
    for (const path of matched) {
      const current = options.get(path) ?? { skip: false, dependsOn: [], values: {}, environments: {} };
      // A path key and a name key can both mean one file: merge, the later key's values winning.
      const environments = { ...current.environments };
      for (const [env, e] of Object.entries(opts.environments)) {
        environments[env] = { values: { ...environments[env]?.values, ...e.values } };
      }
      options.set(path, {
        skip: current.skip || opts.skip,
        dependsOn: [...current.dependsOn, ...opts.dependsOn],
        values: { ...current.values, ...opts.values },
        environments,
      });
    }
  }
  return options;
}

/** `flows.<key>.environments.<name>` must name an environment file: a typo would silently do nothing. */
function checkFlowEnvironments(manifest: FlowSetManifest, known: ReadonlySet<string>, file: string): void {
  for (const [key, opts] of Object.entries(manifest.flows)) {
    for (const env of Object.keys(opts.environments)) {
      if (known.has(env)) continue;
      throw new LayoutError(
        file,
        `flows[${JSON.stringify(key)}].environments.${env}: no such environment (environments/${env}.yaml)`,
      );
    }
  }
}

/**
 * The flow name of an Archy file without a full parse (files are only valid YAML after substitution):
 * the first `name:` at the first indentation under the top-level key, quotes removed, `{{key}}` replaced.
 */
export function flowNameOf(text: string, values: Readonly<Record<string, string>>): string | undefined {
  const lines = text.split(/\r?\n/);
  const top = lines.findIndex((l) => /^[A-Za-z]+:\s*(#.*)?$/.test(l));
  if (top < 0) return undefined;
  let indent: string | undefined;
  for (const line of lines.slice(top + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const lead = /^(\s+)/.exec(line)?.[1];
    if (lead === undefined) return undefined; // the next top-level key: no name
    indent ??= lead;
    if (lead !== indent) continue;
    const value = new RegExp(`^${indent}name:\\s*(.*?)\\s*$`).exec(line)?.[1];
    if (value === undefined) continue;
    const unquoted = /^(["'])(.*)\1$/.exec(value)?.[2] ?? value;
    // Both syntaxes: a name key only matches when the value is known, so `${key}` cannot mislead here.
    return unquoted.replace(
      /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}|\$\{\s*([A-Za-z0-9_.-]+)\s*\}/g,
      (whole, a: string | undefined, b: string | undefined) => values[a ?? b ?? ""] ?? whole,
    );
  }
  return undefined;
}
