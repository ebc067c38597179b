import type { IvrPromotionSpec } from "../../api/ivr-promotion.js";
import { loadDesired, type LoadedFlowSet } from "../../engine/load.js";
import { parseLayoutFile } from "../../flowset/layout-file.js";
import { EnvironmentFileSchema } from "../../flowset/layout-schema.js";
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

/**
 * The environment's `secretValues`, read from the Secrets its `secretKeyRef`s name (in the object's
 * namespace). Only the chosen environment's references are read; a missing environment file is left
 * for the layout loader to report.
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
  const values: Record<string, string> = {};
  for (const [key, ref] of Object.entries(env.secretValues)) {
    const { name, key: secretKey } = ref.secretKeyRef;
    values[key] = await secrets.value(name, secretKey, `${shown}: secretValues.${key}`);
  }
  return values;
}
