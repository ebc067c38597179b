import { randomUUID } from "node:crypto";
import { ok, param, type ApiContext, type ApiHandler } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { findVersion } from "../flow-store.js";
import {
  consumingVersions,
  DEPENDENCY_TYPES,
  flowDependency,
  isFlowDependencyType,
  objectDependency,
  referenceDependency,
  type Dependency,
} from "../dependency-view.js";
import { clientRef } from "../flow-view.js";
import { flowDependencyType } from "../kinds.js";
import { paginate, readBool, readList, readPage } from "../paging.js";
import type { HttpResult, Router } from "../router.js";
import { missingNow } from "../resolve.js";

const BASE = "/api/v2/architect/dependencytracking";

function required(ctx: ApiContext, name: string, code = "architect.query.parameter.missing"): string {
  const value = ctx.query.get(name);
  if (!value) throw badRequest(`The query parameter '${name}' is required.`, code);
  return value;
}

function checkType(type: string): void {
  if (!DEPENDENCY_TYPES.includes(type))
    throw badRequest(`Invalid object type '${type}'.`, "architect.dependency.object.invalid.type");
}

const notFound = (): ApiError =>
  new ApiError(
    404,
    "architect.dependency.object.not.found",
    "Could not find the dependency object with specified ID and version",
  );

/** A listing of dependencies; 206 while a rebuild runs ("the org data is being rebuilt"). */
function listed(ctx: ApiContext, items: Dependency[]): HttpResult {
  const types = new Set(readList(ctx.query, "resourceType"));
  const filtered = types.size ? items.filter((d) => types.has(String(d.type))) : items;
  return ok(
    paginate(filtered, readPage(ctx.query), ctx.path, ctx.query),
    ctx.org.build.status === "BUILDINPROGRESS" ? 206 : 200,
  );
}

/** GET consumedresources: what one flow version references (Terraform's export walks this). */
const consumed: ApiHandler = (ctx) => {
  const id = required(ctx, "id");
  const versionId = required(ctx, "version", "architect.dependency.object.version.not.specified");
  const objectType = required(ctx, "objectType");
  checkType(objectType);
  if (!isFlowDependencyType(objectType))
    throw badRequest("Only versioned types are allowed here.", "architect.dependency.object.invalid.type");
  const flow = ctx.org.flows.get(id);
  if (!flow || flowDependencyType(flow.type) !== objectType) throw notFound();
  const version = findVersion(flow, versionId);
  if (!version || version === flow.draft) throw notFound();
  return listed(
    ctx,
    version.references.map((r) => referenceDependency(ctx.org, r)),
  );
};

/** GET consumingresources: the flow versions that reference an object or flow. */
const consuming: ApiHandler = (ctx) => {
  const id = required(ctx, "id");
  checkType(required(ctx, "objectType"));
  const flowFilter = ctx.query.get("flowFilter");
  if (flowFilter !== null && flowFilter !== "checkedIn" && flowFilter !== "published") {
    throw badRequest(`Invalid flowFilter '${flowFilter}'.`, "architect.dependency.invalid.filter");
  }
  const users = consumingVersions(ctx.org, id, flowFilter);
  if (users.length === 0 && !ctx.org.flows.get(id) && !ctx.org.objects.get(id)) throw notFound();
  return listed(
    ctx,
    users.map(({ flow, version }) => flowDependency(flow, version.id)),
  );
};

/** A DependencyObject for `id` (flow or org object), with its consumed/consuming lists when asked. */
function dependencyObject(ctx: ApiContext, id: string): Dependency | undefined {
  const flow = ctx.org.flows.get(id);
  const object = ctx.org.objects.get(id);
  if (!flow && !object) return undefined;
  const versionId = ctx.query.get("version") ?? flow?.publishedVersionId ?? flow?.checkedInVersionId;
  const version = flow && versionId ? findVersion(flow, versionId) : undefined;
  if (flow && ctx.query.get("version") && !version) return undefined;
  const out = flow ? flowDependency(flow, version?.id) : object ? objectDependency(object) : {};
  if (readBool(ctx.query, "consumedResources"))
    out.consumedResources = (version?.references ?? []).map((r) => referenceDependency(ctx.org, r));
  if (readBool(ctx.query, "consumingResources")) {
    out.consumingResources = consumingVersions(ctx.org, id, null).map(({ flow: f, version: v }) =>
      flowDependency(f, v.id),
    );
  }
  return out;
}

