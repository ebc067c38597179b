import { flowKey, type ObservedFlow } from "./model.js";
import type { GenesysPort, PortFlow } from "./port.js";

/** Converts a listed flow into the engine's observed shape. */
export function toObserved(flow: PortFlow): ObservedFlow {
  const lock = flow.lockedClient?.id
    ? `client:${flow.lockedClient.id}`
    : flow.lockedUser?.id
      ? `user:${flow.lockedUser.id}`
      : undefined;
  return {
    key: flowKey(flow.type, flow.name),
    id: flow.id,
    type: flow.type.toUpperCase(),
    name: flow.name,
    publishedVersion: flow.publishedVersion?.id,
    lockedBy: lock,
  };
}

/**
 * Observes the org cheaply: one paged listing filtered to the flow types we care about
 * (the desired set's types plus those we applied before), nothing per flow.
 */
export async function observeFlows(client: GenesysPort, types: Iterable<string>): Promise<ObservedFlow[]> {
  const wanted = [...new Set([...types].map((t) => t.toLowerCase()))].sort();
  if (wanted.length === 0) return [];
  const flows = await client.listFlows({ types: wanted });
  return flows.map(toObserved);
}
