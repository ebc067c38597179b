import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { REPO_ROOT, run } from "./deploy-tools.js";

/**
 * The runtime stage of the Dockerfile, reproduced in a temp dir without Docker: `tsc -p
 * tsconfig.build.json` output in dist/, the production dependencies of package-lock.json (what
 * `npm ci --omit=dev` installs) in node_modules/, package.json and examples/. The dir is outside the
 * repository, so Node cannot fall back to the repository's node_modules and hide a missing dependency.
 */

/** A built layout; `node <dir>/dist/main.js` is the image's entrypoint. */
export interface ImageLayout {
  dir: string;
  main: string;
  /** Exit code and output of tsc (it emits even on type errors; the Docker build would fail on them). */
  tsc: { code: number; output: string };
  cleanup(): Promise<void>;
}

const LockSchema = z.object({
  packages: z.record(
    z.string(),
    z.object({ dev: z.boolean().optional(), devOptional: z.boolean().optional() }),
  ),
});

/** Top-level package dirs `npm ci --omit=dev` installs (nested ones come inside their parents). */
export async function productionPackages(): Promise<string[]> {
  const lock = LockSchema.parse(JSON.parse(await readFile(join(REPO_ROOT, "package-lock.json"), "utf8")));
  return Object.entries(lock.packages)
    .filter(([path, meta]) => path !== "" && !meta.dev && !meta.devOptional)
    .map(([path]) => path)
    .filter((path) => path.split("node_modules/").length === 2);
}

/** Hard links when possible (same filesystem: instant), else a copy. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await promisify(execFile)("cp", ["-al", from, to]);
  } catch {
    await cp(from, to, { recursive: true });
  }
}

/** Builds the layout; call `cleanup()` afterwards. */
export async function buildImageLayout(): Promise<ImageLayout> {
  const dir = await mkdtemp(join(tmpdir(), "ivr-promoter-image-"));
  try {
    const tsc = await run(
      process.execPath,
      [
        join(REPO_ROOT, "node_modules/typescript/bin/tsc"),
        "-p",
        "tsconfig.build.json",
        "--outDir",
        join(dir, "dist"),
      ],
      { timeoutMs: 300_000 },
    );
    for (const pkg of await productionPackages()) await linkTree(join(REPO_ROOT, pkg), join(dir, pkg));
    await cp(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
    await cp(join(REPO_ROOT, "examples"), join(dir, "examples"), { recursive: true });
    return {
      dir,
      main: join(dir, "dist", "main.js"),
      tsc: { code: tsc.code, output: tsc.stdout + tsc.stderr },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The image's environment (Dockerfile ENV) on top of a minimal one: no inherited NODE_OPTIONS or loaders. */
export function imageEnv(layout: ImageLayout, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NODE_ENV: "production",
    HOME: join(layout.dir, "home"),
    IVR_PROMOTER_CACHE_DIR: join(layout.dir, "cache"),
    ...extra,
  };
}
