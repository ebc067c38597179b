/**
 * `npm run gen:crds`: writes the IvrPromotion CRD generated from the zod schemas to crds/.
 * test/unit/api/crd.test.ts fails when the committed file is behind the schemas.
 */
import { writeFileSync } from "node:fs";
import { CRD_FILE, renderIvrPromotionCrdYaml } from "../src/api/crd.js";

writeFileSync(new URL(`../${CRD_FILE}`, import.meta.url), renderIvrPromotionCrdYaml());
console.log(`wrote ${CRD_FILE}`);
