import { ok, param, type ApiHandler } from "../context.js";
import { ApiError } from "../errors.js";
import { KINDS, type KindInfo } from "../kinds.js";
import { objectEntity } from "../object-store.js";
import { paginate, readPage } from "../paging.js";
import type { Router } from "../router.js";

/** GET <kind path>: paged, `name` is a case-insensitive exact match (CONTRACTS §2); data actions also filter by `category`. */
function listObjects(info: KindInfo): ApiHandler {
  return (ctx) => {
    const name = ctx.query.get("name") ?? undefined;
    const category = info.kind === "dataAction" ? (ctx.query.get("category") ?? undefined) : undefined;
    const items = ctx.org.objects.list(info.kind, name || undefined, category || undefined);
    const list = paginate(items, readPage(ctx.query), ctx.path, ctx.query);
    return ok({ ...list, entities: list.entities.map((o) => objectEntity(info, o)) });
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
  }
  router.on("GET", "/api/v2/organizations/me", organization);
}
