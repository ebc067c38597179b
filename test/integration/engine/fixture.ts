import { GenesysClient, RateLimiterRegistry } from "../../../src/genesys/index.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";
import { desiredFromFlowSet } from "../../../src/engine/desired.js";
import { MemoryJournalStore, type JournalStore } from "../../../src/engine/journal.js";
import type { DesiredFlow, InventoryEntry } from "../../../src/engine/model.js";
import type { PromotionRequest } from "../../../src/engine/promote.js";
import type { ApplyEvent } from "../../../src/engine/apply.js";
import { silentLogger } from "../../../src/logger.js";
import { commonModuleYaml, inboundCallYaml } from "../../helpers/seeds.js";
import type { TestEmulator } from "../../helpers/emulator.js";

/**
 * A small flow set with a real dependency shape: a common module and a billing line (level 0),
 * a main menu that uses both (level 1), and an independent after-hours flow.
 */
export function sampleFiles(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const files: Record<string, string | undefined> = {
    "flows/shared-greeting.yaml": commonModuleYaml("Shared Greeting"),
    "flows/billing-line.yaml": inboundCallYaml("Billing Line", { queue: "{{sales_queue}}" }),
    "flows/main-menu.yaml": inboundCallYaml("Main Menu", {
      queue: "{{support_queue}}",
      dataAction: { category: "Web Services", name: "Lookup Account" },
      commonModule: "Shared Greeting",
      transferToFlow: "Billing Line",
    }),
    "flows/after-hours.yaml": inboundCallYaml("After Hours", { scheduleGroup: "Business Hours" }),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Values of the sample set's environment. */
export const SAMPLE_VALUES = { support_queue: "Support", sales_queue: "Sales" };

/** Renders files into the engine's desired flows; fails the test on any finding error. */
export function desiredOf(files: Record<string, string>, values = SAMPLE_VALUES): DesiredFlow[] {
  const set = buildFlowSet({ files: Object.entries(files).map(([path, text]) => ({ path, text })), values });
  const errors = set.findings.filter((f) => f.severity === "error");
  if (errors.length > 0) throw new Error(`fixture flow set is invalid: ${JSON.stringify(errors)}`);
  return desiredFromFlowSet(set);
}

/** A client for one org of the emulator. */
export function clientFor(
  emulator: TestEmulator,
  client: { id: string; secret: string },
  limiters?: RateLimiterRegistry,
) {
  return new GenesysClient(
    { baseUrl: emulator.url, clientId: client.id, clientSecret: client.secret },
    {
      logger: silentLogger(),
      limiters: limiters ?? new RateLimiterRegistry(),
      pollIntervalMs: { initial: 10, max: 100 },
      retry: { baseDelayMs: 10, maxDelayMs: 200, retries: 5 },
    },
  );
}

/** A promotion request with test defaults; `events` collects apply progress. */
export function request(
  desired: DesiredFlow[],
  inventory: InventoryEntry[],
  overrides: Partial<PromotionRequest> = {},
): PromotionRequest & { events: ApplyEvent[]; journal: JournalStore } {
  const events: ApplyEvent[] = [];
  return {
    revision: "rev-1",
    target: "test-org",
    desired,
    inventory,
    prune: false,
    lockPolicy: "Fail",
    selfClientId: "prod-client",
    concurrency: 4,
    journal: new MemoryJournalStore(),
    logger: silentLogger(),
    onEvent: (e) => events.push(e),
    events,
    ...overrides,
  };
}

/** Published version of every live flow of an org, by name, as the emulator's admin state shows it. */
export async function publishedVersions(
  emulator: TestEmulator,
  org: string,
): Promise<Record<string, string | null>> {
  const state = await emulator.admin.org(org);
  return Object.fromEntries(state.flows.filter((f) => !f.deleted).map((f) => [f.name, f.publishedVersion]));
}
