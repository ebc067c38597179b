import type { FlowRecord, FlowVersionRecord, OperationRecord, Principal } from "./flow-store.js";
import type { OrgState } from "./state.js";

/** `{id, name, selfUri}` of an OAuth client (DomainEntityRef). */
export function clientRef(p: Principal): { id: string; name: string; selfUri: string } {
  return { id: p.clientId, name: p.clientName, selfUri: `/api/v2/oauth/clients/${p.clientId}` };
}

/** The Operation document (genesys-api.md §2.7). */
export function operationJson(op: OperationRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: op.id,
    complete: op.complete,
    client: clientRef(op.client),
    errorDetails: [],
    actionName: op.actionName,
    actionStatus: op.actionStatus,
  };
  if (op.errorMessage !== undefined) out.errorMessage = op.errorMessage;
  if (op.errorCode !== undefined) out.errorCode = op.errorCode;
  return out;
}

/** The FlowVersion document (genesys-api.md §2.6): dates in epoch ms, `datePublished` ISO. */
export function versionJson(flow: FlowRecord, v: FlowVersionRecord): Record<string, unknown> {
  const self = `/api/v2/flows/${flow.id}/versions/${v.id}`;
  const out: Record<string, unknown> = {
    id: v.id,
    name: v.id,
    commitVersion: v.id,
    configurationVersion: v.id,
    // SAVE = draft, CHECKIN = committed, PUBLISH = has been published at least once.
    type: v === flow.draft ? "SAVE" : v.datePublished !== undefined ? "PUBLISH" : "CHECKIN",
    secure: false,
    debug: false,
    createdByClient: clientRef(v.createdBy),
    configurationUri: `${self}/configuration`,
    dateCreated: v.dateCreated,
  };
  if (v.dateSaved !== undefined) out.dateSaved = v.dateSaved;
  if (v.dateCheckedIn !== undefined) out.dateCheckedIn = v.dateCheckedIn;
  if (v.datePublished !== undefined) out.datePublished = v.datePublished;
  out.selfUri = self;
  return out;
}

/** The flow's division as a Flow document carries it (`{id, name, selfUri}`). */
function divisionOf(org: OrgState, flow: FlowRecord): Record<string, string> {
  const id = flow.divisionId ?? org.homeDivisionId;
  const name = org.objects.get(id)?.name ?? "Home";
  return { id, name, selfUri: `/api/v2/authorization/divisions/${id}` };
}

/** The Flow document (genesys-api.md §2.5), UPPERCASE type. */
export function flowJson(org: OrgState, flow: FlowRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: flow.id,
    name: flow.name,
    division: divisionOf(org, flow),
  };
  if (flow.description !== undefined) out.description = flow.description;
  out.type = flow.type;
  if (flow.lock) out.lockedClient = clientRef(flow.lock);
  out.active = flow.publishedVersionId !== undefined && !flow.deleted;
  out.system = false;
  out.deleted = flow.deleted;
  const published = flow.versions.find((v) => v.id === flow.publishedVersionId);
  const checkedIn = flow.versions.find((v) => v.id === flow.checkedInVersionId);
  if (published) out.publishedVersion = versionJson(flow, published);
  if (flow.draft) out.savedVersion = versionJson(flow, flow.draft);
  if (checkedIn) out.checkedInVersion = versionJson(flow, checkedIn);
  if (flow.publishedBy) out.publishedBy = clientRef(flow.publishedBy);
  if (flow.currentOperation) out.currentOperation = operationJson(flow.currentOperation);
  out.selfUri = `/api/v2/flows/${flow.id}`;
  return out;
}

/** `/__admin/state` view of a flow: ids and lock, without configurations. */
export function flowAdminJson(flow: FlowRecord): Record<string, unknown> {
  return {
    id: flow.id,
    name: flow.name,
    type: flow.type,
    versions: flow.versions.map((v) => v.id),
    publishedVersion: flow.publishedVersionId ?? null,
    // What the published version runs: tests compare content, not version numbers (a restore re-imports).
    publishedYaml:
      (flow.publishedVersionId === undefined
        ? undefined
        : flow.versions.find((v) => v.id === flow.publishedVersionId)?.yaml) ?? null,
    checkedInVersion: flow.checkedInVersionId ?? null,
    savedVersion: flow.draft?.id ?? null,
    lock: flow.lock ? { clientId: flow.lock.clientId, clientName: flow.lock.clientName } : null,
    deleted: flow.deleted,
  };
}
