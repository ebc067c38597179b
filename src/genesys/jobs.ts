import { unzipSync, strFromU8 } from "fflate";
import { parseArchyFlow } from "../flowset/archy.js";
import {
  GenesysApiError,
  ImportJobFailedError,
  JobFailedError,
  JobTimeoutError,
  UnexpectedResponseError,
} from "./errors.js";
import { parseBody, type GenesysHttp } from "./http.js";
import { presignedTransfer, type PresignedDeps } from "./presigned.js";
import {
  JobStateSchema,
  RegisterImportJobSchema,
  RegisterJobSchema,
  type ExportedFlow,
  type ImportResult,
  type JobResult,
  type JobState,
} from "./schemas.js";
import { pollWaits, type JobTiming } from "./job-timing.js";
import { sleep } from "./sleep.js";

/**
 * Architect jobs (genesys-api.md §3): import (= create/update + publish, what Archy and Terraform do),
 * export and validate. The first poll waits for most of the client's typical job duration (once known),
 * later ones back off to a maximum, so a job costs about two status calls and a slow one does not burn
 * the rate limit.
 */
export interface PollIntervals {
  /** First wait before polling a job (default 50 ms). */
  initial: number;
  /** Longest wait between polls (default 2 s). */
  max: number;
  /** Give up after this long (default 16 min, like Terraform). */
  timeout: number;
}

/** Defaults for {@link PollIntervals}. */
export const DEFAULT_POLL: PollIntervals = { initial: 50, max: 2_000, timeout: 16 * 60_000 };

/** What the job helpers need from the client. */
export interface JobDeps {
  http: GenesysHttp;
  presigned: PresignedDeps;
  poll: PollIntervals;
  /** Recent job durations of this client, for the first poll's wait. */
  timing: JobTiming;
}

const TERMINAL = new Set(["Success", "Failure"]);

/** Polls `route` (which has a `{jobId}` parameter) with growing intervals until Success or Failure. */
export async function pollJob(
  deps: JobDeps,
  what: string,
  route: string,
  jobId: string,
  signal?: AbortSignal,
): Promise<JobState> {
  const started = Date.now();
  const deadline = started + deps.poll.timeout;
  const nextWait = pollWaits(deps.poll.initial, deps.poll.max, deps.timing.typical(what));
  for (;;) {
    const interval = nextWait();
    await sleep(interval, signal);
    const state = await deps.http.json(
      { method: "GET", route, params: { jobId }, query: { expand: "messages" }, signal },
      JobStateSchema,
    );
    // Registered/Started, and any status this client does not know yet, mean "keep polling" (TF does the same).
    if (TERMINAL.has(state.status)) {
      deps.timing.record(what, Date.now() - started);
      return state;
    }
    if (Date.now() + interval > deadline)
      throw new JobTimeoutError(what, jobId, state.status, deps.poll.timeout);
  }
}

/** Options of {@link importFlow}. */
export interface ImportOptions {
  signal?: AbortSignal;
  createStubs?: boolean;
  /**
   * Awaited once the job is registered and before the YAML is uploaded (the upload starts the job), so a
   * caller can record the job id durably first. When it throws, nothing is uploaded, the job stays
   * Registered and never runs, and the error propagates.
   */
  onRegistered?: (jobId: string) => Promise<void> | void;
}

/** Register → upload the YAML to the presigned URL → poll (genesys-api.md §3.1–§3.2, TF `genesyscloud_flow`). */
export async function importFlow(
  deps: JobDeps,
  yaml: string,
  opts: ImportOptions = {},
): Promise<ImportResult> {
  const { signal, createStubs = false } = opts;
  const flowName = identify(yaml)?.name;
  // RegisterArchitectJobRequest.createStubs: the job creates stub flows for flow references it cannot resolve.
  const job = await deps.http.json(
    { method: "POST", route: "/api/v2/flows/jobs", json: createStubs ? { createStubs: true } : {}, signal },
    RegisterImportJobSchema,
  );
  await opts.onRegistered?.(job.id);
  await presignedTransfer(deps.presigned, {
    method: "PUT",
    url: job.presignedUrl,
    headers: job.headers ?? {},
    body: yaml,
    signal,
  });
  const state = await pollJob(deps, "import", IMPORT_JOB_ROUTE, job.id, signal);
  const messages = state.messages ?? [];
  if (state.status !== "Success") throw new ImportJobFailedError(job.id, flowName, messages);
  const flowId = state.flow?.id;
  if (!flowId)
    throw new UnexpectedResponseError("GET", "/api/v2/flows/jobs/{jobId}", "Success without flow.id");
  return { jobId: job.id, status: "Success", command: state.command, flowId, messages };
}

const IMPORT_JOB_ROUTE = "/api/v2/flows/jobs/{jobId}";

