import { LineCounter, isMap, parseDocument, visit, type Document } from "yaml";
import { FlowParseError } from "./errors.js";
import { apiTypeOfArchyKey, archyKeyOfApiType, knownApiFlowTypes } from "./flow-types.js";
import { collectReferences } from "./references.js";
import type { ArchyFlow } from "./types.js";

export { apiTypeOfArchyKey, archyKeyOfApiType } from "./flow-types.js";

/**
 * Parsing of RENDERED Archy YAML (CONTRACTS §1). The emulator runs this for import jobs, the way real
 * Archy parses server-side; the promoter runs it for planning, lint and the dependency graph.
 */

/** Flow files larger than this are refused before parsing (the largest real flows are a few hundred KiB). */
export const MAX_FLOW_BYTES = 2 * 1024 * 1024;
/** More alias nodes than this is not hand-written Archy; refuse rather than expand. */
export const MAX_ALIAS_NODES = 64;
/** yaml's own expansion guard (`toJS({ maxAliasCount })`): catches nested "billion laughs" shapes. */
export const MAX_ALIAS_EXPANSION = 100;

/**
 * Parses RENDERED Archy YAML text (placeholders already substituted). Throws FlowParseError (a
 * PromoterError, code "FlowParse", reason "Stalled") with file:line on bad YAML, alias bombs,
 * oversized input, a non-flow document, missing name. `file` is only used in messages.
 */
export function parseArchyFlow(text: string, file?: string): ArchyFlow {
  return parseArchyDocument(text, file).flow;
}

/** A parsed flow with its YAML document, for callers (lint) that look at more than the references. */
export interface ParsedArchyDocument {
  flow: ArchyFlow;
  doc: Document;
  lines: LineCounter;
  /** Line of the flow's `name` value. */
  nameLine: number | undefined;
}

/** Like {@link parseArchyFlow}, also returning the YAML document and its line counter. */
export function parseArchyDocument(text: string, file?: string): ParsedArchyDocument {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_FLOW_BYTES) {
    throw new FlowParseError(
      "TooLarge",
      { file },
      `file is ${bytes} bytes; flow files are limited to ${MAX_FLOW_BYTES} bytes`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lines.linePos(yamlError.pos[0]).line;
    throw new FlowParseError(
      "InvalidYaml",
      { file, line },
      `invalid YAML: ${yamlError.message.split("\n")[0]}`,
    );
  }
  refuseAliasBombs(doc, lines, file);

  const root = doc.contents;
  if (!isMap(root) || root.items.length === 0) {
    throw new FlowParseError("NotAFlow", { file, line: 1 }, notAFlow("the document is not a mapping"));
  }
  const keys = root.items.map((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key));
  const flowKeys = keys.filter((k) => apiTypeOfArchyKey(k) !== undefined);
  if (flowKeys.length === 0) {
    throw new FlowParseError(
      "NotAFlow",
      { file, line: 1 },
      notAFlow(`top-level key(s) ${keys.join(", ")} are not flow types`),
    );
  }
  if (keys.length > 1) {
    throw new FlowParseError(
      "NotAFlow",
      { file, line: 1 },
      `not an Architect flow: expected exactly one top-level key (the flow type), found ${keys.join(", ")}`,
    );
  }
  const pair = root.items[0]!;
  const archyType = flowKeys[0]!;
  const apiType = apiTypeOfArchyKey(archyType)!;
  const keyLine = lineAt(lines, pair.key);
  const body = pair.value;
  if (!isMap(body)) {
    throw new FlowParseError(
      "NotAFlow",
      { file, line: keyLine, field: archyType },
      "the flow body must be a mapping",
    );
  }
  const nameNode = body.items.find((p) => (p.key as { value?: unknown } | null)?.value === "name");
  const rawName = (nameNode?.value as { value?: unknown } | null | undefined)?.value;
  const name = typeof rawName === "number" ? String(rawName) : rawName;
  if (typeof name !== "string" || name.trim() === "") {
    const line = nameNode ? lineAt(lines, nameNode.value) : keyLine;
    const field = `${archyType}.name`;
    throw new FlowParseError(
      "MissingName",
      { file, line, field },
      "the flow name is missing or not a non-empty string",
    );
  }
  const references = collectReferences(doc, lines, body, archyType, apiType, file);
  return {
    flow: { archyType, apiType, name, references },
    doc,
    lines,
    nameLine: lineAt(lines, nameNode?.value),
  };
}

function notAFlow(detail: string): string {
  const expected = knownApiFlowTypes()
    .map((t) => archyKeyOfApiType(t))
    .join(", ");
  return `not an Architect flow: ${detail} (expected one top-level key among ${expected})`;
}

function lineAt(lines: LineCounter, node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}

/** Refuses documents whose aliases could expand exponentially (the "billion laughs" attack). */
function refuseAliasBombs(doc: Document, lines: LineCounter, file: string | undefined): void {
  let aliases = 0;
  let firstAliasOffset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      aliases += 1;
      firstAliasOffset ??= node.range?.[0];
    },
  });
  if (aliases === 0) return;
  const line = firstAliasOffset === undefined ? undefined : lines.linePos(firstAliasOffset).line;
  if (aliases > MAX_ALIAS_NODES) {
    throw new FlowParseError(
      "AliasBomb",
      { file, line },
      `YAML alias bomb: ${aliases} aliases (limit ${MAX_ALIAS_NODES})`,
    );
  }
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new FlowParseError(
      "AliasBomb",
      { file, line },
      `YAML alias bomb: aliases expand too much (${detail})`,
    );
  }
}
