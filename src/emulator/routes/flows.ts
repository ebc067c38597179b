import { randomUUID } from "node:crypto";
import { ok, param, type ApiContext, type ApiHandler } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { assertNameFree, deleteFlow, finishedOperation, requireFlow, validateFlowName } from "../flow-ops.js";
import type { FlowRecord } from "../flow-store.js";
import { flowJson, operationJson } from "../flow-view.js";
import { FLOW_TYPES } from "../kinds.js";
import { paginate, readBool, readList, readPage } from "../paging.js";
import type { Router } from "../router.js";

const LOWER_TYPES = new Set(FLOW_TYPES.map((t) => t.toLowerCase()));

/** Reads a JSON object body; 400 when it is something else. */
export function objectBody(ctx: ApiContext): Record<string, unknown> {
  const body = ctx.json();
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw badRequest("The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

/** Every flow of the org in the order `sortBy`/`sortOrder` asks for (400 on unknown values). */
function sortedFlows(ctx: ApiContext): readonly FlowRecord[] {
  const sortBy = ctx.query.get("sortBy") ?? "id";
  if (sortBy !== "id" && sortBy !== "name" && sortBy !== "type") {
    throw badRequest(`Invalid value for sortBy: '${sortBy}'`, "invalid.value");
  }
  const order = (ctx.query.get("sortOrder") ?? "asc").toLowerCase();
  if (order !== "asc" && order !== "desc") {
    throw badRequest(`Invalid value for sortOrder: '${order}'`, "invalid.value");
  }
  const sorted = ctx.org.flows.sorted(sortBy);
  return order === "asc" ? sorted : [...sorted].reverse();
}

/** Lists already-ordered `flows` as a paged FlowEntityListing. */
function listing(ctx: ApiContext, flows: readonly FlowRecord[]): ReturnType<typeof ok> {
  const list = paginate(flows, readPage(ctx.query), ctx.path, ctx.query);
  return ok({ ...list, entities: list.entities.map((f) => flowJson(ctx.org, f)) });
}

const contains = (field: string | undefined, needle: string | null): boolean =>
  needle === null || (field ?? "").toLowerCase().includes(needle.toLowerCase());

/**
 * GET /api/v2/flows. `type` takes lowercase values and repeats; `name` matches case-insensitively
 * anywhere in the name (the real filter is not exact: clients re-filter, as Terraform does); `id`
 * overrides every other filter.
 */
const listFlows: ApiHandler = (ctx) => {
  const q = ctx.query;
  const includeDeleted = readBool(q, "deleted");
  const ids = new Set(readList(q, "id"));
  const all = sortedFlows(ctx);
  if (ids.size > 0)
    return listing(
      ctx,
      all.filter((f) => (includeDeleted || !f.deleted) && ids.has(f.id)),
    );
  const types = readList(q, "type");
  for (const t of types) {
    if (!LOWER_TYPES.has(t)) throw badRequest(`Invalid value for type: '${t}'`, "invalid.value");
  }
  const wanted = new Set(types.map((t) => t.toUpperCase()));
  // A flow lives in the division its last import named (the Home division when it named none).
  const divisions = new Set(readList(q, "divisionId"));
  const inDivision = (f: { divisionId?: string }): boolean =>
    divisions.size === 0 || divisions.has(f.divisionId ?? ctx.org.homeDivisionId);
  const name = q.get("name");
  const description = q.get("description");
  const either = q.get("nameOrDescription");
  const published = q.get("publishVersionId");
  const lockedBy = q.get("lockedByClientId");
  const flows = all.filter(
    (f) =>
      (includeDeleted || !f.deleted) &&
      inDivision(f) &&
      (wanted.size === 0 || wanted.has(f.type)) &&
      contains(f.name, name) &&
      contains(f.description, description) &&
      (either === null || contains(f.name, either) || contains(f.description, either)) &&
      (published === null || f.publishedVersionId === published) &&
      (lockedBy === null || f.lock?.clientId === lockedBy),
  );
  return listing(ctx, flows);
};

const lookupFlows: ApiHandler = (ctx) => {
  const ids = new Set(readList(ctx.query, "id"));
  if (ids.size === 0) {
    throw badRequest("The query parameter 'id' is required.", "architect.query.parameter.missing");
  }
  return listing(
    ctx,
    sortedFlows(ctx).filter((f) => !f.deleted && ids.has(f.id)),
  );
};

const getFlow: ApiHandler = (ctx) =>
  ok(
    flowJson(
      ctx.org,
      requireFlow(ctx.org, param(ctx, "flowId"), { deleted: readBool(ctx.query, "deleted") }),
    ),
  );

function readType(raw: unknown): string {
  if (typeof raw !== "string" || raw === "")
    throw new ApiError(400, "architect.flow.validate.failed.missing.type", "The flow type is missing.");
  const type = raw.toUpperCase();
  if (!FLOW_TYPES.includes(type))
    throw new ApiError(400, "architect.object.validate.failed.value", `Invalid flow type '${raw}'.`);
  return type;
}

/** POST /api/v2/flows: creates the flow checked out to the caller (as Architect does), with no configuration yet. */
const createFlow: ApiHandler = (ctx) => {
  const body = objectBody(ctx);
  const name = validateFlowName(body.name);
  const type = readType(body.type);
  assertNameFree(ctx.org, type, name);
  const description = typeof body.description === "string" ? body.description : undefined;
  const flow = ctx.org.flows.create(name, type, description, ctx.now);
  flow.lock = ctx.principal;
  finishedOperation(flow, ctx.principal, "CREATE");
  return ok(flowJson(ctx.org, flow));
};

/** PUT /api/v2/flows/{flowId}: name and description; the caller must hold the lock. */
const updateFlow: ApiHandler = (ctx) => {
  const flow = requireFlow(ctx.org, param(ctx, "flowId"));
  const body = objectBody(ctx);
  if (flow.lock?.clientId !== ctx.principal.clientId) {
    throw new ApiError(409, "architect.flow.not.locked.by.user", "Flow is not locked by requesting user.", {
      entityId: flow.id,
    });
  }
  if (body.type !== undefined && readType(body.type) !== flow.type) {
    throw new ApiError(400, "architect.object.validate.failed.value", "The flow type cannot be changed.");
  }
  const name = body.name === undefined ? flow.name : validateFlowName(body.name);
  assertNameFree(ctx.org, flow.type, name, flow);
  if (name !== flow.name) ctx.org.flows.rename(flow, name);
  if (typeof body.description === "string") flow.description = body.description;
  finishedOperation(flow, ctx.principal, "UPDATE");
  return ok(flowJson(ctx.org, flow));
};

/** DELETE /api/v2/flows/{flowId}: 204 on success (the real success code is unconfirmed; clients accept 200 and 204). */
const removeFlow: ApiHandler = (ctx) => {
  deleteFlow(ctx.org, requireFlow(ctx.org, param(ctx, "flowId")), ctx.principal);
  return { status: 204 };
};

/** DELETE /api/v2/flows?id=..: deletes each flow it can; the Operation reports the first refusal. */
const removeFlows: ApiHandler = (ctx) => {
  const ids = readList(ctx.query, "id");
  if (ids.length === 0)
    throw badRequest("The query parameter 'id' is required.", "architect.query.parameter.missing");
  if (ids.length > 100) throw badRequest("Too many flows in one batch.", "architect.batch.too.large");
  const failures: ApiError[] = [];
  for (const id of ids) {
    try {
      deleteFlow(ctx.org, requireFlow(ctx.org, id), ctx.principal);
    } catch (err) {
      if (err instanceof ApiError) failures.push(err);
      else throw err;
    }
  }
  const op = {
    id: randomUUID(),
    complete: true,
    client: ctx.principal,
    actionName: "DELETE",
    actionStatus: failures.length ? "FAILURE" : "SUCCESS",
  };
  const first = failures[0];
  return ok(operationJson(first ? { ...op, errorCode: first.code, errorMessage: first.message } : op));
};

/** Registers the flow CRUD endpoints. */
export function flowRoutes(router: Router<ApiHandler>): void {
  router
    .on("GET", "/api/v2/flows", listFlows)
    .on("POST", "/api/v2/flows", createFlow)
    .on("DELETE", "/api/v2/flows", removeFlows)
    .on("GET", "/api/v2/flows/lookup", lookupFlows)
    .on("GET", "/api/v2/flows/{flowId}", getFlow)
    .on("PUT", "/api/v2/flows/{flowId}", updateFlow)
    .on("DELETE", "/api/v2/flows/{flowId}", removeFlow);
}
