import { PublishFailedError, JobTimeoutError } from "./errors.js";
import * as flows from "./flows.js";
import type { JobDeps } from "./jobs.js";
import { pollWaits } from "./job-timing.js";
import type { Operation } from "./schemas.js";
import { sleep } from "./sleep.js";

/**
 * Publish as the API defines it (genesys-api.md §2.7, §6): `actions/publish` answers 202 with an
 * Operation that may still be running, and a failure after the 202 only shows in the flow's
 * `currentOperation` (actionStatus FAILURE, errorCode, errorMessage). So the 202 is not the outcome:
 * this polls GET /api/v2/flows/{id} with the job-poll backoff until the operation it started completes.
 */
export async function publishAndWait(
  deps: JobDeps,
  flowId: string,
  version: string | undefined,
  signal?: AbortSignal,
): Promise<Operation> {
  const started = Date.now();
  const accepted = await flows.publishFlow(deps.http, flowId, version, signal);
  const opId = accepted.id;
  if (accepted.complete === true || opId === undefined) return outcome(flowId, accepted);
  const deadline = started + deps.poll.timeout;
  const nextWait = pollWaits(deps.poll.initial, deps.poll.max, deps.timing.typical("publish"));
  for (;;) {
    const interval = nextWait();
    await sleep(interval, signal);
    const flow = await flows.getFlow(deps.http, flowId, { signal });
    if (!flow) throw new PublishFailedError(flowId, opId, "the flow is gone (404/410) while publishing");
    const current = flow.currentOperation;
    if (current?.id === opId) {
      if (current.complete === true) {
        deps.timing.record("publish", Date.now() - started);
        return outcome(flowId, current);
      }
    } else {
      // Another operation (an import job, someone else's publish) replaced ours before we saw it end:
      // the only evidence left is which version is published now.
      if (version === undefined || flow.publishedVersion?.id === version) return accepted;
      throw new PublishFailedError(
        flowId,
        opId,
        `the operation was replaced by ${current?.actionName ?? "another operation"} and version ${version} is not published`,
      );
    }
    if (Date.now() + interval > deadline)
      throw new JobTimeoutError("publish", opId, current.actionStatus ?? "unknown", deps.poll.timeout);
  }
}

function outcome(flowId: string, op: Operation): Operation {
  if (op.actionStatus === "FAILURE") {
    throw new PublishFailedError(
      flowId,
      op.id,
      `${op.errorCode ?? "FAILURE"}: ${op.errorMessage ?? "no error message"}`,
      op.errorCode ?? undefined,
    );
  }
  return op;
}
