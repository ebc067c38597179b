import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { globToRegExp } from "../../../src/flowset/glob.js";
import { DEFAULT_MANIFEST, layoutJsonSchemas } from "../../../src/flowset/layout-schema.js";

const SCHEMAS = join(dirname(fileURLToPath(import.meta.url)), "../../../schemas");

describe("layout JSON Schemas", () => {
  it.each(Object.entries(layoutJsonSchemas()))(
    "schemas/%s is up to date (run npm run gen:schemas)",
    async (name, schema) => {
      const committed: unknown = JSON.parse(await readFile(join(SCHEMAS, name), "utf8"));
      expect(committed).toEqual(schema);
    },
  );

  it("describes defaults and closed objects so editors flag typos", () => {
    const manifest = layoutJsonSchemas()["flowset-manifest.schema.json"]!;
    expect(manifest).toMatchObject({
      additionalProperties: false,
      required: ["apiVersion", "kind"],
      properties: { include: { default: ["flows/**/*.{yaml,yml}"] } },
    });
    expect(DEFAULT_MANIFEST.include).toEqual(["flows/**/*.{yaml,yml}"]);
  });
});

describe("globToRegExp", () => {
  it.each([
    ["flows/**/*.yaml", "flows/a.yaml", true],
    ["flows/**/*.yaml", "flows/x/y/a.yaml", true],
    ["flows/**/*.yaml", "flows/a.yml", false],
    ["flows/**/*.yaml", "other/flows/a.yaml", false],
    ["flows/*.yaml", "flows/x/a.yaml", false],
    ["**/*.yaml", "a.yaml", true],
    ["flows/**", "flows/x/y", true],
    ["flows/?.yaml", "flows/ab.yaml", false],
    ["flows/{voice,bots}/*.yaml", "flows/bots/b.yaml", true],
    ["flows/{voice,bots}/*.yaml", "flows/digital/b.yaml", false],
    ["flows/a+b (1).yaml", "flows/a+b (1).yaml", true],
    ["flows/a.yaml", "flows/aXyaml", false],
  ])("%s matches %s: %s", (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });

  it("rejects an unbalanced brace", () => {
    expect(() => globToRegExp("flows/{a,b")).toThrow(/unbalanced/);
  });
});
