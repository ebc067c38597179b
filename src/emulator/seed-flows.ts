import type { FlowRecord, Principal } from "./flow-store.js";
import { importFlow } from "./import-flow.js";
import { SeedError } from "./seed.js";
import type { OrgState } from "./state.js";

/** The principal seed flows are published as: the org's first client, or a stand-in. */
function seedPrincipal(org: OrgState): Principal {
  const first = org.clients.values().next().value;
  return first
    ? { clientId: first.id, clientName: first.name }
    : { clientId: "emulator-seed", clientName: "Emulator seed" };
}

/**
 * Publishes one flow at once, as an import job would (same parsing, resolution and versioning),
 * for seeds and the admin API. A failure is a SeedError naming `where` and the job messages.
 */
export function publishSeedFlow(org: OrgState, yaml: string, baseUrl: string, where: string): FlowRecord {
  const outcome = importFlow(org, yaml, seedPrincipal(org), { baseUrl, now: Date.now() });
  if (outcome.ok) return outcome.flow;
  throw new SeedError(
    `${where}: ${outcome.messages
      .map((m) => m.text)
      .join("; ")
      .replace(/\s+/g, " ")}`,
  );
}
