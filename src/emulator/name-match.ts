import type { ObjectKind } from "./kinds.js";

/**
 * How the real list endpoint of each kind applies its `name` query parameter, as the official SDK
 * documents it (purecloud-platform-client-v2 `src/.../api/*.js` parameter docs):
 * - queues: "Include only queues with the given name (leading and trailing asterisks allowed)";
 * - data actions: "Filter by partial or complete action name";
 * - skills: "Filter for results that start with this value";
 * - data tables: "The wildcard character * is supported within the filter. Matches are case-insensitive.";
 * - users and groups: no `name` parameter at all (the server ignores it; search endpoints exist);
 * - divisions: "Search term to filter by division name" (taken as part of the name, any case).
 * Other kinds are treated as an exact, case-insensitive match (their exact semantics are unconfirmed).
 * The loose forms matter: a client must re-filter exactly and cope with several hits.
 */
export type NameMatch = "exact" | "edgeWildcards" | "contains" | "prefix" | "wildcards" | "ignored";

const MATCH_OF: Partial<Record<ObjectKind, NameMatch>> = {
  queue: "edgeWildcards",
  dataAction: "contains",
  skill: "prefix",
  dataTable: "wildcards",
  user: "ignored",
  group: "ignored",
  // "Search term to filter by division name": a search term matches part of the name.
  division: "contains",
};

/** The name-filter semantics of `kind`'s list endpoint. */
export function nameMatchOf(kind: ObjectKind): NameMatch {
  return MATCH_OF[kind] ?? "exact";
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A predicate for names the server would return for filter `filter` under `mode` (case-insensitive). */
export function nameMatcher(mode: NameMatch, filter: string): (name: string) => boolean {
  const f = filter.toLowerCase();
  switch (mode) {
    case "ignored":
      return () => true;
    case "contains":
      return (n) => n.toLowerCase().includes(f);
    case "prefix":
      return (n) => n.toLowerCase().startsWith(f);
    case "edgeWildcards": {
      // Only a leading or trailing `*` is a wildcard; one inside the name is a literal character.
      const lead = f.startsWith("*");
      const trail = f.length > 1 && f.endsWith("*");
      const core = f.slice(lead ? 1 : 0, trail ? -1 : undefined);
      const re = new RegExp(`^${lead ? ".*" : ""}${escape(core)}${trail ? ".*" : ""}$`, "s");
      return (n) => re.test(n.toLowerCase());
    }
    case "wildcards": {
      const re = new RegExp(`^${f.split("*").map(escape).join(".*")}$`, "s");
      return (n) => re.test(n.toLowerCase());
    }
    default:
      return (n) => n.toLowerCase() === f;
  }
}
