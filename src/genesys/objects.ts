import type { ReferenceKind } from "../flowset/types.js";
import { listFlows } from "./flows.js";
import type { GenesysHttp } from "./http.js";
import { listAll } from "./paging.js";
import { OrganizationSchema, OrgObjectSchema, type OrgObject, type Organization } from "./schemas.js";

/**
 * List endpoints of the objects flows refer to by name (CONTRACTS §2). Users and groups have no
 * name filter on the real API (it has search endpoints instead); the exact re-filter below keeps the
 * answer right either way.
 */
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
};

/**
 * Objects of `kind` named exactly `name` (and, for data actions, in `category`). The server's name
 * filter may match prefixes or ignore case (genesys-api.md §2.2), so results are re-filtered exactly,
 * as Terraform does. Flows are looked up through the flow listing.
 */
export async function findObjects(
  http: GenesysHttp,
  kind: ReferenceKind,
  name: string,
  opts: { category?: string } = {},
): Promise<OrgObject[]> {
  const found: OrgObject[] =
    kind === "flow"
      ? (await listFlows(http, { name })).map((f) => ({
          id: f.id,
          name: f.name,
          type: f.type,
          selfUri: f.selfUri,
        }))
      : await listAll(
          http,
          {
            route: OBJECT_ROUTES[kind],
            query: { name, category: kind === "dataAction" ? opts.category : undefined },
          },
          OrgObjectSchema,
        );
  return found.filter(
    (o) =>
      o.name === name &&
      (opts.category === undefined || kind !== "dataAction" || o.category === opts.category),
  );
}

/** The org the credentials belong to (GET /api/v2/organizations/me). */
export async function organization(http: GenesysHttp): Promise<Organization> {
  return http.json({ method: "GET", route: "/api/v2/organizations/me" }, OrganizationSchema);
}
