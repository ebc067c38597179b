import { z } from "zod";
import { globToRegExp } from "./glob.js";

/**
 * Schemas of the files users commit next to their flows (docs/repository-layout.md):
 * the optional manifest `ivr-promoter.yaml` and one `environments/<name>.yaml` per environment.
 * The JSON Schemas in schemas/ are generated from these (`npm run gen:schemas`).
 */

/** apiVersion of the manifest. */
export const FLOWSET_API_VERSION = "ivr.promoter.dev/v1alpha1";

/** A key usable as `{{key}}` in flow files. */
export const ValueKeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, "must start with a letter or _ and hold only letters, digits, _ . -");

const GlobSchema = z
  .string()
  .min(1)
  .refine(
    (g) => !g.startsWith("/") && !g.split("/").includes(".."),
    "must be relative to the flow path, without ..",
  )
  .refine((g) => {
    try {
      globToRegExp(g);
      return true;
    } catch {
      return false;
    }
  }, "is not a valid glob")
  .describe("Glob relative to the flow path: ** any directories, * and ? within a name, {a,b} alternatives.");

/** An extra ordering edge: the flow must be published after flow `name` (of `type`, if given). */
export const DependsOnSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe("Name of the flow this one depends on (after placeholder substitution)."),
    type: z
      .string()
      .regex(/^[A-Za-z]+$/, "must be an Archy flow key (workflow) or an API flow type (WORKFLOW)")
      .optional()
      .describe("Archy flow key (inboundCall, workflow, ...) or API type (INBOUNDCALL, WORKFLOW, ...)."),
  })
  .describe("A dependency Archy cannot see, e.g. a workflow started through a data action.");
/** See {@link DependsOnSchema}. */
export type DependsOn = z.infer<typeof DependsOnSchema>;

const ScalarValueSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: "must be a string, number or boolean",
});

/** Values given to one flow file, like the per-resource `substitutions` map of Terraform's genesyscloud_flow. */
const FlowValuesSchema = z
  .record(ValueKeySchema, ScalarValueSchema)
  .default({})
  .describe("Placeholder values for this flow only; they override the environment's values.");

/** Per-flow options in the manifest. */
export const FlowOptionsSchema = z.strictObject({
  dependsOn: z.array(DependsOnSchema).default([]).describe("Flows to publish before this one."),
  skip: z
    .boolean()
    .default(false)
    .describe("Leave this flow out of the flow set (it is neither linted nor promoted)."),
  values: FlowValuesSchema,
  environments: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "must be an environment name"),
      z.strictObject({ values: FlowValuesSchema }),
    )
    .default({})
    .describe(
      "Per environment: values for this flow in that environment, over `values` and the environment's values.",
    ),
});
/** See {@link FlowOptionsSchema}. */
export type FlowOptions = z.infer<typeof FlowOptionsSchema>;

/** The manifest `ivr-promoter.yaml`; every field but apiVersion/kind is optional. */
export const FlowSetManifestSchema = z
  .strictObject({
    apiVersion: z.literal(FLOWSET_API_VERSION),
    kind: z.literal("FlowSet"),
    description: z.string().optional(),
    include: z
      .array(GlobSchema)
      .min(1)
      .default(["flows/**/*.{yaml,yml}"])
      .describe("Which files are flows. Default: flows/**/*.{yaml,yml}."),
    exclude: z.array(GlobSchema).default([]).describe("Files matching include that are not flows after all."),
    placeholderSyntax: z
      .array(z.enum(["{{key}}", "${key}"]))
      .min(1)
      .default(["{{key}}"])
      .describe(
        "Placeholder syntaxes substituted in flow files: {{key}} (Archy, Terraform substitutions) and/or ${key} (Terraform templatefile()). Default: {{key}}.",
      ),
    flows: z
      .record(z.string().min(1), FlowOptionsSchema)
      .default({})
      .describe("Options per flow, keyed by file path (relative to the flow path) or by flow name."),
  })
  .describe("ivr-promoter flow set manifest (ivr-promoter.yaml at the flow path).");
/** See {@link FlowSetManifestSchema}. */
export type FlowSetManifest = z.infer<typeof FlowSetManifestSchema>;

/** The manifest used when the repository has none. */
export const DEFAULT_MANIFEST: FlowSetManifest = FlowSetManifestSchema.parse({
  apiVersion: FLOWSET_API_VERSION,
  kind: "FlowSet",
});

/**
 * The legacy map form of a secret value. Its Secret name and key are **ignored** by the operator since
 * the tenancy model: who may push to Git must not choose which Secret of the namespace is read (it
 * could name the org's own clientSecret and see it rendered into a flow). Only the key counts; the
 * IvrPromotion's `spec.secretValuesFrom` maps it to a Secret.
 */
export const SecretValueSchema = z.strictObject({
  secretKeyRef: z.strictObject({
    name: z
      .string()
      .min(1)
      .describe("Ignored (kept for compatibility); spec.secretValuesFrom names the Secret."),
    key: z.string().min(1).describe("Ignored (kept for compatibility)."),
  }),
});

/** `environments/<name>.yaml`: the placeholder values of one environment. */
export const EnvironmentFileSchema = z
  .strictObject({
    description: z.string().optional(),
    values: z
      .record(ValueKeySchema, ScalarValueSchema)
      .default({})
      .describe("Substituted for {{key}} in flow files."),
    secretValues: z
      .union([z.array(ValueKeySchema).max(64), z.record(ValueKeySchema, SecretValueSchema)])
      .default([])
      .describe(
        "Keys whose values must not live in Git: the operator takes them from the IvrPromotion's " +
          "spec.secretValuesFrom, the CLI from IVR_SECRET_<KEY>. A list of keys; the older map form " +
          "(key: { secretKeyRef }) is accepted but its Secret names are ignored.",
      ),
  })
  .describe("ivr-promoter environment values (environments/<name>.yaml under the flow path).");
/** See {@link EnvironmentFileSchema}. */
export type EnvironmentFile = z.infer<typeof EnvironmentFileSchema>;

/** The keys an environment declares secret, in either form of `secretValues`. */
export function secretKeysOf(env: EnvironmentFile): string[] {
  return Array.isArray(env.secretValues) ? [...env.secretValues] : Object.keys(env.secretValues);
}

/** The generated JSON Schemas: file name under schemas/ → schema object (the script pretty-prints them). */
export function layoutJsonSchemas(): Record<string, Record<string, unknown>> {
  const render = (schema: z.ZodType, name: string): Record<string, unknown> => {
    const { $schema, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
    return { $schema, $id: `https://ivr.promoter.dev/schemas/${name}`, ...rest };
  };
  const manifest = "flowset-manifest.schema.json";
  const environment = "flowset-environment.schema.json";
  return {
    [manifest]: render(FlowSetManifestSchema, manifest),
    [environment]: render(EnvironmentFileSchema, environment),
  };
}
