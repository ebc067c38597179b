import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { placeholderKeys } from "../../../src/flowset/render.js";

/**
 * The shared Archy corpus lives next to the repository (../shared/corpus/archy-flows); tests read it
 * in place. When a checkout does not have it, corpus tests are skipped with this message.
 */
export const CORPUS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/corpus/archy-flows",
);
export const CORPUS_PRESENT = existsSync(join(CORPUS_DIR, "PROVENANCE.md"));
export const CORPUS_SKIP_MESSAGE = `Archy corpus not found at ${CORPUS_DIR}: corpus tests skipped`;

/** Every corpus flow file, as a path relative to the corpus folder (sorted). */
export function corpusFiles(): string[] {
  if (!CORPUS_PRESENT) return [];
  return readdirSync(CORPUS_DIR, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
}

/** The text of one corpus file. */
export function corpusText(relative: string): string {
  return readFileSync(join(CORPUS_DIR, relative), "utf8");
}

/** A substitution map for every placeholder key of `text`: key → `sample-<key>` (or an override). */
export function sampleValues(text: string, overrides: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(placeholderKeys(text).map((k) => [k, overrides[k] ?? `sample-${k}`]));
}
