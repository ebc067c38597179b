import type { z } from "zod";
import type { ApiRequest, GenesysHttp } from "./http.js";
import { entityListing } from "./schemas.js";

/** Page sizes: Terraform lists flows with 500 and dependencies with 100 (genesys-api.md §2.2, §4). */
export const FLOW_PAGE_SIZE = 500;
/** Page size for dependency tracking listings. */
export const DEPENDENCY_PAGE_SIZE = 100;

/** A guard against a server whose `pageCount` never ends; 10,000 pages of 500 is far beyond any org. */
const MAX_PAGES = 10_000;

/**
 * Reads every page of a standard listing (genesys-api.md §2.3), following `pageCount` like Terraform.
 * Without `pageCount` it stops at the first short page.
 */
export async function listAll<S extends z.ZodType>(
  http: GenesysHttp,
  req: Omit<ApiRequest, "method">,
  entity: S,
  pageSize: number = FLOW_PAGE_SIZE,
): Promise<Array<z.infer<S>>> {
  const schema = entityListing(entity);
  const out: Array<z.infer<S>> = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const listing = await http.json(
      { ...req, method: "GET", query: { ...req.query, pageSize, pageNumber: page } },
      schema,
    );
    const entities = listing.entities ?? [];
    out.push(...entities);
    const last = listing.pageCount !== undefined ? page >= listing.pageCount : entities.length < pageSize;
    if (last || entities.length === 0) break;
  }
  return out;
}
