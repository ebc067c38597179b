import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { RepoFiles } from "./git-repo.js";

/** The examples/ folder of this project. */
export const EXAMPLES = fileURLToPath(new URL("../../examples", import.meta.url));

/** The examples/ flow set (manifest, environments, flows) as repository files at the root. */
export async function exampleFiles(): Promise<RepoFiles> {
  const files: RepoFiles = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(EXAMPLES, full).split("\\").join("/");
      if (entry.isDirectory()) await walk(full);
      else if (rel === "ivr-promoter.yaml" || rel.startsWith("environments/") || rel.startsWith("flows/")) {
        files[rel] = await readFile(full, "utf8");
      }
    }
  };
  await walk(EXAMPLES);
  return files;
}
