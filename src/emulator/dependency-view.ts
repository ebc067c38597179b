import { type FlowRecord, type FlowVersionRecord, type StoredReference } from "./flow-store.js";
import { flowDependencyType, FLOW_TYPES, KINDS, kindInfo } from "./kinds.js";
import type { ObjectRecord } from "./object-store.js";
import type { OrgState } from "./state.js";

/** Dependency-tracking object types (genesys-api.md §4); the flow ones are versioned. */
export const DEPENDENCY_TYPES: readonly string[] = [
  ...new Set([
    ...FLOW_TYPES.filter((t) => t !== "BUSINESSPROCESS" && t !== "SPEECH").map(flowDependencyType),
    ...KINDS.map((k) => k.dependencyType),
    "SYSTEMPROMPT",
    "DIVISION",
    "IVRCONFIGURATION",
    "EMAILROUTE",
    "SMSPHONENUMBER",
    "TTSENGINE",
    "TTSVOICE",
    "GRAMMAR",
    "FLOWOUTCOME",
    "FLOWMILESTONE",
    "OAUTHCLIENT",
    "BOTCONNECTORBOT",
    "WIDGET",
    "WORKTYPE",
    "SURVEYFORM",
  ]),
].sort();

const FLOW_DEP_TYPES = new Set(FLOW_TYPES.map(flowDependencyType));

/** True for the `*FLOW` (and WORKFLOW) types, the only versioned ones. */
export function isFlowDependencyType(type: string): boolean {
  return FLOW_DEP_TYPES.has(type);
}

/** Dependency document (id, name, version, type, deleted, updated, stateUnknown, selfUri). */
export type Dependency = Record<string, unknown>;

function dependency(
  id: string,
  name: string,
  type: string,
  selfUri: string,
  extra: { version?: string; deleted?: boolean } = {},
): Dependency {
  const out: Dependency = { id, name };
  if (extra.version !== undefined) out.version = extra.version;
  return { ...out, type, deleted: extra.deleted ?? false, updated: false, stateUnknown: false, selfUri };
}

/** The Dependency of a flow version. */
export function flowDependency(flow: FlowRecord, version?: string): Dependency {
  return dependency(flow.id, flow.name, flowDependencyType(flow.type), `/api/v2/flows/${flow.id}`, {
    version,
    deleted: flow.deleted,
  });
}

/** The Dependency of an org object. */
export function objectDependency(o: ObjectRecord): Dependency {
  const info = kindInfo(o.kind);
  return dependency(
    o.id,
    o.name,
    info?.dependencyType ?? o.kind.toUpperCase(),
    `${info?.path ?? "/api/v2"}/${o.id}`,
  );
}

/** What a stored reference looks like now: current name, and `deleted` when its target is gone. */
export function referenceDependency(org: OrgState, ref: StoredReference): Dependency {
  const id = ref.id ?? "";
  if (ref.kind === "flow") {
    const flow = org.flows.get(id);
    return flow
      ? flowDependency(flow, ref.version)
      : dependency(id, ref.name, ref.type, `/api/v2/flows/${id}`, { version: ref.version, deleted: true });
  }
  const object = org.objects.get(id);
  const info = kindInfo(ref.kind);
  return object
    ? objectDependency(object)
    : dependency(id, ref.name, ref.type, `${info?.path ?? "/api/v2"}/${id}`, { deleted: true });
}

/** The (flow, version) pairs that consume `id`, per `flowFilter` (checkedIn, published, or both). */
export function consumingVersions(
  org: OrgState,
  id: string,
  flowFilter: string | null,
): Array<{ flow: FlowRecord; version: FlowVersionRecord }> {
  const out: Array<{ flow: FlowRecord; version: FlowVersionRecord }> = [];
  for (const flow of org.flows.all()) {
    if (flow.deleted || flow.id === id) continue;
    const wanted = new Set<string | undefined>();
    if (flowFilter !== "published") wanted.add(flow.checkedInVersionId);
    if (flowFilter !== "checkedIn") wanted.add(flow.publishedVersionId);
    for (const version of flow.versions) {
      if (wanted.has(version.id) && version.references.some((r) => r.id === id)) out.push({ flow, version });
    }
  }
  return out;
}
