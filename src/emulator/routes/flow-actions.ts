import { ok, param, type ApiContext, type ApiHandler } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { checkin, checkout, publish, requireFlow, revert, saveVersion, unlock } from "../flow-ops.js";
import { findVersion, latestVersion } from "../flow-store.js";
import { flowJson, operationJson, versionJson } from "../flow-view.js";
import { paginate, readBool, readPage } from "../paging.js";
import type { Router } from "../router.js";

/** The flow named by the `flow` query parameter of an action endpoint. */
function actionFlow(ctx: ApiContext) {
  const id = ctx.query.get("flow");
  if (!id) throw badRequest("The query parameter 'flow' is required.", "architect.query.parameter.missing");
  return requireFlow(ctx.org, id);
}

const doCheckout: ApiHandler = (ctx) => {
  const flow = actionFlow(ctx);
  checkout(flow, ctx.principal);
  return ok(flowJson(ctx.org, flow));
};

const doCheckin: ApiHandler = (ctx) => ok(operationJson(checkin(actionFlow(ctx), ctx.principal, ctx.now)));

const doUnlock: ApiHandler = (ctx) => {
  const flow = actionFlow(ctx);
  unlock(flow, ctx.principal);
  return ok(flowJson(ctx.org, flow));
};

const doRevert: ApiHandler = (ctx) => {
  const flow = actionFlow(ctx);
  revert(flow, ctx.principal);
  return ok(flowJson(ctx.org, flow));
};

/** 202 "Accepted - the publish has begun" with the STARTED Operation. */
const doPublish: ApiHandler = (ctx) => {
  const flow = actionFlow(ctx);
  const version = ctx.query.get("version") ?? undefined;
  return ok(operationJson(publish(ctx.org, flow, ctx.principal, version || undefined, ctx.now)), 202);
};

/** `actions/deactivate`: the flow stops being published (409 when a flow consumes it is not modelled). */
const doDeactivate: ApiHandler = (ctx) => {
  const flow = actionFlow(ctx);
  if (flow.lock && flow.lock.clientId !== ctx.principal.clientId) {
    throw new ApiError(409, "architect.flow.locked.by.user", "Flow is locked by another user.", {
      entityId: flow.id,
    });
  }
  flow.publishedVersionId = undefined;
  (flow.publications ??= []).push({ version: null, at: ctx.now });
  return ok(flowJson(ctx.org, flow));
};

const listVersions: ApiHandler = (ctx) => {
  const flow = requireFlow(ctx.org, param(ctx, "flowId"), { deleted: readBool(ctx.query, "deleted") });
  const list = paginate([...flow.versions].reverse(), readPage(ctx.query), ctx.path, ctx.query);
  return ok({ ...list, entities: list.entities.map((v) => versionJson(flow, v)) });
};

function requireVersion(ctx: ApiContext) {
  const flow = requireFlow(ctx.org, param(ctx, "flowId"), { deleted: readBool(ctx.query, "deleted") });
  const version = findVersion(flow, param(ctx, "versionId"));
  if (!version)
    throw new ApiError(404, "architect.flow.version.missing", "Could not find the specified flow version.");
  return { flow, version };
}

const getVersion: ApiHandler = (ctx) => {
  const { flow, version } = requireVersion(ctx);
  return ok(versionJson(flow, version));
};

const getVersionConfiguration: ApiHandler = (ctx) => ok(requireVersion(ctx).version.configuration);

const postVersion: ApiHandler = (ctx) => {
  const flow = requireFlow(ctx.org, param(ctx, "flowId"));
  return ok(versionJson(flow, saveVersion(flow, ctx.principal, ctx.json(), ctx.now)));
};

const latestConfiguration: ApiHandler = (ctx) => {
  const flow = requireFlow(ctx.org, param(ctx, "flowId"), { deleted: readBool(ctx.query, "deleted") });
  const latest = latestVersion(flow);
  if (!latest)
    throw new ApiError(404, "flow.no.config.available", "Flow has no saved or checked-in configuration.");
  return ok(latest.configuration);
};

/** Registers the lock/publish actions and the version endpoints. */
export function flowActionRoutes(router: Router<ApiHandler>): void {
  router
    .on("POST", "/api/v2/flows/actions/checkout", doCheckout)
    .on("POST", "/api/v2/flows/actions/checkin", doCheckin)
    .on("POST", "/api/v2/flows/actions/unlock", doUnlock)
    .on("POST", "/api/v2/flows/actions/revert", doRevert)
    .on("POST", "/api/v2/flows/actions/publish", doPublish)
    .on("POST", "/api/v2/flows/actions/deactivate", doDeactivate)
    .on("GET", "/api/v2/flows/{flowId}/versions", listVersions)
    .on("POST", "/api/v2/flows/{flowId}/versions", postVersion)
    .on("GET", "/api/v2/flows/{flowId}/versions/{versionId}", getVersion)
    .on("GET", "/api/v2/flows/{flowId}/versions/{versionId}/configuration", getVersionConfiguration)
    .on("GET", "/api/v2/flows/{flowId}/latestconfiguration", latestConfiguration);
}
