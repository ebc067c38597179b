import { randomUUID } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { readFlowDocument } from "./archy/parse.js";
import type { EmuFlowDocument, EmuReference } from "./archy/reference.js";
import { ApiError } from "./errors.js";
import { finishedOperation, markPublished, validateFlowName } from "./flow-ops.js";
import { nextVersionId, type FlowRecord, type Principal } from "./flow-store.js";
import { kindInfo } from "./kinds.js";
import { findReferencedFlow, resolveAll } from "./resolve.js";
import type { JobMessage, OrgState } from "./state.js";

/** Result of running Archy's publish over one YAML document. */
export type ImportOutcome =
  { ok: true; flow: FlowRecord; command: "Create" | "Update" } | { ok: false; messages: JobMessage[] };

const message = (text: string, now: number, details?: JobMessage["details"]): JobMessage => {
  const m: JobMessage = { dateTime: new Date(now).toISOString(), type: "Error", text };
  if (details) m.details = details;
  return m;
};

/** The flow name of an uploaded Archy document, or undefined when it does not parse. */
export function flowNameOf(yaml: string): string | undefined {
  try {
    return readFlowDocument(yaml).name;
  } catch {
    return undefined;
  }
}

/**
 * What an import job does server-side (genesys-api.md §3.1-3.2): parse the YAML, find the flow by
 * (type, name), refuse when the flow is locked or a by-name reference does not resolve, then create or
 * update it with a new version and publish that version. A failure changes nothing.
 *
 * A lock refuses the job even when the importing OAuth client holds it itself. The job runs Archy
 * server-side in its own session, and Archy only publishes over a lock with `--forceUnlock`, whoever
 * holds it ("... is locked by another entity. You can use the --forceUnlock command line parameter",
 * TF-ISSUES #316). The Terraform provider's own acceptance test shows the same: it checks the flow out
 * with the provider's OAuth client and then needs `force_unlock = true` to deploy
 * (terraform-provider-genesyscloud `architect_flow/resource_genesyscloud_flow_test.go`,
 * TestAccResourceArchitectFlowForceUnlock; its `validateFlowUnlocked` treats a 409 on a checkout by
 * that same client as "still locked"). No source shows a self-held lock being ignored; the exact
 * message for that case is unconfirmed, so the emulator gives Archy's one.
 */
export function importFlow(
  org: OrgState,
  yaml: string,
  p: Principal,
  opts: { baseUrl: string; now: number; createStubs?: boolean },
): ImportOutcome {
  const { now } = opts;
  let parsed: EmuFlowDocument;
  try {
    parsed = readFlowDocument(yaml);
    validateFlowName(parsed.name);
  } catch (err) {
    return { ok: false, messages: [message(err instanceof Error ? err.message : String(err), now)] };
  }
  const { name, apiType } = parsed;
  if (org.faults.failsJobFor(name)) {
    return {
      ok: false,
      messages: [
        message(
          `Error publishing flow '${name}' (type: '${apiType.toLowerCase()}' ): the publish failed (injected by the emulator fault failJobsForFlows).`,
          now,
        ),
      ],
    };
  }
  const existing = org.flows.find(apiType, name);
  if (existing?.lock) {
    return {
      ok: false,
      messages: [
        message(
          `Flow '${existing.name}' (type: '${apiType.toLowerCase()}' ) is locked by another entity. You can use the --forceUnlock command line parameter if you wish to publish flows locked by another entity.`,
          now,
        ),
      ],
    };
  }
  const refs = parsed.references.filter((r) => !(r.kind === "flow" && sameFlow(r, name, apiType)));
  let { resolved, missing } = resolveAll(org, refs);
  if (missing.length > 0 && opts.createStubs && missing.every((r) => r.kind === "flow")) {
    for (const ref of missing) createStub(org, ref, apiType, p, now);
    ({ resolved, missing } = resolveAll(org, refs));
  }
  if (missing.length > 0)
    return { ok: false, messages: missing.map((ref) => missingMessage(org, ref, opts)) };

  const flow = existing ?? org.flows.create(name, apiType, undefined, now);
  // The flow moves into the division its file names (resolved above, so it exists).
  const division = parsed.references.find((r) => r.kind === "division");
  const divisionId = division ? org.objects.find("division", division.name)?.id : undefined;
  if (divisionId !== undefined) flow.divisionId = divisionId;
  const description = descriptionOf(yaml, parsed.archyType);
  if (description !== undefined) flow.description = description;
  flow.draft = undefined;
  const version = {
    id: nextVersionId(flow),
    configuration: parseYaml(yaml) as unknown,
    yaml,
    references: resolved,
    createdBy: p,
    dateCreated: now,
    dateSaved: now,
    dateCheckedIn: now,
  };
  flow.versions.push(version);
  flow.checkedInVersionId = version.id;
  markPublished(flow, version, p, now);
  finishedOperation(flow, p, "PUBLISH");
  return { ok: true, flow, command: existing ? "Update" : "Create" };
}

