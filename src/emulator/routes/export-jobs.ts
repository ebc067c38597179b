import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { ok, param, type ApiContext, type ApiHandler } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import {
  bundle,
  exportFile,
  ExportBodySchema,
  resolveFlowRef,
  ValidateBodySchema,
  type ExportFile,
  type FlowRef,
} from "../export.js";
import { kindInfo } from "../kinds.js";
import { missingNow } from "../resolve.js";
import type { Router } from "../router.js";
import type { FlowsJob, JobMessage, OrgState } from "../state.js";
import { wantsMessages } from "./jobs.js";

function parseBody<T>(ctx: ApiContext, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(ctx.json());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest(`Invalid request body: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function checkRefs(refs: FlowRef[]): void {
  for (const ref of refs) {
    if (!ref.id && !(ref.name && ref.type))
      throw badRequest("If you do not provide the flow ID, you must provide both the name and type.");
  }
}

const error = (text: string): JobMessage => ({ dateTime: new Date().toISOString(), type: "Error", text });

/** Registers a job that runs `work` after the org's job duration (status Started until then). */
function register(
  ctx: ApiContext,
  kind: FlowsJob["kind"],
  totalFlows: number,
  work: (job: FlowsJob) => void,
): FlowsJob {
  const job: FlowsJob = { id: randomUUID(), kind, status: "Started", totalFlows, messages: [] };
  ctx.org.flowsJobs.set(job.id, job);
  ctx.org.scheduler.after(
    ctx.org.jobDurationMs,
    () => work(job),
    (err) => {
      job.status = "Failure";
      job.messages.push(error(`internal error: ${String(err)}`));
    },
  );
  return job;
}

const selfUri = (job: FlowsJob): string => `/api/v2/flows/${job.kind}/jobs/${job.id}`;

/** POST /api/v2/flows/export/jobs: the download is the version's YAML, or a zip when several flows are exported. */
const registerExport: ApiHandler = (ctx) => {
  const body = parseBody(ctx, ExportBodySchema);
  checkRefs(body.flows.map((f) => f.flow));
  const { org, s3, baseUrl } = ctx;
  const job = register(ctx, "export", body.flows.length, (j) => {
    const files: ExportFile[] = [];
    for (const entry of body.flows) {
      const hit = resolveFlowRef(org, entry.flow);
      if (hit.ok) files.push(exportFile(hit.flow, hit.version, entry.exportType ?? "Yaml", entry.fileName));
      else j.messages.push(error(hit.text));
    }
    if (j.messages.length > 0) {
      j.status = "Failure";
      return;
    }
    const out = bundle(files, j.id);
    j.downloadUrl = `${baseUrl}${s3.createDownload(out.bytes, out.contentType, out.fileName)}`;
    j.status = "Success";
  });
  return ok({ id: job.id, status: job.status, totalFlows: job.totalFlows, selfUri: selfUri(job) }, 202);
};

function validateOne(org: OrgState, ref: FlowRef): JobMessage[] {
  const hit = resolveFlowRef(org, ref);
  if (!hit.ok) return [error(hit.text)];
  return missingNow(org, hit.version.references).map((m) =>
    error(
      `Flow '${hit.flow.name}' (type: '${hit.flow.type.toLowerCase()}' ): unable to resolve the ${m.kind === "flow" ? "flow" : (kindInfo(m.kind)?.label ?? m.kind)} '${m.category ? `${m.category}/` : ""}${m.name}'.`,
    ),
  );
}

/** POST /api/v2/flows/validate/jobs (preview): checks that each flow's references still resolve. */
const registerValidate: ApiHandler = (ctx) => {
  const body = parseBody(ctx, ValidateBodySchema);
  checkRefs(body.flows.map((f) => f.flow));
  const { org } = ctx;
  const job = register(ctx, "validate", body.flows.length, (j) => {
    j.messages = body.flows.flatMap((entry) => validateOne(org, entry.flow));
    j.status = j.messages.length > 0 ? "Failure" : "Success";
  });
  return ok({ id: job.id, status: job.status, totalFlows: job.totalFlows, selfUri: selfUri(job) }, 202);
};

function getFlowsJob(kind: FlowsJob["kind"]): ApiHandler {
  return (ctx) => {
    const id = param(ctx, "jobId");
    const job = ctx.org.flowsJobs.get(id);
    if (!job || job.kind !== kind)
      throw new ApiError(404, "not.found", `Could not find an Architect ${kind} job with id '${id}'.`, {
        entityId: id,
      });
    const out: Record<string, unknown> = {
      id: job.id,
      status: job.status,
      command: kind === "export" ? "Export" : "Validate",
    };
    if (job.downloadUrl) out.downloadUrl = job.downloadUrl;
    if (wantsMessages(ctx)) out.messages = job.messages;
    out.selfUri = selfUri(job);
    return ok(out);
  };
}

/** Registers the export and validate job endpoints. */
export function exportJobRoutes(router: Router<ApiHandler>): void {
  router
    .on("POST", "/api/v2/flows/export/jobs", registerExport)
    .on("GET", "/api/v2/flows/export/jobs/{jobId}", getFlowsJob("export"))
    .on("POST", "/api/v2/flows/validate/jobs", registerValidate)
    .on("GET", "/api/v2/flows/validate/jobs/{jobId}", getFlowsJob("validate"));
}
