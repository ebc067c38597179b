/**
 * `npm run gen:crds`: writes the IvrPromotion CRD generated from the zod schemas to crds/, and the
 * copies kustomize and Helm ship (kustomize will not load files outside its base, Helm outside its chart).
 * test/unit/api/crd.test.ts and test/unit/deploy fail when a committed file is behind the schemas.
 */
import { writeFileSync } from "node:fs";
import { CRD_FILE, renderIvrPromotionCrdYaml } from "../src/api/crd.js";

const yaml = renderIvrPromotionCrdYaml();
const name = CRD_FILE.split("/").pop() ?? CRD_FILE;
for (const path of [CRD_FILE, `deploy/base/crds/${name}`, `charts/ivr-promoter/files/${name}`]) {
  writeFileSync(new URL(`../${path}`, import.meta.url), yaml);
  console.log(`wrote ${path}`);
}