const object: ApiHandler = (ctx) => {
  const found = dependencyObject(ctx, required(ctx, "id"));
  if (!found) throw notFound();
  return { status: ctx.org.build.status === "BUILDINPROGRESS" ? 206 : 200, body: found };
};

/** GET dependencytracking?name=: flows and objects whose name contains `name`. */
const search: ApiHandler = (ctx) => {
  const name = required(ctx, "name", "architect.dependency.object.name.not.specified").toLowerCase();
  const types = new Set(readList(ctx.query, "objectType"));
  for (const t of types) checkType(t);
  const hits: Dependency[] = [];
  for (const f of ctx.org.flows.all())
    if (!f.deleted && f.name.toLowerCase().includes(name))
      hits.push(dependencyObject(ctx, f.id) ?? flowDependency(f));
  for (const o of ctx.org.objects.all())
    if (o.name.toLowerCase().includes(name)) hits.push(objectDependency(o));
  return listed(ctx, types.size ? hits.filter((h) => types.has(String(h.type))) : hits);
};

/** GET deletedresourceconsumers: flows whose active version references something that no longer exists. */
const deletedConsumers: ApiHandler = (ctx) => {
  const hits = ctx.org.flows
    .all()
    .filter((f) => !f.deleted)
    .flatMap((f) =>
      f.versions
        .filter(
          (v) =>
            (v.id === f.publishedVersionId || v.id === f.checkedInVersionId) &&
            missingNow(ctx.org, v.references).length > 0,
        )
        .map((v) => flowDependency(f, v.id)),
    );
  return listed(ctx, hits);
};

const typeJson = (t: string): Dependency => ({
  id: t,
  name: t,
  versioned: isFlowDependencyType(t),
  selfUri: `${BASE}/types/${t}`,
});

const types: ApiHandler = (ctx) =>
  ok(paginate(DEPENDENCY_TYPES.map(typeJson), readPage(ctx.query), ctx.path, ctx.query));

const oneType: ApiHandler = (ctx) => {
  const t = param(ctx, "typeId");
  if (!DEPENDENCY_TYPES.includes(t))
    throw new ApiError(404, "architect.dependency.invalid.type", `Invalid dependency type '${t}'.`);
  return ok(typeJson(t));
};

const buildStatus: ApiHandler = (ctx) => {
  const b = ctx.org.build;
  const out: Dependency = { id: b.buildId, buildId: b.buildId };
  if (b.client) out.client = clientRef(b.client);
  return ok({
    ...out,
    dateStarted: b.dateStarted,
    ...(b.dateCompleted ? { dateCompleted: b.dateCompleted } : {}),
    status: b.status,
    failedObjects: [],
    selfUri: `${BASE}/build`,
  });
};

/** POST build: 202 and a rebuild lasting the org's job duration; 409 while one runs. */
const rebuild: ApiHandler = (ctx) => {
  const org = ctx.org;
  if (org.build.status === "BUILDINPROGRESS")
    throw new ApiError(
      409,
      "architect.dependencies.build.in.progress",
      "A dependency tracking build is already in progress.",
    );
  const build = {
    buildId: randomUUID(),
    status: "BUILDINPROGRESS" as const,
    dateStarted: new Date(ctx.now).toISOString(),
    client: ctx.principal,
  };
  org.build = build;
  org.scheduler.after(org.jobDurationMs, () => {
    if (org.build === build)
      org.build = { ...build, status: "OPERATIONAL", dateCompleted: new Date().toISOString() };
  });
  return { status: 202 };
};

/** Registers the dependency-tracking endpoints. */
export function dependencyRoutes(router: Router<ApiHandler>): void {
  router
    .on("GET", BASE, search)
    .on("GET", `${BASE}/object`, object)
    .on("GET", `${BASE}/consumedresources`, consumed)
    .on("GET", `${BASE}/consumingresources`, consuming)
    .on("GET", `${BASE}/deletedresourceconsumers`, deletedConsumers)
    .on("GET", `${BASE}/updatedresourceconsumers`, (ctx) => listed(ctx, []))
    .on("GET", `${BASE}/types`, types)
    .on("GET", `${BASE}/types/{typeId}`, oneType)
    .on("GET", `${BASE}/build`, buildStatus)
    .on("POST", `${BASE}/build`, rebuild);
}
