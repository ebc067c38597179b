import type { FlowReference } from "../flowset/types.js";

/**
 * The slice of the Genesys client the engine uses. `GenesysClient` (src/genesys) satisfies it; naming the
 * slice keeps the engine's needs explicit and lets the benchmarks wrap the client to count calls.
 */
export interface GenesysPort {
  listFlows(filter?: { types?: string[]; name?: string }): Promise<PortFlow[]>;
  getFlow(id: string): Promise<PortFlow | undefined>;
  /**
   * Imports (create or update + publish). `onRegistered` is awaited between registering the job and
   * uploading the YAML: the engine journals the job id there, so a job that runs always has a record.
   */
  importFlow(
    yaml: string,
    opts?: {
      signal?: AbortSignal;
      createStubs?: boolean;
      onRegistered?: (jobId: string) => Promise<void> | void;
    },
  ): Promise<{ flowId: string; jobId: string }>;
  /** One look at an import job; undefined when the service no longer knows it. */
  getImportJob(jobId: string, opts?: { signal?: AbortSignal }): Promise<PortJob | undefined>;
  /** Polls an import job until it ends; undefined when the service no longer knows it. */
  waitForImportJob(
    jobId: string,
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<PortJob | undefined>;
  exportFlows(
    refs: Array<{ id: string; version?: string }>,
    opts?: { signal?: AbortSignal },
  ): Promise<Array<{ id?: string; yaml: string }>>;
  /** Publishes a saved version; resolves once the asynchronous publish has completed. */
  publishFlow(id: string, version?: string): Promise<unknown>;
  unlockFlow(id: string): Promise<unknown>;
  deleteFlow(id: string): Promise<void>;
  findObjects(kind: FlowReference["kind"], name: string, opts?: { category?: string }): Promise<unknown[]>;
  /**
   * The one object of `kind` named exactly `name`; undefined when none. Several matches reject with an
   * error whose `code` is `AmbiguousObject` and whose `matches` are the candidates (id, name).
   */
  findObject(kind: FlowReference["kind"], name: string, opts?: { category?: string }): Promise<unknown>;
  /** The object of `kind` with `id`; undefined when the org has none. */
  getObjectById(kind: Exclude<FlowReference["kind"], "flow">, id: string): Promise<unknown>;
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

/** The fields of an Architect job the engine reads. */
export interface PortJob {
  status: string;
  flow?: { id?: string } | null | undefined;
}