/** A flow that calls itself (recursion in a common module) needs no lookup. */
function sameFlow(ref: EmuReference, name: string, apiType: string): boolean {
  return ref.name.toLowerCase() === name.toLowerCase() && (ref.flowType ?? apiType) === apiType;
}

function descriptionOf(yaml: string, archyType: string): string | undefined {
  try {
    const doc: unknown = parseYaml(yaml);
    if (doc && typeof doc === "object" && archyType in doc) {
      const body: unknown = (doc as Record<string, unknown>)[archyType];
      if (body && typeof body === "object" && "description" in body && typeof body.description === "string")
        return body.description;
    }
  } catch {
    // readFlowDocument accepted it; a second parse failing is not worth failing the job for.
  }
  return undefined;
}

/** The Error message (with one NetworkDiagnostic detail, as Archy records its failed lookup) for an unresolved reference. */
function missingMessage(
  org: OrgState,
  ref: EmuReference,
  opts: { baseUrl: string; now: number },
): JobMessage {
  const info = kindInfo(ref.kind);
  const label =
    ref.kind === "flow"
      ? `${ref.flowType ? `${ref.flowType.toLowerCase()} ` : ""}flow`
      : (info?.label ?? ref.kind);
  const shown = ref.category ? `${ref.category}/${ref.name}` : ref.name;
  const what = ref.byId ? `${label} with id '${ref.name}'` : `${label} '${shown}'`;
  const query = new URLSearchParams({ name: ref.name });
  if (ref.kind === "dataAction" && ref.category) query.set("category", ref.category);
  if (ref.kind === "flow" && ref.flowType) query.set("type", ref.flowType.toLowerCase());
  const path = ref.kind === "flow" ? "/api/v2/flows" : (info?.path ?? "/api/v2");
  const unpublished = ref.kind === "flow" && findReferencedFlow(org, ref.name, ref.flowType) !== undefined;
  const why = unpublished
    ? "it exists but has no published version"
    : `no ${label} with that ${ref.byId ? "id" : "name"} exists in the organization`;
  const where = `${ref.path}${ref.line ? ` (line ${ref.line})` : ""}`;
  const correlationId = randomUUID();
  const errorBody = new ApiError(
    404,
    "not.found",
    ref.byId
      ? `Unable to find a ${label} with id '${ref.name}'`
      : `Unable to find a ${label} named '${shown}'`,
  );
  const url = ref.byId
    ? `${opts.baseUrl}${path}/${encodeURIComponent(ref.name)}`
    : `${opts.baseUrl}${path}?${query.toString()}`;
  return message(`Unable to resolve the ${what} referenced at ${where}: ${why}.`, opts.now, [
    {
      type: "NetworkDiagnostic",
      url,
      method: "GET",
      statusCode: 404,
      statusMessage: "Not Found",
      correlationId,
      responseBody: JSON.stringify({
        message: errorBody.message,
        code: errorBody.code,
        status: 404,
        contextId: correlationId,
        details: [],
        errors: [],
      }),
    },
  ]);
}

/**
 * A stub: an empty published flow with the referenced name, so the referencing flow can publish; the
 * real flow's own import replaces it later. A reference that does not fix the type (transferToFlow)
 * gets the referencing flow's type, the only type Architect lets that action target.
 */
function createStub(org: OrgState, ref: EmuReference, callerType: string, p: Principal, now: number): void {
  const type = ref.flowType ?? callerType;
  const existing = org.flows.find(type, ref.name);
  const flow = existing ?? org.flows.create(ref.name, type, undefined, now);
  flow.description = "Stub created by an import job (createStubs)";
  const yaml = `# stub\n`;
  const version = {
    id: nextVersionId(flow),
    configuration: {},
    yaml,
    references: [],
    createdBy: p,
    dateCreated: now,
    dateSaved: now,
    dateCheckedIn: now,
  };
  flow.versions.push(version);
  flow.checkedInVersionId = version.id;
  markPublished(flow, version, p, now);
}
