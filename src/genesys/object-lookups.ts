import { z } from "zod";
import type { GenesysHttp } from "./http.js";
import { listAll } from "./paging.js";
import { OrgObjectSchema, type OrgObject } from "./schemas.js";

/**
 * The three ways the Platform API lists org objects by name, per the official SDK
 * (purecloud-platform-client-v2 `src/.../api/*.js` parameter docs and `index.d.ts` models).
 */

/** Contact lists and knowledge bases: "The max that will be returned is 100" / "Maximum of 100". */
export const SMALL_PAGE_SIZE = 100;
/** Search endpoints: the emulator serves up to 100; the real maximum is unconfirmed, 100 is safe. */
export const SEARCH_PAGE_SIZE = 100;
/** A guard against a server whose cursors or pages never end. */
const MAX_PAGES = 10_000;

/** Page-numbered listing with `pageCount` (most kinds). */
export async function listByName(
  http: GenesysHttp,
  route: string,
  query: Record<string, string | undefined>,
  pageSize?: number,
): Promise<OrgObject[]> {
  return listAll(http, { route, query }, OrgObjectSchema, pageSize);
}

/** SDK `KnowledgeBaseListing`: entities plus cursor URIs; no pageNumber, total or pageCount. */
const CursorListingSchema = z.looseObject({
  entities: z.array(OrgObjectSchema).nullish(),
  nextUri: z.string().nullish(),
});

/**
 * Cursor listing (GET /api/v2/knowledge/knowledgebases: `before`/`after`, `pageSize` at most 100).
 * Follows the `after` cursor of each `nextUri` until there is none.
 */
export async function listByCursor(
  http: GenesysHttp,
  route: string,
  query: Record<string, string | undefined>,
): Promise<OrgObject[]> {
  const out: OrgObject[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const listing = await http.json(
      { method: "GET", route, query: { ...query, pageSize: SMALL_PAGE_SIZE, after } },
      CursorListingSchema,
    );
    out.push(...(listing.entities ?? []));
    const next = listing.nextUri ? new URL(listing.nextUri, "http://x").searchParams.get("after") : null;
    // A nextUri without a fresh cursor would loop forever; treat it as the end.
    if (!next || next === after) break;
    after = next;
  }
  return out;
}

/** SDK `UsersSearchResponse`/`GroupsSearchResponse` (only what paging needs). */
const SearchResponseSchema = z.looseObject({
  results: z.array(OrgObjectSchema).nullish(),
  pageCount: z.number().optional(),
});

/**
 * POST <kind>/search with an EXACT criterion on `name` (SDK `UserSearchRequest`/`GroupSearchRequest`:
 * pageSize, pageNumber, query: [{ type, fields, value }]); GET /api/v2/users and /groups have no
 * `name` parameter, so listing them would read the whole directory.
 */
export async function searchByName(http: GenesysHttp, route: string, name: string): Promise<OrgObject[]> {
  const out: OrgObject[] = [];
  for (let pageNumber = 1; pageNumber <= MAX_PAGES; pageNumber++) {
    const body = {
      pageSize: SEARCH_PAGE_SIZE,
      pageNumber,
      query: [{ type: "EXACT", fields: ["name"], value: name }],
    };
    // A search is a read: retrying it is safe even though it is a POST.
    const res = await http.json(
      { method: "POST", route, json: body, idempotent: true },
      SearchResponseSchema,
    );
    const results = res.results ?? [];
    out.push(...results);
    if (results.length === 0 || pageNumber >= (res.pageCount ?? pageNumber)) break;
  }
  return out;
}
