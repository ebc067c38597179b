import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import {
  buildIvrPromotionCrd,
  CRD_FILE,
  CrdSchemaError,
  crdSchemaOf,
  type JsonSchema,
  renderIvrPromotionCrdYaml,
  toStructural,
} from "../../../src/api/crd.js";

const crd = buildIvrPromotionCrd();
const version = z
  .object({
    spec: z.object({
      versions: z.array(
        z.object({
          additionalPrinterColumns: z.array(
            z.object({ name: z.string(), jsonPath: z.string(), priority: z.number().optional() }),
          ),
          subresources: z.object({ status: z.object({}) }),
          schema: z.object({ openAPIV3Schema: z.record(z.string(), z.unknown()) }),
        }),
      ),
    }),
  })
  .parse(crd).spec.versions[0];
const root: JsonSchema = version?.schema.openAPIV3Schema ?? {};

/** The schema node at a dotted path under the root ("spec.source.ref"). */
function nodeAt(path: string): JsonSchema {
  let node: JsonSchema = root;
  for (const key of path.split(".")) {
    const props = z.record(z.string(), z.record(z.string(), z.unknown())).parse(node.properties);
    const next = props[key];
    if (!next) throw new Error(`no ${key} in ${path}`);
    node = next;
  }
  return node;
}

/** Every [path, node] pair of a schema tree. */
function walk(node: JsonSchema, path = ""): Array<[string, JsonSchema]> {
  const out: Array<[string, JsonSchema]> = [[path, node]];
  const props = z.record(z.string(), z.record(z.string(), z.unknown())).optional().parse(node.properties);
  for (const [key, child] of Object.entries(props ?? {})) out.push(...walk(child, `${path}.${key}`));
  const items = z.record(z.string(), z.unknown()).optional().parse(node.items);
  if (items) out.push(...walk(items, `${path}[]`));
  return out;
}

describe("IvrPromotion CRD", () => {
  it("is committed in step with the zod schemas (run `npm run gen:crds` after changing src/api)", () => {
    const committed = readFileSync(new URL(`../../../${CRD_FILE}`, import.meta.url), "utf8");
    expect(committed).toBe(renderIvrPromotionCrdYaml());
    expect(parse(committed.split("---\n")[1] ?? "")).toEqual(crd);
  });

  it("describes every spec and status field, for kubectl explain", () => {
    const undocumented = [...walk(nodeAt("spec"), "spec"), ...walk(nodeAt("status"), "status")]
      .filter(([path, node]) => !path.endsWith("[]") && typeof node.description !== "string")
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it("is structural: a type on every node, no combinators or refs", () => {
    for (const [path, node] of walk(root)) {
      expect(typeof node.type, path).toBe("string");
      for (const key of ["$ref", "anyOf", "oneOf", "allOf", "not", "$schema"])
        expect(node, path).not.toHaveProperty(key);
    }
  });

  it("expresses the exactly-one rules as CEL", () => {
    expect(nodeAt("spec.source.ref")["x-kubernetes-validations"]).toEqual([
      {
        rule: "[has(self.branch), has(self.tag), has(self.commit)].exists_one(x, x)",
        message: "exactly one of branch, tag or commit must be set",
      },
    ]);
    expect(nodeAt("spec.target")["x-kubernetes-validations"]).toHaveLength(2);
  });

  it("says a missing spec field is required as CEL (a schema-level required would silence every rule)", () => {
    expect(nodeAt("spec")).not.toHaveProperty("required");
    expect(nodeAt("spec.target")["x-kubernetes-validations"]).toContainEqual({
      rule: "has(self.credentialsSecretRef)",
      message: "must be set",
      fieldPath: ".credentialsSecretRef",
      reason: "FieldValueRequired",
    });
  });

  it("has the status subresource and Flux-style printer columns", () => {
    expect(version?.subresources).toEqual({ status: {} });
    expect(version?.additionalPrinterColumns.map((c) => [c.name, c.jsonPath])).toEqual([
      ["Ready", '.status.conditions[?(@.type=="Ready")].status'],
      ["Revision", ".status.lastAppliedRevisionShort"],
      ["Suspended", ".spec.suspend"],
      ["Status", '.status.conditions[?(@.type=="Ready")].message'],
      ["Age", ".metadata.creationTimestamp"],
      ["Applied Revision", ".status.lastAppliedRevision"],
      ["Attempted Revision", ".status.lastAttemptedRevision"],
      ["Region", ".spec.target.region"],
      ["Endpoint", ".spec.target.endpoint"],
    ]);
    // The full revisions and the target only show with `-o wide`; every jsonPath names a schema field.
    expect(version?.additionalPrinterColumns.map((c) => c.priority ?? 0)).toEqual([
      0, 0, 0, 0, 0, 1, 1, 1, 1,
    ]);
    for (const c of version?.additionalPrinterColumns ?? []) {
      if (!c.jsonPath.includes("conditions") && !c.jsonPath.startsWith(".metadata")) {
        expect(nodeAt(c.jsonPath.slice(1)), c.jsonPath).toBeDefined();
      }
    }
  });

  it("keeps defaults and drops what Kubernetes does not accept", () => {
    expect(nodeAt("spec.interval").default).toBe("10m");
    expect(nodeAt("spec.concurrency")).toMatchObject({
      default: 8,
      minimum: 1,
      maximum: 16,
      format: "int64",
    });
    expect(nodeAt("status.history")).toMatchObject({ maxItems: 10 });
    const ltt = (nodeAt("status.conditions").items ?? {}) as JsonSchema;
    expect(
      z.record(z.string(), z.record(z.string(), z.unknown())).parse(ltt.properties).lastTransitionTime,
    ).toEqual({
      type: "string",
      format: "date-time",
      description: expect.any(String),
    });
  });
});

describe("toStructural", () => {
  it("rejects unions, naming the field, instead of emitting a schema the server refuses", () => {
    const schema = z.object({ a: z.object({ b: z.union([z.string(), z.number()]) }) });
    expect(() => crdSchemaOf(schema)).toThrow(CrdSchemaError);
    expect(() => crdSchemaOf(schema)).toThrow(/at \.a\.b: "anyOf" is not allowed/);
  });

  it.each([
    ["a $ref", { type: "object", properties: { x: { $ref: "#/defs/x" } } }, /\.x: "\$ref"/],
    [
      "a node without a type",
      { type: "object", properties: { x: { description: "d" } } },
      /needs a single type/,
    ],
    [
      "properties beside an additionalProperties schema",
      { type: "object", properties: { x: { type: "string" } }, additionalProperties: { type: "string" } },
      /mutually exclusive/,
    ],
  ])("rejects %s", (_what, node, message) => {
    expect(() => toStructural(node)).toThrow(message);
  });

  it("drops additionalProperties:false, zod's date-time regex and the 2^53 integer bounds", () => {
    const out = crdSchemaOf(
      z.object({ t: z.iso.datetime(), n: z.int(), m: z.record(z.string(), z.string()) }).strict(),
    );
    expect(out).not.toHaveProperty("additionalProperties");
    expect(out.properties).toEqual({
      t: { type: "string", format: "date-time" },
      n: { type: "integer", format: "int64" },
      m: { type: "object", additionalProperties: { type: "string" } },
    });
  });
});
