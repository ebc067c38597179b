import type { FlowReference } from "../flowset/types.js";

/**
 * The slice of the Genesys client the engine uses. `GenesysClient` (src/genesys) satisfies it; naming the
 * slice keeps the engine's needs explicit and lets the benchmarks wrap the client to count calls.
 */
export interface GenesysPort {
  listFlows(filter?: { types?: string[]; name?: string }): Promise<PortFlow[]>;
  getFlow(id: string): Promise<PortFlow | undefined>;
  importFlow(
    yaml: string,
    opts?: { signal?: AbortSignal; createStubs?: boolean },
  ): Promise<{ flowId: string; jobId: string }>;
  publishFlow(id: string, version?: string): Promise<unknown>;
  unlockFlow(id: string): Promise<unknown>;
  deleteFlow(id: string): Promise<void>;
  findObjects(kind: FlowReference["kind"], name: string, opts?: { category?: string }): Promise<unknown[]>;
}

/** The fields of a flow the engine reads. */
export interface PortFlow {
  id: string;
  name: string;
  type: string;
  publishedVersion?: { id: string } | null | undefined;
  lockedClient?: { id?: string; name?: string } | null | undefined;
  lockedUser?: { id?: string; name?: string } | null | undefined;
}
