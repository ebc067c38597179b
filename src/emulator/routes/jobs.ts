import { randomUUID } from "node:crypto";
import { ok, param, type ApiContext, type ApiHandler } from "../context.js";
import { ApiError } from "../errors.js";
import { flowNameOf, importFlow } from "../import-flow.js";
import { readList } from "../paging.js";
import type { Router } from "../router.js";
import type { ImportJob, OrgState } from "../state.js";

/** Whether `expand=messages` was asked for (messages are only returned then). */
export function wantsMessages(ctx: ApiContext): boolean {
  return readList(ctx.query, "expand").includes("messages");
}

/** Runs the import now and records its outcome on the job. */
function runJob(org: OrgState, job: ImportJob, yaml: string, baseUrl: string): void {
  job.held = undefined;
  try {
    const outcome = importFlow(org, yaml, job.principal, {
      baseUrl,
      now: Date.now(),
      createStubs: job.createStubs === true,
    });
    if (outcome.ok) {
      job.status = "Success";
      job.command = outcome.command;
      job.flowId = outcome.flow.id;
    } else {
      job.status = "Failure";
      job.messages = outcome.messages;
    }
  } catch (err) {
    job.status = "Failure";
    job.messages = [
      { dateTime: new Date().toISOString(), type: "Error", text: `internal error: ${String(err)}` },
    ];
  }
}

/**
 * Starts an uploaded job: it runs after the org's job duration whether or not anybody polls, or, when a
 * hold fault applies, stays Started until an admin release runs it.
 */
function startJob(org: OrgState, job: ImportJob, yaml: string, baseUrl: string): void {
  if (job.status !== "Registered") return; // a repeated upload (client retry) does not start it twice
  job.status = "Started";
  const flowName = flowNameOf(yaml);
  if (flowName !== undefined) job.flowName = flowName;
  if (org.faults.takeHold(flowName)) {
    job.held = { since: new Date().toISOString(), run: () => runJob(org, job, yaml, baseUrl) };
    return;
  }
  org.scheduler.after(org.nextImportJobDurationMs(), () => runJob(org, job, yaml, baseUrl));
}

/** POST /api/v2/flows/jobs: registers a job; the upload to `presignedUrl` starts it. */
const registerJob: ApiHandler = (ctx) => {
  const job: ImportJob = { id: randomUUID(), status: "Registered", principal: ctx.principal, messages: [] };
  const body: unknown = ctx.json();
  if (body && typeof body === "object" && "createStubs" in body && body.createStubs === true)
    job.createStubs = true;
  ctx.org.importJobs.set(job.id, job);
  const org = ctx.org;
  const baseUrl = ctx.baseUrl;
  const upload = ctx.s3.createUpload((body) => startJob(org, job, body.toString("utf8"), baseUrl));
  return ok(
    {
      id: job.id,
      presignedUrl: `${ctx.baseUrl}${upload.path}`,
      headers: upload.headers,
      selfUri: `/api/v2/flows/jobs/${job.id}`,
    },
    202,
  );
};

/** GET /api/v2/flows/jobs/{jobId}[?expand=messages]. */
const getJob: ApiHandler = (ctx) => {
  const id = param(ctx, "jobId");
  const job = ctx.org.importJobs.get(id);
  if (!job)
    throw new ApiError(404, "not.found", `Could not find an Architect job with id '${id}'.`, {
      entityId: id,
    });
  const out: Record<string, unknown> = { id: job.id };
  if (job.flowId) out.flow = { id: job.flowId, selfUri: `/api/v2/flows/${job.flowId}` };
  out.status = job.status;
  if (job.command) out.command = job.command;
  if (wantsMessages(ctx)) out.messages = job.messages;
  out.selfUri = `/api/v2/flows/jobs/${job.id}`;
  return ok(out);
};

/** Registers the import-job endpoints. */
export function jobRoutes(router: Router<ApiHandler>): void {
  router.on("POST", "/api/v2/flows/jobs", registerJob).on("GET", "/api/v2/flows/jobs/{jobId}", getJob);
}
