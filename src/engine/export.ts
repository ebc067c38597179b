import { createHash } from "node:crypto";
import { PromoterError } from "../errors.js";
import { renderFlowText } from "../flowset/render.js";
import { dependencyTypeOfFlowType } from "../genesys/dependencies.js";
import type { GenesysClient } from "../genesys/client.js";
import type { Dependency } from "../genesys/schemas.js";
import { flowKey, type InventoryEntry } from "./model.js";
import { reverseSubstitute } from "./reverse-substitute.js";

/** Which flows of the source org to export. */
export interface ExportSelection {
  names?: string[];
  /** API types, any case (inboundcall, BOT, ...). */
  types?: string[];
  all?: boolean;
}

/** One exported flow, made portable. */
export interface ExportedFile {
  key: string;
  type: string;
  name: string;
  /** File content: the org's YAML with this environment's values turned back into `{{key}}`. */
  text: string;
  /** What the flow consumes in the source org (dependency tracking), or undefined when unknown. */
  dependencies: Dependency[] | undefined;
  /** The inventory entry of this flow in the source org (so a plan right after export shows no change). */
  inventory: InventoryEntry;
  /** Keys whose values stayed literal because putting the placeholder back would not render the same text. */
  literalKeys: string[];
}

/** Nothing matched the selection, or dependencies are unknown and the caller did not allow that. */
export class ExportError extends PromoterError {
  constructor(message: string) {
    super("ExportFailed", "Stalled", message);
  }
}

/**
 * Exports the selected published flows of an org: an export job for their published versions,
 * dependency tracking for what each consumes, and reverse substitution of `values` so the YAML is
 * portable. The result renders back, byte for byte, to what the org has (checked per flow).
 */
export async function exportFromOrg(
  client: Pick<GenesysClient, "listFlows" | "exportFlows" | "consumedResources">,
  selection: ExportSelection,
  values: Readonly<Record<string, string>>,
  options: { allowUnknownDependencies?: boolean; signal?: AbortSignal } = {},
): Promise<ExportedFile[]> {
  if (!selection.all && !selection.names?.length && !selection.types?.length) {
    throw new ExportError("nothing selected: give flow names, types, or all");
  }
  const types = selection.types?.map((t) => t.toLowerCase());
  const listed = await client.listFlows(types?.length ? { types } : undefined);
  const names = new Set(selection.names ?? []);
  const chosen = listed.filter((f) => f.publishedVersion?.id && (names.size === 0 || names.has(f.name)));
  const missing = [...names].filter((n) => !chosen.some((f) => f.name === n));
  if (missing.length > 0)
    throw new ExportError(`no published flow named ${missing.map((n) => `'${n}'`).join(", ")}`);
  if (chosen.length === 0) throw new ExportError("no published flow matches the selection");

  const exported = await client.exportFlows(
    chosen.map((f) => ({ id: f.id, version: f.publishedVersion?.id })),
    { signal: options.signal },
  );
  const out: ExportedFile[] = [];
  const unknown: string[] = [];
  for (const flow of chosen) {
    const doc = exported.find((e) => e.id === flow.id) ?? exported.find((e) => e.name === flow.name);
    if (!doc) throw new ExportError(`the export job returned nothing for flow '${flow.name}'`);
    const version = flow.publishedVersion?.id as string;
    const type = flow.type.toUpperCase();
    let dependencies: Dependency[] | undefined;
    try {
      dependencies = await client.consumedResources(flow.id, version, dependencyTypeOfFlowType(type));
      if (dependencies.some((d) => d.stateUnknown)) dependencies = undefined;
    } catch {
      dependencies = undefined;
    }
    if (!dependencies) unknown.push(`${type}/${flow.name}`);
    // The body is verified to render back exactly; the header is a comment (never rendered), so its
    // names are reverse-substituted only to keep the file free of one environment's values.
    const { text: yaml, literalKeys } = portable(doc.yaml, values, flow.name);
    const text = reverseSubstitute(header(type, flow.name, version, dependencies), values).text + yaml;
    const rendered = renderFlowText(text, values, { file: flow.name }).text;
    out.push({
      key: flowKey(type, flow.name),
      type,
      name: flow.name,
      text,
      dependencies,
      literalKeys,
      inventory: {
        type,
        name: flow.name,
        id: flow.id,
        publishedVersion: version,
        contentHash: `sha256:${createHash("sha256").update(rendered).digest("hex")}`,
      },
    });
  }
  if (unknown.length > 0 && !options.allowUnknownDependencies) {
    throw new ExportError(
      `could not determine the dependencies of ${unknown.join(", ")}; refusing to export them (allow with --allow-unknown-dependencies)`,
    );
  }
  return out;
}

function header(type: string, name: string, version: string, deps: Dependency[] | undefined): string {
  const lines = [`# Exported by ivr-promoter: ${type} "${name}", published version ${version}.`];
  if (!deps) lines.push("# Dependencies: unknown (dependency tracking did not answer).");
  else if (deps.length === 0) lines.push("# Dependencies: none.");
  else for (const d of deps) lines.push(`# Depends on ${d.type ?? "?"} "${d.name ?? d.id ?? "?"}"`);
  return `${lines.join("\n")}\n`;
}

/** Reverse-substitutes, then drops keys one by one until the text renders back exactly. */
function portable(body: string, values: Readonly<Record<string, string>>, name: string) {
  const exclude = new Set<string>();
  for (;;) {
    const result = reverseSubstitute(body, values, { exclude });
    const rendered = renderFlowText(result.text, values, { file: name });
    if (rendered.findings.length === 0 && rendered.text === body) {
      return { text: result.text, literalKeys: [...exclude, ...result.ambiguous].sort() };
    }
    const next = Object.keys(result.replaced).sort()[0];
    if (next === undefined) return { text: body, literalKeys: [...exclude].sort() };
    // Fall back to the literal for one key at a time: the text stays exact, only less portable.
    exclude.add(next);
  }
}
