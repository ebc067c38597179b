import type { Finding } from "./findings.js";
import { scanPlaceholders, type PlaceholderSyntax } from "./placeholders.js";
import type { SubstitutionValues } from "./render.js";

/**
 * Per-flow values are set per environment (manifest `flows.<key>.environments.<env>.values`), so a
 * key a flow uses can have a value in the environment being linted and none in another: that flow
 * would only fail once someone promotes to the other environment. Lint for one environment therefore
 * also looks at every other one, for the keys each flow file uses.
 */

/** What the other environments give each flow file. */
export interface OtherEnvironmentValues {
  /** Environment name → its values file's keys (values and secret keys; secret values are never read). */
  keys: Readonly<Record<string, readonly string[]>>;
  /** Environment name → file path → the manifest's per-flow values for that environment. */
  fileValues: Readonly<Record<string, Readonly<Record<string, SubstitutionValues>>>>;
  /** Environment name → file path → keys set only for that environment (`flows.<key>.environments.<env>`). */
  envOnlyKeys?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** The keys `text` uses in the given syntaxes (comments left out). */
export function usedKeys(text: string, syntax: readonly PlaceholderSyntax[]): string[] {
  const keys = scanPlaceholders(text, syntax)
    .filter((p) => p.context !== "comment" && p.key !== undefined)
    .map((p) => p.key!);
  return [...new Set(keys)].sort();
}

/**
 * Warnings for keys a flow file uses that have a value in `environment` (its values or the file's
 * per-flow values) but none in another environment, and for per-flow keys set only for another
 * environment that the file does not use. Each names the environment, the file and the key.
 */
export function environmentGapFindings(input: {
  files: ReadonlyArray<{ path: string; text: string }>;
  environment: string;
  values: SubstitutionValues;
  fileValues: Readonly<Record<string, SubstitutionValues>>;
  placeholderSyntax: readonly PlaceholderSyntax[];
  others: OtherEnvironmentValues;
}): Finding[] {
  const findings: Finding[] = [];
  const envs = Object.keys(input.others.keys).sort();
  for (const file of input.files) {
    const used = usedKeys(file.text, input.placeholderSyntax);
    const here = { ...input.values, ...input.fileValues[file.path] };
    for (const env of envs) {
      const there = new Set([
        ...(input.others.keys[env] ?? []),
        ...Object.keys(input.others.fileValues[env]?.[file.path] ?? {}),
      ]);
      for (const key of used.filter((k) => k in here && !there.has(k))) {
        findings.push({
          severity: "warning",
          code: "UnknownKey",
          file: file.path,
          field: key,
          message:
            `placeholder {{${key}}} has a value in environment "${input.environment}" but none in ` +
            `environment "${env}" (neither environments/${env}.yaml nor the manifest's per-flow values ` +
            `for ${file.path} set it); promoting to "${env}" would fail`,
        });
      }
      const usedSet = new Set(used);
      for (const key of input.others.envOnlyKeys?.[env]?.[file.path] ?? []) {
        if (usedSet.has(key)) continue;
        findings.push({
          severity: "warning",
          code: "UnusedKey",
          file: "ivr-promoter.yaml",
          field: `flows.${file.path}.environments.${env}.values.${key}`,
          message: `per-flow value "${key}" for ${file.path} in environment "${env}" is not used by that file`,
        });
      }
    }
  }
  return findings;
}
