import { ok, param, type ApiHandler } from "../context.js";
import { ApiError } from "../errors.js";
import { KINDS, type KindInfo } from "../kinds.js";
import { cursorPage } from "../cursor-paging.js";
import { nameMatchOf, nameMatcher } from "../name-match.js";
import { objectEntity, type ObjectRecord } from "../object-store.js";
import { paginate, readPage } from "../paging.js";
import type { Router } from "../router.js";
import { searchObjects } from "./search.js";

/**
 * GET <kind path>: `name` filters as the real endpoint does (name-match.ts: loose for queues, data
 * actions, skills and data tables; ignored for users and groups); data actions also filter by
 * `category`. Knowledge bases page by cursor; page sizes are capped per kind.
 */
function listObjects(info: KindInfo): ApiHandler {
  return (ctx) => {
    const name = ctx.query.get("name") ?? "";
    const category = info.kind === "dataAction" ? (ctx.query.get("category") ?? undefined) : undefined;
    const matches = nameMatcher(nameMatchOf(info.kind), name);
    const items = ctx.org.objects
      .list(info.kind, undefined, category || undefined)
      .filter((o) => name === "" || matches(o.name));
    const entity = (o: ObjectRecord): Record<string, unknown> => objectEntity(info, o);
    if (info.cursorPaging) {
      const list = cursorPage(items, ctx.path, ctx.query);
      return ok({ ...list, entities: list.entities.map(entity) });
    }
    const list = paginate(items, readPage(ctx.query, 25, info.maxPageSize), ctx.path, ctx.query);
    return ok({ ...list, entities: list.entities.map(entity) });
  };
}

function getObject(info: KindInfo): ApiHandler {
  return (ctx) => {
    const id = param(ctx, "id");
    const found = ctx.org.objects.get(id);
    if (!found || found.kind !== info.kind)
      throw new ApiError(404, "not.found", `The requested ${info.label} was not found.`, { entityId: id });
    return ok(objectEntity(info, found));
  };
}

/** GET /api/v2/organizations/me. */
const organization: ApiHandler = (ctx) =>
  ok({
    id: ctx.org.id,
    name: ctx.org.name,
    defaultLanguage: "en-us",
    thirdPartyOrgName: ctx.org.name,
    domain: ctx.org.name.toLowerCase(),
    version: 1,
    state: "active",
    defaultCountryCode: "US",
    productPlatform: "PureCloud",
    selfUri: `/api/v2/organizations/${ctx.org.id}`,
  });

/** Registers the by-name org object endpoints and the organization endpoint. */
export function objectRoutes(router: Router<ApiHandler>): void {
  for (const info of KINDS) {
    router.on("GET", info.path, listObjects(info)).on("GET", `${info.path}/{id}`, getObject(info));
    if (info.searchPath) router.on("POST", info.searchPath, searchObjects(info));
  }
  router.on("GET", "/api/v2/organizations/me", organization);
}
