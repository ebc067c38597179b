import { z } from "zod";
import { ok, type ApiHandler } from "../context.js";
import { badRequest } from "../errors.js";
import type { KindInfo } from "../kinds.js";
import { objectEntity, type ObjectRecord } from "../object-store.js";
import { pageCount } from "../paging.js";

/**
 * POST /api/v2/users/search and /api/v2/groups/search: how the real API finds users and groups by
 * name, since their GET listings have no `name` filter. Body and answer shapes are the SDK's
 * (`UserSearchRequest`/`GroupSearchRequest` with `UserSearchCriteria`/`GroupSearchCriteria`;
 * `UsersSearchResponse`/`GroupsSearchResponse`: total, pageCount, pageSize, pageNumber, types, results).
 */

interface Criteria {
  type: string;
  fields?: string[] | undefined;
  value?: string | undefined;
  values?: string[] | undefined;
  operator?: string | undefined;
  group?: Criteria[] | undefined;
}

const CriteriaSchema: z.ZodType<Criteria> = z.lazy(() =>
  z.object({
    type: z.string(),
    fields: z.array(z.string()).optional(),
    value: z.string().optional(),
    values: z.array(z.string()).optional(),
    operator: z.string().optional(),
    group: z.array(CriteriaSchema).optional(),
  }),
);

/** The parts of a search request the emulator honours. */
export const SearchRequestSchema = z.object({
  pageSize: z.number().int().optional(),
  pageNumber: z.number().int().optional(),
  sortBy: z.string().optional(),
  sortOrder: z.string().optional(),
  query: z.array(CriteriaSchema).optional(),
});

/** Search page sizes: 1..100 (the largest the emulator serves; the real maximum is unconfirmed). */
const MAX_SEARCH_PAGE_SIZE = 100;

function fieldValues(o: ObjectRecord, fields: readonly string[]): string[] {
  return fields.flatMap((f) => {
    const v = f === "name" ? o.name : f === "id" ? o.id : o.extra[f];
    return typeof v === "string" ? [v] : [];
  });
}

/** Whether `o` satisfies one criterion; matching is case-insensitive (unconfirmed for EXACT). */
function matches(o: ObjectRecord, c: Criteria): boolean {
  if (c.group) {
    const or = (c.operator ?? "AND").toUpperCase() === "OR";
    return or ? c.group.some((g) => matches(o, g)) : c.group.every((g) => matches(o, g));
  }
  const type = c.type.toUpperCase();
  if (type === "MATCH_ALL") return true;
  const wanted = [...(c.value !== undefined ? [c.value] : []), ...(c.values ?? [])].map((v) =>
    v.toLowerCase(),
  );
  if (wanted.length === 0)
    throw badRequest(`Search criteria of type ${c.type} needs a value`, "invalid.value");
  const have = fieldValues(o, c.fields ?? ["name"]).map((v) => v.toLowerCase());
  const test: Record<string, (h: string, w: string) => boolean> = {
    EXACT: (h, w) => h === w,
    CONTAINS: (h, w) => h.includes(w),
    QUERY_STRING: (h, w) => h.includes(w),
    STARTS_WITH: (h, w) => h.startsWith(w),
  };
  const fn = test[type];
  if (!fn) throw badRequest(`Search criteria type ${c.type} is not supported`, "invalid.value");
  return have.some((h) => wanted.some((w) => fn(h, w)));
}

/** The POST search handler of `info` (users or groups); criteria at the top level are ANDed. */
export function searchObjects(info: KindInfo): ApiHandler {
  return (ctx) => {
    const parsed = SearchRequestSchema.safeParse(ctx.json() ?? {});
    if (!parsed.success) throw badRequest(`Invalid search request: ${parsed.error.message}`);
    const { pageSize = 25, pageNumber = 1, query = [] } = parsed.data;
    if (pageSize < 1 || pageSize > MAX_SEARCH_PAGE_SIZE)
      throw badRequest(`pageSize must be between 1 and ${MAX_SEARCH_PAGE_SIZE}`, "invalid.value");
    if (pageNumber < 1) throw badRequest("pageNumber must be 1 or greater", "invalid.value");
    const hits = ctx.org.objects.list(info.kind).filter((o) => query.every((c) => matches(o, c)));
    const start = (pageNumber - 1) * pageSize;
    return ok({
      total: hits.length,
      pageCount: pageCount(hits.length, pageSize),
      pageSize,
      pageNumber,
      types: [info.seedKey],
      results: hits.slice(start, start + pageSize).map((o) => objectEntity(info, o)),
    });
  };
}