/** One status call of an import job (with messages); undefined when the job is unknown (404). */
export async function getImportJob(
  deps: JobDeps,
  jobId: string,
  signal?: AbortSignal,
): Promise<JobState | undefined> {
  const req = {
    method: "GET",
    route: IMPORT_JOB_ROUTE,
    params: { jobId },
    query: { expand: "messages" },
    accept: [404],
    signal,
  } as const;
  const res = await deps.http.send(req);
  if (res.status === 404) return undefined;
  return parseBody(req, res.body, JobStateSchema);
}

/**
 * Polls an import job someone registered earlier (e.g. a crashed run) until Success or Failure;
 * undefined when the job is unknown (404). `timeoutMs` overrides the client's poll timeout.
 */
export async function waitForImportJob(
  deps: JobDeps,
  jobId: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<JobState | undefined> {
  const polling =
    opts.timeoutMs === undefined ? deps : { ...deps, poll: { ...deps.poll, timeout: opts.timeoutMs } };
  try {
    return await pollJob(polling, "import", IMPORT_JOB_ROUTE, jobId, opts.signal);
  } catch (err) {
    if (err instanceof GenesysApiError && err.status === 404) return undefined;
    throw err;
  }
}

/** Exports flows as Archy YAML: one flow downloads as YAML, several as a zip (genesys-api.md §3.3–§3.4). */
export async function exportFlows(
  deps: JobDeps,
  refs: ReadonlyArray<{ id: string; version?: string }>,
  signal?: AbortSignal,
): Promise<ExportedFlow[]> {
  if (refs.length === 0) return [];
  const flows = refs.map((r) => ({
    flow: { id: r.id, ...(r.version ? { version: r.version } : {}) },
    // Id-based names let zip entries be matched back to the requested flows.
    fileName: exportFileName(r.id),
    exportType: "Yaml",
  }));
  const job = await deps.http.json(
    { method: "POST", route: "/api/v2/flows/export/jobs", json: { flows }, signal },
    RegisterJobSchema,
  );
  const state = await pollJob(deps, "export", "/api/v2/flows/export/jobs/{jobId}", job.id, signal);
  const messages = state.messages ?? [];
  if (state.status !== "Success") {
    throw new JobFailedError("ExportJobFailed", "Stalled", `export job ${job.id} failed`, job.id, messages);
  }
  if (!state.downloadUrl) {
    throw new UnexpectedResponseError(
      "GET",
      "/api/v2/flows/export/jobs/{jobId}",
      "Success without downloadUrl",
    );
  }
  const data = await presignedTransfer(deps.presigned, { method: "GET", url: state.downloadUrl, signal });
  const ids = refs.map((r) => r.id);
  if (!isZip(data))
    return [exported(data.toString("utf8"), `${exportFileName(refs[0]?.id ?? "flow")}.yaml`, ids)];
  return Object.entries(unzipSync(new Uint8Array(data)))
    .filter(([name]) => !name.endsWith("/"))
    .map(([name, bytes]) => exported(strFromU8(bytes), name, ids));
}

/** Runs a validate job (preview API, genesys-api.md §3.5) and returns its outcome, Failure included. */
export async function validateFlows(
  deps: JobDeps,
  refs: ReadonlyArray<{ id: string }>,
  signal?: AbortSignal,
): Promise<JobResult> {
  const job = await deps.http.json(
    {
      method: "POST",
      route: "/api/v2/flows/validate/jobs",
      json: { flows: refs.map((r) => ({ flow: { id: r.id } })) },
      signal,
    },
    RegisterJobSchema,
  );
  const state = await pollJob(deps, "validate", "/api/v2/flows/validate/jobs/{jobId}", job.id, signal);
  return { jobId: job.id, status: state.status, command: state.command, messages: state.messages ?? [] };
}

/** `flow_<id>`: export file names allow only alphanumerics, `_` and `-` (genesys-api.md §3.3). */
function exportFileName(id: string): string {
  return `flow_${id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

function exported(yaml: string, fileName: string, ids: readonly string[]): ExportedFlow {
  const identity = identify(yaml);
  const base = fileName.split("/").pop() ?? fileName;
  const id = ids.find((candidate) => base.includes(candidate)) ?? (ids.length === 1 ? ids[0] : undefined);
  return {
    ...(id ? { id } : {}),
    name: identity?.name ?? base.replace(/\.ya?ml$/i, ""),
    type: identity?.type ?? "UNKNOWN",
    yaml,
    fileName: base,
  };
}

/** Name and API type of an Archy document, or undefined when it does not parse as a flow. */
function identify(yaml: string): { name: string; type: string } | undefined {
  try {
    const flow = parseArchyFlow(yaml);
    return { name: flow.name, type: flow.apiType };
  } catch {
    return undefined;
  }
}

function isZip(data: Buffer): boolean {
  return data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04;
}
