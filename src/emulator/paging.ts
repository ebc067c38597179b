import { badRequest } from "./errors.js";

/** The paging fields of every `*EntityListing` (genesys-api.md §2.3). */
export interface Listing<T> {
  entities: T[];
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  firstUri: string;
  selfUri: string;
  lastUri: string;
  nextUri?: string;
  previousUri?: string;
}

/** Page request as read from the query string. */
export interface PageRequest {
  pageNumber: number;
  pageSize: number;
}

/** Largest page the emulator serves; Terraform asks for 500, so that must work (the real maximum is unconfirmed). */
export const MAX_PAGE_SIZE = 500;

/**
 * Reads `pageNumber` (default 1) and `pageSize` (default 25, at most `maxSize`, by default
 * {@link MAX_PAGE_SIZE}; endpoints whose SDK docs say "Maximum of 100" pass 100); 400 on junk.
 */
export function readPage(query: URLSearchParams, defaultSize = 25, maxSize = MAX_PAGE_SIZE): PageRequest {
  const pageNumber = readInt(query, "pageNumber", 1);
  const pageSize = readPageSize(query, defaultSize, maxSize);
  if (pageNumber < 1) throw badRequest("pageNumber must be 1 or greater", "invalid.value");
  return { pageNumber, pageSize };
}

/** `pageSize` (default `defaultSize`), refused with a 400 ErrorBody outside 1..`maxSize`. */
export function readPageSize(query: URLSearchParams, defaultSize: number, maxSize: number): number {
  const pageSize = readInt(query, "pageSize", defaultSize);
  if (pageSize < 1 || pageSize > maxSize) {
    throw badRequest(`pageSize must be between 1 and ${maxSize}`, "invalid.value");
  }
  return pageSize;
}

function readInt(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`Invalid value for ${name}: '${raw}'`, "invalid.value");
  return Number(raw);
}

/** Number of pages for `total` items: 0 when there is nothing. */
export function pageCount(total: number, pageSize: number): number {
  return Math.ceil(total / pageSize);
}

/**
 * Cuts one page out of `items` and builds the listing with its URIs. URIs start with
 * `pageSize` and `pageNumber` (as the real service writes them) followed by the caller's other
 * query parameters; `nextUri`/`previousUri` are omitted at the ends.
 */
export function paginate<T>(
  items: readonly T[],
  page: PageRequest,
  path: string,
  query: URLSearchParams,
): Listing<T> {
  const total = items.length;
  const count = pageCount(total, page.pageSize);
  const start = (page.pageNumber - 1) * page.pageSize;
  const uri = (n: number): string => pageUri(path, query, page.pageSize, n);
  const listing: Listing<T> = {
    entities: items.slice(start, start + page.pageSize),
    pageSize: page.pageSize,
    pageNumber: page.pageNumber,
    total,
    pageCount: count,
    firstUri: uri(1),
    selfUri: uri(page.pageNumber),
    lastUri: uri(Math.max(count, 1)),
  };
  if (page.pageNumber < count) listing.nextUri = uri(page.pageNumber + 1);
  if (page.pageNumber > 1) listing.previousUri = uri(Math.min(page.pageNumber - 1, Math.max(count, 1)));
  return listing;
}

/** `path?pageSize=S&pageNumber=N&<other params in request order>`. */
export function pageUri(path: string, query: URLSearchParams, pageSize: number, pageNumber: number): string {
  const rest = new URLSearchParams();
  for (const [key, value] of query) if (key !== "pageSize" && key !== "pageNumber") rest.append(key, value);
  const tail = rest.toString();
  return `${path}?pageSize=${pageSize}&pageNumber=${pageNumber}${tail ? `&${tail}` : ""}`;
}

/**
 * Values of an array query parameter. The API takes repeated keys (`type=a&type=b`, "multi" format),
 * but the official JS SDK joins arrays with commas (`type=a,b`), so both are accepted.
 */
export function readList(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** A boolean query parameter (`true`/`false`, case-insensitive); 400 on anything else. */
export function readBool(query: URLSearchParams, name: string, fallback = false): boolean {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  const lower = raw.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw badRequest(`Invalid value for ${name}: '${raw}'`, "invalid.value");
}
