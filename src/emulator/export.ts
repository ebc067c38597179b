import { zipSync } from "fflate";
import { stringify as toYaml } from "yaml";
import { z } from "zod";
import { findVersion, type FlowRecord, type FlowVersionRecord } from "./flow-store.js";
import type { OrgState } from "./state.js";

/** ArchitectFlowReference: an id, or a name and a type; optionally a version. */
export const FlowRefSchema = z.object({
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  version: z.string().min(1).optional(),
});
/** An export/validate job's flow reference. */
export type FlowRef = z.infer<typeof FlowRefSchema>;

/** RegisterArchitectExportJob (genesys-api.md §3.3). */
export const ExportBodySchema = z.object({
  flows: z
    .array(
      z.object({
        flow: FlowRefSchema,
        fileName: z
          .string()
          .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, '_' and '-'")
          .optional(),
        exportType: z.enum(["Yaml", "Architect"]).optional(),
      }),
    )
    .min(1),
});
/** Body of POST /api/v2/flows/export/jobs. */
export type ExportBody = z.infer<typeof ExportBodySchema>;

/** RegisterArchitectValidateJob (genesys-api.md §3.5). */
export const ValidateBodySchema = z.object({ flows: z.array(z.object({ flow: FlowRefSchema })).min(1) });

/** A reference resolved to a flow and one of its versions, or the job message saying why not. */
export type Resolved =
  { ok: true; flow: FlowRecord; version: FlowVersionRecord } | { ok: false; text: string };

/** Finds the flow and version an export/validate job names (the published version unless one is given). */
export function resolveFlowRef(org: OrgState, ref: FlowRef): Resolved {
  const flow = ref.id
    ? org.flows.get(ref.id)
    : org.flows.find((ref.type ?? "").toUpperCase(), ref.name ?? "");
  if (!flow || flow.deleted) {
    return {
      ok: false,
      text: ref.id
        ? `could not find the flow with id ${ref.id}`
        : `could not find the flow with name '${ref.name}' and type '${ref.type}'`,
    };
  }
  const versionId = ref.version ?? flow.publishedVersionId ?? flow.checkedInVersionId;
  const version = versionId === undefined ? undefined : findVersion(flow, versionId);
  if (!version || version === flow.draft) {
    return {
      ok: false,
      text:
        versionId === undefined
          ? `the flow with id ${flow.id} has no checked-in or published version`
          : `could not find version ${versionId} of the flow with id ${flow.id}`,
    };
  }
  return { ok: true, flow, version };
}

/** One exported file. */
export interface ExportFile {
  fileName: string;
  bytes: Uint8Array;
}

/** The file of one exported version: the stored YAML, or the Architect format (base64 of URL-encoded JSON). */
export function exportFile(
  flow: FlowRecord,
  version: FlowVersionRecord,
  exportType: "Yaml" | "Architect",
  fileName: string | undefined,
): ExportFile {
  const base = fileName ?? flow.name.replace(/[^A-Za-z0-9_-]+/g, "_");
  if (exportType === "Architect") {
    const encoded = Buffer.from(encodeURIComponent(JSON.stringify(version.configuration))).toString("base64");
    return {
      fileName: `${base}.i3${flow.type.charAt(0)}${flow.type.slice(1).toLowerCase()}`,
      bytes: Buffer.from(encoded),
    };
  }
  return { fileName: `${base}.yaml`, bytes: Buffer.from(version.yaml ?? toYaml(version.configuration)) };
}

/** One file as-is, or several in a zip (names made unique). */
export function bundle(
  files: ExportFile[],
  jobId: string,
): { bytes: Uint8Array; contentType: string; fileName: string } {
  const [only] = files;
  if (files.length === 1 && only) {
    return {
      bytes: only.bytes,
      contentType: only.fileName.endsWith(".yaml") ? "application/x-yaml" : "text/plain",
      fileName: only.fileName,
    };
  }
  const entries: Record<string, Uint8Array> = {};
  for (const f of files) {
    let name = f.fileName;
    for (let n = 2; name in entries; n++) name = f.fileName.replace(/(\.[^.]+)$/, `-${n}$1`);
    entries[name] = f.bytes;
  }
  return {
    bytes: zipSync(entries),
    contentType: "application/zip",
    fileName: `architect-export-${jobId}.zip`,
  };
}
