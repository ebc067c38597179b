import { PromoterError } from "../errors.js";
import type { ReferenceKind } from "../flowset/types.js";
import { listFlows } from "./flows.js";
import { parseBody, type ApiRequest, type GenesysHttp } from "./http.js";
import { listByCursor, listByName, searchByName, SMALL_PAGE_SIZE } from "./object-lookups.js";
import { OrgObjectSchema, OrganizationSchema, type OrgObject, type Organization } from "./schemas.js";

/** List endpoints of the objects flows refer to by name (CONTRACTS §2). */
export const OBJECT_ROUTES: Readonly<Record<Exclude<ReferenceKind, "flow">, string>> = {
  queue: "/api/v2/routing/queues",
  dataAction: "/api/v2/integrations/actions",
  schedule: "/api/v2/architect/schedules",
  scheduleGroup: "/api/v2/architect/schedulegroups",
  userPrompt: "/api/v2/architect/prompts",
  emergencyGroup: "/api/v2/architect/emergencygroups",
  dataTable: "/api/v2/flows/datatables",
  contactList: "/api/v2/outbound/contactlists",
  wrapupCode: "/api/v2/routing/wrapupcodes",
  knowledgeBase: "/api/v2/knowledge/knowledgebases",
  skill: "/api/v2/routing/skills",
  language: "/api/v2/routing/languages",
  user: "/api/v2/users",
  group: "/api/v2/groups",
  // SDK AuthorizationApi getAuthorizationDivisions: `name` is a "search term", paged by pageNumber.
  division: "/api/v2/authorization/divisions",
};

/** Users and groups are found through their search endpoints (their listings have no name filter). */
export const SEARCH_ROUTES: Readonly<Partial<Record<ReferenceKind, string>>> = {
  user: "/api/v2/users/search",
  group: "/api/v2/groups/search",
};

/**
 * Objects of `kind` named exactly `name` (and, for data actions, in `category`). The server's name
 * filter is loose for several kinds (queues take `*` at either end, data actions match part of the
 * name, skills a prefix, data tables `*` anywhere and any case), so results are re-filtered exactly,
 * as Terraform does. Flows are looked up through the flow listing, users and groups through search,
 * knowledge bases with cursors, contact lists and knowledge bases 100 at a time.
 */
export async function findObjects(
  http: GenesysHttp,
  kind: ReferenceKind,
  name: string,
  opts: { category?: string } = {},
): Promise<OrgObject[]> {
  const found = await candidates(http, kind, name, opts.category);
  return found.filter(
    (o) =>
      o.name === name &&
      (opts.category === undefined || kind !== "dataAction" || o.category === opts.category),
  );
}

async function candidates(
  http: GenesysHttp,
  kind: ReferenceKind,
  name: string,
  category: string | undefined,
): Promise<OrgObject[]> {
  if (kind === "flow")
    return (await listFlows(http, { name })).map((f) => ({
      id: f.id,
      name: f.name,
      type: f.type,
      selfUri: f.selfUri,
    }));
  const search = SEARCH_ROUTES[kind];
  if (search) return searchByName(http, search, name);
  const route = OBJECT_ROUTES[kind];
  if (kind === "knowledgeBase") return listByCursor(http, route, { name });
  if (kind === "contactList") return listByName(http, route, { name }, SMALL_PAGE_SIZE);
  return listByName(http, route, { name, category: kind === "dataAction" ? category : undefined });
}

/** Several org objects carry the exact name a flow uses: Architect cannot tell which one is meant. */
export class AmbiguousObjectError extends PromoterError {
  readonly matches: readonly OrgObject[];

  constructor(kind: ReferenceKind, name: string, matches: readonly OrgObject[]) {
    super(
      "AmbiguousObject",
      "Stalled",
      `${matches.length} ${kind} objects are named exactly '${name}' (ids ${matches.map((m) => m.id).join(", ")}); rename all but one`,
    );
    this.matches = matches;
  }
}

/** The one object of `kind` named exactly `name`; undefined when none; AmbiguousObjectError when several. */
export async function findObject(
  http: GenesysHttp,
  kind: ReferenceKind,
  name: string,
  opts: { category?: string } = {},
): Promise<OrgObject | undefined> {
  const found = await findObjects(http, kind, name, opts);
  if (found.length > 1) throw new AmbiguousObjectError(kind, name, found);
  return found[0];
}

/**
 * The object of `kind` with `id` (GET <list route>/{id}, e.g. /api/v2/routing/queues/{queueId});
 * undefined when the org has none (404). Used for ids written as literals (`FindQueueById("…")`).
 */
export async function getObjectById(
  http: GenesysHttp,
  kind: Exclude<ReferenceKind, "flow">,
  id: string,
): Promise<OrgObject | undefined> {
  const req: ApiRequest = {
    method: "GET",
    route: `${OBJECT_ROUTES[kind]}/{id}`,
    params: { id },
    accept: [404],
  };
  const res = await http.send(req);
  if (res.status === 404) return undefined;
  return parseBody(req, res.body, OrgObjectSchema);
}

/** The org the credentials belong to (GET /api/v2/organizations/me). */
export async function organization(http: GenesysHttp): Promise<Organization> {
  return http.json({ method: "GET", route: "/api/v2/organizations/me" }, OrganizationSchema);
}
