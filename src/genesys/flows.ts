import { parseBody, type ApiRequest, type GenesysHttp } from "./http.js";
import { listAll } from "./paging.js";
import {
  FlowSchema,
  FlowVersionSchema,
  OperationSchema,
  type Flow,
  type FlowVersion,
  type Operation,
} from "./schemas.js";

/*
Flow endpoints (genesys-api.md §2). Action endpoints take the flow id as the query parameter `flow`
and no body (§2.1 notes); they are POSTs and therefore not retried on 5xx, only on 429.
*/

/** Lists every flow (all pages), optionally filtered by type (any case) and name. */
export async function listFlows(
  http: GenesysHttp,
  filter: { types?: string[]; name?: string } = {},
): Promise<Flow[]> {
  return listAll(
    http,
    {
      route: "/api/v2/flows",
      // The list filter takes lowercase types while responses carry UPPERCASE ones (§2.2, §2.5).
      query: { type: filter.types?.map((t) => t.toLowerCase()), name: filter.name },
    },
    FlowSchema,
  );
}

/** One flow, or undefined when it does not exist (404) or is deleted (410, unless `deleted` is asked for). */
export async function getFlow(
  http: GenesysHttp,
  id: string,
  opts: { deleted?: boolean; signal?: AbortSignal } = {},
): Promise<Flow | undefined> {
  const req: ApiRequest = {
    method: "GET",
    route: "/api/v2/flows/{flowId}",
    params: { flowId: id },
    query: { deleted: opts.deleted ? true : undefined },
    accept: [404, 410],
    signal: opts.signal,
  };
  const res = await http.send(req);
  if (res.status === 404 || res.status === 410) return undefined;
  return parseBody(req, res.body, FlowSchema);
}

/** Deletes a flow; an already absent (404) or deleted (410) flow counts as done, as in Terraform. */
export async function deleteFlow(http: GenesysHttp, id: string): Promise<void> {
  await http.send({
    method: "DELETE",
    route: "/api/v2/flows/{flowId}",
    params: { flowId: id },
    accept: [404, 410],
  });
}

/** The names of the flow action endpoints this client uses. */
export type FlowAction = "checkout" | "checkin" | "unlock" | "publish";

function actionRequest(name: FlowAction, id: string, version?: string, signal?: AbortSignal): ApiRequest {
  return { method: "POST", route: `/api/v2/flows/actions/${name}`, query: { flow: id, version }, signal };
}

/** Force-releases a lock held by anyone (needs Architect admin; genesys-api.md §2.1). */
export async function unlockFlow(http: GenesysHttp, id: string): Promise<Flow> {
  return http.json(actionRequest("unlock", id), FlowSchema);
}

/** Locks the flow to this OAuth client. */
export async function checkoutFlow(http: GenesysHttp, id: string): Promise<Flow> {
  return http.json(actionRequest("checkout", id), FlowSchema);
}

/** Commits the saved version and releases the lock (asynchronous; returns the Operation). */
export async function checkinFlow(http: GenesysHttp, id: string): Promise<Operation> {
  return http.json(actionRequest("checkin", id), OperationSchema);
}

/**
 * Starts publishing the flow, or a given version of it (asynchronous, 202): the returned Operation may
 * not be complete yet; see publish.ts for waiting on it.
 */
export async function publishFlow(
  http: GenesysHttp,
  id: string,
  version?: string,
  signal?: AbortSignal,
): Promise<Operation> {
  return http.json(actionRequest("publish", id, version, signal), OperationSchema);
}

/** Every version of a flow (all pages). */
export async function listFlowVersions(http: GenesysHttp, id: string): Promise<FlowVersion[]> {
  return listAll(
    http,
    { route: "/api/v2/flows/{flowId}/versions", params: { flowId: id } },
    FlowVersionSchema,
  );
}
