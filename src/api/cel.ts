import type { z } from "zod";

/**
 * Rules the Kubernetes structural schema cannot say with types alone (a `oneOf` is not structural),
 * written twice on purpose and side by side: as a zod refinement, so the CLI and the controller reject
 * the same input, and as an `x-kubernetes-validations` CEL rule, so the API server rejects it at
 * admission. `crd.ts` copies the metadata into the CRD unchanged.
 */
export interface CelRule {
  /** The CEL expression; `self` is the value of the field the rule is attached to. */
  rule: string;
  /** Shown to the user by the API server and by zod. */
  message: string;
}

/** The metadata key zod's JSON Schema output copies through into the CRD. */
export const CEL_META_KEY = "x-kubernetes-validations";

/**
 * Attaches one or more rules to `schema`: `check` is the zod twin of the CEL rules (it must accept exactly
 * what they accept). All rules of a node go in one call, because each `.meta()` replaces the last one.
 */
export function withCel<T extends z.ZodType>(
  schema: T,
  rules: CelRule[],
  check: (value: z.output<T>) => boolean,
): T {
  const message = rules.map((r) => r.message).join("; ");
  return schema.refine(check, { message, abort: true }).meta({ [CEL_META_KEY]: rules });
}

/** Keys of `value` that are set (not undefined). */
function setKeys(value: unknown, keys: readonly string[]): string[] {
  if (typeof value !== "object" || value === null) return [];
  return keys.filter((k) => Reflect.get(value, k) !== undefined);
}

/** "Exactly one of these optional fields", the structural-schema-friendly form of a `oneOf`. */
export function exactlyOneOf<T extends z.ZodType>(schema: T, keys: readonly string[], message: string): T {
  const rule = `[${keys.map((k) => `has(self.${k})`).join(", ")}].exists_one(x, x)`;
  return withCel(schema, [{ rule, message }], (value) => setKeys(value, keys).length === 1);
}
