import { z } from "zod";
import { stringify } from "yaml";
import { PromoterError } from "../errors.js";
import { CEL_META_KEY } from "./cel.js";
import {
  API_VERSION,
  GROUP,
  IvrPromotionSpecSchema,
  IvrPromotionStatusSchema,
  NAMES,
  VERSION,
} from "./ivr-promotion.js";

/**
 * The IvrPromotion CustomResourceDefinition, generated from the zod schemas so the API server,
 * `kubectl explain` and our own parsing can never disagree. `npm run gen:crds` writes it to
 * crds/; a unit test fails when the committed file is behind the schemas.
 */

/** A JSON Schema node as zod emits it and Kubernetes reads it. */
export type JsonSchema = { [key: string]: unknown };

/** The generated schema breaks a Kubernetes structural-schema rule (a bug in src/api, caught at generation). */
export class CrdSchemaError extends PromoterError {
  constructor(path: string, problem: string) {
    super("CRD_SCHEMA_INVALID", "Stalled", `CRD schema at ${path || "<root>"}: ${problem}`);
  }
}

/** The file `npm run gen:crds` writes, relative to the repository root. */
export const CRD_FILE = `crds/${GROUP}_${NAMES.plural}.yaml`;

const COMBINATORS = ["$ref", "anyOf", "oneOf", "allOf", "not"] as const;
const SAFE_INT_BOUND = Number.MAX_SAFE_INTEGER;

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Turns zod's OpenAPI 3.0 output into a Kubernetes structural schema
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
 * every node has a `type`; no `$ref` or combinators (our "oneOf" rules are CEL, see cel.ts);
 * `additionalProperties: false` dropped (the server prunes unknown fields instead, and it may not sit
 * beside `properties`); zod's RE2-incompatible date-time regex and its ±2^53 integer bounds dropped.
 * Throws {@link CrdSchemaError} rather than emitting a schema the server would reject.
 */
export function toStructural(node: JsonSchema, path = ""): JsonSchema {
  const out: JsonSchema = {};
  for (const key of COMBINATORS) {
    if (key in node) throw new CrdSchemaError(path, `"${key}" is not allowed; express it as a CEL rule`);
  }
  if (typeof node.type !== "string") throw new CrdSchemaError(path, "every node needs a single type");
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || key === "id" || key === "$id") continue;
    if (key === "additionalProperties" && value === false) continue;
    if (key === "pattern" && node.format === "date-time") continue;
    if ((key === "minimum" || key === "maximum") && Math.abs(Number(value)) === SAFE_INT_BOUND) continue;
    out[key] = value;
  }
  if (isSchema(node.properties)) {
    if (isSchema(node.additionalProperties)) {
      throw new CrdSchemaError(path, "properties and additionalProperties are mutually exclusive");
    }
    const props: JsonSchema = {};
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isSchema(child)) throw new CrdSchemaError(`${path}.${name}`, "not a schema");
      props[name] = toStructural(child, `${path}.${name}`);
    }
    out.properties = props;
  }
  if (isSchema(node.items)) out.items = toStructural(node.items, `${path}[]`);
  if (isSchema(node.additionalProperties)) {
    out.additionalProperties = toStructural(node.additionalProperties, `${path}{}`);
  }
  if (node.type === "integer") out.format = "int64";
  return out;
}

/** The structural schema of one zod schema, as the API server should see it (input side: defaults optional). */
export function crdSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    reused: "inline",
    cycles: "throw",
    unrepresentable: "throw",
  });
  return toStructural(json);
}

/**
 * Moves `required` lists into CEL rules that report the same `Required value` error at the same path
 * (`fieldPath` + `reason: FieldValueRequired`). The API server skips every CEL rule of an object that
 * has a schema-level `required` error, and says so with a second, confusing error ("some validation
 * rules were not checked because the object was invalid"); as CEL, a missing field is one clean line:
 * `spec.target.credentialsSecretRef: Required value: must be set`. The required rules come first, so
 * they are what a user reads first.
 */
export function requiredAsCel(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...node };
  if (isSchema(node.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([k, v]) => [k, isSchema(v) ? requiredAsCel(v) : v]),
    );
  }
  if (isSchema(node.items)) out.items = requiredAsCel(node.items);
  const required = Array.isArray(node.required) ? (node.required as string[]) : [];
  if (required.length === 0) return out;
  delete out.required;
  const existing = Array.isArray(node[CEL_META_KEY]) ? (node[CEL_META_KEY] as unknown[]) : [];
  out[CEL_META_KEY] = [
    ...required.map((key) => ({
      rule: `has(self.${key})`,
      message: "must be set",
      fieldPath: `.${key}`,
      reason: "FieldValueRequired",
    })),
    ...existing,
  ];
  return out;
}

/** `.status.conditions[?(@.type=="Ready")]` + a field, for printer columns. */
const readyCondition = (field: string) => `.status.conditions[?(@.type=="Ready")].${field}`;

/** The CustomResourceDefinition object (apiextensions.k8s.io/v1). */
export function buildIvrPromotionCrd(): JsonSchema {
  const openAPIV3Schema: JsonSchema = {
    type: "object",
    description:
      "IvrPromotion promotes a set of Genesys Cloud Architect flows from a Git revision into a Genesys Cloud org, " +
      "and keeps the org in step with Git (the way Flux's Kustomization does for manifests).",
    properties: {
      apiVersion: { type: "string", description: `APIVersion of this object: ${API_VERSION}.` },
      kind: { type: "string", description: `Kind of this object: ${NAMES.kind}.` },
      metadata: { type: "object" },
      spec: requiredAsCel(crdSchemaOf(IvrPromotionSpecSchema)),
      status: crdSchemaOf(IvrPromotionStatusSchema),
    },
    required: ["spec"],
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${NAMES.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { ...NAMES, shortNames: [...NAMES.shortNames], categories: ["ivr-promoter"] },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: "Ready", type: "string", jsonPath: readyCondition("status") },
            // A printer column's JSONPath cannot shorten a value, hence a status field of its own.
            { name: "Revision", type: "string", jsonPath: ".status.lastAppliedRevisionShort" },
            { name: "Suspended", type: "boolean", jsonPath: ".spec.suspend" },
            { name: "Status", type: "string", jsonPath: readyCondition("message") },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
            // `-o wide` only (priority 1), as Flux does: the full revisions and where they go.
            {
              name: "Applied Revision",
              type: "string",
              jsonPath: ".status.lastAppliedRevision",
              priority: 1,
            },
            {
              name: "Attempted Revision",
              type: "string",
              jsonPath: ".status.lastAttemptedRevision",
              priority: 1,
            },
            // One of the two is set (spec.target takes exactly one); a JSONPath cannot pick either.
            { name: "Region", type: "string", jsonPath: ".spec.target.region", priority: 1 },
            { name: "Endpoint", type: "string", jsonPath: ".spec.target.endpoint", priority: 1 },
          ],
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

/** The exact text of {@link CRD_FILE}: a header, then the CRD as YAML (no line folding, stable key order). */
export function renderIvrPromotionCrdYaml(): string {
  const header =
    "# Generated by `npm run gen:crds` from src/api/ivr-promotion.ts. Do not edit: change the zod schema.\n";
  return `${header}---\n${stringify(buildIvrPromotionCrd(), { lineWidth: 0 })}`;
}
