import type { EmulatorSeed } from "../../src/emulator/index.js";
import { exampleFiles } from "./examples.js";
import type { RepoFiles } from "./git-repo.js";
import { loadSeedFile } from "../../src/emulator/index.js";
import { join } from "node:path";
import { EXAMPLES } from "./examples.js";

/**
 * Shared pieces of the exactly-once fault matrices (operator and CLI): the example flow set is a 7-flow
 * group with dependencies, and position k is held in its own org `m<k>`, so one run covers every position.
 */

/** Positions of the 7-flow group: with concurrency 1, position k = k-1 flows done, the k-th in flight. */
export const POSITIONS = [1, 2, 3, 4, 5, 6, 7] as const;

/** The OAuth client of matrix org `m<k>`. */
export function matrixClient(k: number): { id: string; secret: string } {
  return { id: `m${k}-client`, secret: `m${k}-secret-not-real` };
}

/** Seven copies of the examples' dev org, m1..m7, each with its own OAuth client. */
export async function matrixSeed(jobDurationMs = 20): Promise<EmulatorSeed> {
  const base = await loadSeedFile(join(EXAMPLES, "emulator-seed.yaml"));
  const dev = base.orgs?.find((o) => o.name === "dev");
  if (!dev) throw new Error("example seed has no dev org");
  return {
    ...base,
    orgs: POSITIONS.map((k) => ({
      ...structuredClone(dev),
      jobDurationMs,
      name: `m${k}`,
      clients: [{ ...matrixClient(k), name: `matrix ${k}` }],
    })),
  };
}

/** Every flow file of the examples with `mark` appended to its description: a revision that changes all 7. */
export async function markedFlows(mark: string): Promise<RepoFiles> {
  const changed: RepoFiles = {};
  for (const [path, text] of Object.entries(await exampleFiles())) {
    if (path.startsWith("flows/"))
      changed[path] = String(text).replace(/^( {2}description: .*)$/m, `$1 ${mark}`);
  }
  return changed;
}

/** The revision marks `(rN)` a published flow carries: exactly `[mark]` when it runs that revision. */
export function marksIn(yaml: string | null): string[] {
  return yaml?.match(/\(r\d+\)/g) ?? [];
}
