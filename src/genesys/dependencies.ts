import type { GenesysHttp } from "./http.js";
import { DEPENDENCY_PAGE_SIZE, listAll } from "./paging.js";
import { DependencySchema, type Dependency } from "./schemas.js";

/*
Dependency tracking (genesys-api.md §4). `objectType` is a dependency type such as INBOUNDCALLFLOW or
COMMONMODULEFLOW (flow type + "FLOW", except WORKFLOW); see {@link dependencyTypeOfFlowType}.
*/

const BASE = "/api/v2/architect/dependencytracking";

/** Everything a flow version consumes (queues, data actions, common modules, ...), all pages. */
export async function consumedResources(
  http: GenesysHttp,
  id: string,
  version: string,
  objectType: string,
): Promise<Dependency[]> {
  return listAll(
    http,
    { route: `${BASE}/consumedresources`, query: { id, version, objectType } },
    DependencySchema,
    DEPENDENCY_PAGE_SIZE,
  );
}

/** Everything that consumes the object (e.g. the flows calling a common module), all pages. */
export async function consumingResources(
  http: GenesysHttp,
  id: string,
  objectType: string,
): Promise<Dependency[]> {
  return listAll(
    http,
    { route: `${BASE}/consumingresources`, query: { id, objectType } },
    DependencySchema,
    DEPENDENCY_PAGE_SIZE,
  );
}

/** Flow type → dependency object type (TF `SetFlowTypeObjectMaps`): INBOUNDCALL → INBOUNDCALLFLOW, WORKFLOW → WORKFLOW. */
export function dependencyTypeOfFlowType(flowType: string): string {
  const upper = flowType.toUpperCase();
  return upper === "WORKFLOW" ? upper : `${upper}FLOW`;
}
