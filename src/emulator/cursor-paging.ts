import { badRequest } from "./errors.js";
import { readPageSize } from "./paging.js";

/**
 * Cursor paging as the knowledge API serves it (SDK `KnowledgeBaseListing`: `entities`, `nextUri`,
 * `selfUri`, `previousUri`; no `pageNumber`, `total` or `pageCount`). Requests carry `after` or
 * `before` (opaque cursors from those URIs) and `pageSize` ("Maximum of 100", SDK KnowledgeApi.js
 * getKnowledgeKnowledgebases; `limit` is its deprecated alias).
 */
export interface CursorListing<T> {
  entities: T[];
  selfUri: string;
  nextUri?: string;
  previousUri?: string;
}

/** Largest cursor page ("Maximum of 100"). */
export const MAX_CURSOR_PAGE_SIZE = 100;

// Cursors are opaque to clients; the emulator encodes an offset so a stale cursor still reads sanely.
const encode = (offset: number): string => Buffer.from(`o:${offset}`).toString("base64url");

function decode(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^o:(\d+)$/.exec(text);
  if (!match) throw badRequest(`Invalid cursor '${cursor}'`, "invalid.value");
  return Number(match[1]);
}

/** One cursor page of `items`, with URIs that keep the caller's other query parameters. */
export function cursorPage<T>(items: readonly T[], path: string, query: URLSearchParams): CursorListing<T> {
  const size = query.has("pageSize")
    ? readPageSize(query, 25, MAX_CURSOR_PAGE_SIZE)
    : readPageSize(new URLSearchParams({ pageSize: query.get("limit") ?? "25" }), 25, MAX_CURSOR_PAGE_SIZE);
  const after = query.get("after");
  const before = query.get("before");
  let start = 0;
  if (after) start = decode(after);
  else if (before) start = Math.max(0, decode(before) - size);
  const end = before && !after ? Math.min(decode(before), start + size) : start + size;
  const uri = (cursorKey: "after" | "before", offset: number): string => {
    const q = new URLSearchParams();
    for (const [k, v] of query) if (!["after", "before", "limit", "pageSize"].includes(k)) q.append(k, v);
    q.set("pageSize", String(size));
    q.set(cursorKey, encode(offset));
    return `${path}?${q.toString()}`;
  };
  const listing: CursorListing<T> = {
    entities: items.slice(start, end),
    selfUri: uri(after || !before ? "after" : "before", after || !before ? start : end),
  };
  if (end < items.length) listing.nextUri = uri("after", end);
  if (start > 0) listing.previousUri = uri("before", start);
  return listing;
}
