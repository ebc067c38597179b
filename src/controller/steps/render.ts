import type { IvrPromotionSpec } from "../../api/ivr-promotion.js";
import { loadDesired, type LoadedFlowSet } from "../../engine/load.js";
import { parseLayoutFile } from "../../flowset/layout-file.js";
import { EnvironmentFileSchema, secretKeysOf } from "../../flowset/layout-schema.js";
import { PromoterError } from "../../errors.js";
import { checkFlowPath, readFlowSet } from "../../source/index.js";
import type { SecretReader } from "../credentials.js";

/**
 * Reads the flow set of the checkout in the repository layout and renders it for
 * `spec.environment`. Errors (bad files, unresolved placeholders, a reference cycle) are thrown as
 * Stalled PromoterErrors listing every problem; warnings are returned. A cycle alone passes when
 * `spec.cyclePolicy` is BreakWithStubs (the plan then cuts it and imports with stubs).
 */
export async function renderFlowSet(
  dir: string,
  spec: IvrPromotionSpec,
  secrets: SecretReader,
): Promise<LoadedFlowSet> {
  const values = await environmentSecrets(dir, spec, secrets);
  return loadDesired(dir, spec.path, spec.environment, values, { cyclePolicy: spec.cyclePolicy });
}

/** Git declared a key secret that `spec.secretValuesFrom` does not map: a person must add the mapping. */
export class SecretValueUnmappedError extends PromoterError {
  constructor(keys: readonly string[], file: string) {
    super(
      "SecretValueUnmapped",
      "Stalled",
      `${file} declares secretValues ${keys.map((k) => `"${k}"`).join(", ")} that spec.secretValuesFrom does not map`,
    );
  }
}

/**
 * The environment's `secretValues`, read from the Secrets **the object's** `spec.secretValuesFrom`
 * names (in its namespace). Git only says which keys are secret: a Secret name in the legacy map form
 * is ignored, so a push to Git cannot choose which Secret is rendered into a flow. Only the chosen
 * environment's keys are read; a missing environment file is left for the layout loader to report.
 */
async function environmentSecrets(
  dir: string,
  spec: IvrPromotionSpec,
  secrets: SecretReader,
): Promise<Record<string, string>> {
  const tree = await readFlowSet(dir, spec.path);
  const rel = `environments/${spec.environment}.yaml`;
  const file = tree.files.find((f) => f.path === rel);
  if (!file) return {};
  const prefix = checkFlowPath(spec.path);
  const shown = prefix ? `${prefix}/${rel}` : rel;
  const env = parseLayoutFile(EnvironmentFileSchema, file.text, shown);
  const mapped = new Map((spec.secretValuesFrom ?? []).map((m) => [m.key, m.secretKeyRef]));
  const keys = secretKeysOf(env);
  const unmapped = keys.filter((k) => !mapped.has(k));
  if (unmapped.length > 0) throw new SecretValueUnmappedError(unmapped, shown);
  const values: Record<string, string> = {};
  for (const key of keys) {
    const ref = mapped.get(key);
    if (!ref) continue;
    values[key] = await secrets.value(ref.name, ref.key, `spec.secretValuesFrom[${key}]`);
  }
  return values;
}
