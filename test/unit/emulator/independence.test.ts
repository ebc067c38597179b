import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src");
const EMULATOR = join(SRC, "emulator");

/** Every import specifier of a TypeScript file (static `from "…"` and dynamic `import("…")`). */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)"([^"]+)"/g)].map((m) => m[1] ?? "");
}

/**
 * The emulator stands in for Genesys Cloud: if it read flows with the promoter's parser (src/flowset)
 * or talked through its client (src/genesys), a reference our extractor misses could never fail an
 * import there, and a client bug could hide behind the same bug in the emulator.
 */
describe("the emulator's independence from the promoter", () => {
  const files = readdirSync(EMULATOR, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(EMULATOR, f));

  it("has source files to check", () => {
    expect(files.some((f) => f.endsWith(join("archy", "fields.ts")))).toBe(true);
  });

  it("imports nothing from src/flowset, src/genesys, src/engine or src/controller", () => {
    const crossings = files.flatMap((file) =>
      importsOf(readFileSync(file, "utf8"))
        .filter((spec) => spec.startsWith("."))
        .map((spec) =>
          relative(SRC, resolve(dirname(file), spec))
            .split("\\")
            .join("/"),
        )
        .filter((target) => /^(flowset|genesys|engine|controller)\//.test(target))
        .map((target) => `${relative(SRC, file)} -> ${target}`),
    );
    expect(crossings).toEqual([]);
  });
});
