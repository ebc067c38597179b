import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { layoutJsonSchemas } from "../src/flowset/layout-schema.js";
import { previewJsonSchemas } from "../src/preview/model.js";

// `npm run gen:schemas`: writes the JSON Schemas of the repository layout files into schemas/,
// formatted as `prettier --check` expects. test/unit/flowset/layout-schema.test.ts fails when they are stale.
const dir = join(import.meta.dirname, "..", "schemas");
await mkdir(dir, { recursive: true });
for (const [name, schema] of Object.entries({ ...layoutJsonSchemas(), ...previewJsonSchemas() })) {
  const path = join(dir, name);
  const options = { ...(await resolveConfig(path)), parser: "json" };
  await writeFile(path, await format(JSON.stringify(schema), options));
  console.log(`wrote schemas/${name}`);
}
