import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { parseArchyFlow } from "../../../src/flowset/archy.js";
import { placeholderKeys, renderFlowText } from "../../../src/flowset/render.js";
import type { ArchyFlow } from "../../../src/flowset/types.js";
import { parseProvenance, type ProvenanceEntry } from "./provenance.js";

/**
 * The shared Archy corpus lives next to the repository (../shared/corpus/archy-flows); tests read it
 * in place. When a checkout does not have it, corpus tests are skipped with this message.
 */
export const CORPUS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../../shared/corpus/archy-flows",
);
export const CORPUS_PRESENT = existsSync(join(CORPUS_DIR, "PROVENANCE.md"));
export const CORPUS_SKIP_MESSAGE =
  `Archy corpus tests skipped: they need the shared corpus (flow files + PROVENANCE.md) at ${CORPUS_DIR}, ` +
  `i.e. shared/corpus/archy-flows next to the repository checkout. ` +
  `Put it there and run: npx vitest run test/unit/flowset`;

/** Flow files are Archy YAML under either extension (Archy and Terraform accept both). */
const FLOW_FILE = /\.ya?ml$/;

/** Every flow file actually in the corpus folder, as a path relative to it (sorted). */
export function corpusFiles(): string[] {
  if (!CORPUS_PRESENT) return [];
  return readdirSync(CORPUS_DIR, { recursive: true })
    .map(String)
    .map((f) => f.split("\\").join("/"))
    .filter((f) => FLOW_FILE.test(f))
    .sort();
}

/** The file table of PROVENANCE.md (empty when the corpus is absent). */
export function provenance(): ProvenanceEntry[] {
  if (!CORPUS_PRESENT) return [];
  return parseProvenance(readFileSync(join(CORPUS_DIR, "PROVENANCE.md"), "utf8"));
}

/** The text of one corpus file. */
export function corpusText(relative: string): string {
  return readFileSync(join(CORPUS_DIR, relative), "utf8");
}

/** The generated value of `key` in {@link sampleValues}; tests derive expected names from it. */
export function sampleValue(key: string): string {
  return `sample-${key}`;
}

/** A substitution map for every placeholder key of `text`: key → `sample-<key>` (or an override). */
export function sampleValues(text: string, overrides: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(placeholderKeys(text).map((k) => [k, overrides[k] ?? sampleValue(k)]));
}

/** `text` with every `{{key}}` replaced by {@link sampleValue} (for names written in PROVENANCE.md). */
export function withSampleValues(text: string): string {
  return text.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_m, key: string) => sampleValue(key));
}

/** Renders a corpus file with a generated value for every placeholder (no findings allowed), then parses it. */
export function loadCorpusFlow(file: string, overrides: Record<string, string> = {}): ArchyFlow {
  const text = corpusText(file);
  const rendered = renderFlowText(text, sampleValues(text, overrides), { file });
  expect(rendered.findings).toEqual([]);
  return parseArchyFlow(rendered.text, file);
}

/**
 * The `division:` a corpus file sets for its flow (rendered with {@link sampleValue}), read from the
 * text line by line, not through the parser: every corpus flow sets it as a plain line directly under
 * the top-level flow key (2 or 4 spaces in), and the parser must report it as a `division` reference.
 */
export function corpusDivision(file: string): string | undefined {
  const line = /^ {2,4}division: *(.*?) *$/m.exec(corpusText(file))?.[1];
  if (line === undefined) return undefined;
  const unquoted = /^(["'])(.*)\1$/.exec(line)?.[2] ?? line;
  return withSampleValues(unquoted);
}
