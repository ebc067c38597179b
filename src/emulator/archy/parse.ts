import { parse } from "yaml";
import { PromoterError } from "../../errors.js";
import { collectReferences } from "./collect.js";
import { flowTypeOfKey, inQueueTypeOf } from "./flow-keys.js";
import type { EmuFlowDocument } from "./reference.js";

/** Largest flow document the import job reads (real flows are at most a few hundred KiB). */
const MAX_BYTES = 2 * 1024 * 1024;

/** An uploaded document the import job cannot read as a flow; its message becomes the job's Error. */
export class FlowDocumentError extends PromoterError {
  constructor(message: string) {
    super("FlowDocument", "Stalled", message);
  }
}

/**
 * Reads an uploaded Archy document the way the import job does: one top-level flow key, a name, and
 * every reference-bearing field (fields.ts). Independent of the promoter's own parser on purpose.
 */
export function readFlowDocument(yaml: string): EmuFlowDocument {
  if (Buffer.byteLength(yaml, "utf8") > MAX_BYTES)
    throw new FlowDocumentError(`the flow document is larger than ${MAX_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parse(yaml, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new FlowDocumentError(`invalid YAML: ${detail}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new FlowDocumentError("not an Architect flow: the document is not a mapping");
  const keys = Object.keys(doc);
  const archyType = keys[0];
  const apiType = archyType === undefined ? undefined : flowTypeOfKey(archyType);
  if (keys.length !== 1 || archyType === undefined || apiType === undefined)
    throw new FlowDocumentError(
      `not an Architect flow: expected exactly one top-level flow type key, found ${keys.join(", ") || "none"}`,
    );
  const body: unknown = (doc as Record<string, unknown>)[archyType];
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new FlowDocumentError("the flow body must be a mapping");
  const raw = (body as Record<string, unknown>).name;
  const name = typeof raw === "number" ? String(raw) : raw;
  if (typeof name !== "string" || name.trim() === "")
    throw new FlowDocumentError(`${archyType}.name: the flow name is missing or not a non-empty string`);
  let references;
  try {
    references = collectReferences(body, archyType, inQueueTypeOf(apiType));
  } catch (err) {
    throw new FlowDocumentError(err instanceof Error ? err.message : String(err));
  }
  return { archyType, apiType, name, references };
}
