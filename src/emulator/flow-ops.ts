import { randomUUID } from "node:crypto";
import { ApiError } from "./errors.js";
import {
  findVersion,
  nextVersionId,
  type FlowRecord,
  type FlowVersionRecord,
  type OperationRecord,
  type Principal,
} from "./flow-store.js";
import { consumersOf, missingNow } from "./resolve.js";
import type { OrgState } from "./state.js";

/**
 * The Architect lock and version rules (genesys-api.md §2.8, §5.4), shared by the flow endpoints and
 * import jobs. Every function throws the ApiError the real service answers with.
 */

const holds = (flow: FlowRecord, p: Principal): boolean => flow.lock?.clientId === p.clientId;
const lockedByOther = (flow: FlowRecord, p: Principal): boolean => flow.lock !== undefined && !holds(flow, p);

/** The flow `id`: 404 when unknown, 410 when deleted (unless `deleted` allows it). */
export function requireFlow(org: OrgState, id: string, opts: { deleted?: boolean } = {}): FlowRecord {
  const flow = org.flows.get(id);
  if (!flow)
    throw new ApiError(404, "architect.flow.not.found", "Could not find flow with specified ID.", {
      entityId: id,
    });
  if (flow.deleted && !opts.deleted)
    throw new ApiError(410, "architect.flow.deleted", "Flow has been deleted.", { entityId: id });
  return flow;
}

/** 400 for names the real service refuses (POST/PUT /flows and import jobs). */
export function validateFlowName(name: unknown): string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new ApiError(400, "architect.flow.validate.failed.missing.name", "The flow name is missing.");
  }
  if (name.includes("/"))
    throw new ApiError(
      400,
      "architect.flow.validate.failed.invalid.name.contains.slash",
      "Flow names cannot contain '/'.",
    );
  if (/-debug$/i.test(name))
    throw new ApiError(
      400,
      "architect.flow.validate.failed.invalid.name.contains.debug",
      "Flow names cannot end with '-debug'.",
    );
  if (!/[\p{L}\p{N}]/u.test(name))
    throw new ApiError(
      400,
      "architect.flow.validate.failed.invalid.name.no.alpha",
      "Flow names must contain at least one alphanumeric character.",
    );
  return name;
}

/** 409 when another live flow of `type` already has `name`. */
export function assertNameFree(org: OrgState, type: string, name: string, self?: FlowRecord): void {
  const other = org.flows.find(type, name);
  if (other && other !== self) {
    throw new ApiError(
      409,
      "architect.flow.already.exists",
      "A flow of the specified type with the specified name already exists.",
      {
        entityId: other.id,
        entityName: other.name,
      },
    );
  }
}

/** Records a finished operation as the flow's `currentOperation`. */
export function finishedOperation(
  flow: FlowRecord,
  p: Principal,
  actionName: string,
  actionStatus = "SUCCESS",
): OperationRecord {
  const op: OperationRecord = { id: randomUUID(), complete: true, client: p, actionName, actionStatus };
  flow.currentOperation = op;
  return op;
}

/** `actions/checkout`: locks the flow to the caller; 409 when another client holds it. */
export function checkout(flow: FlowRecord, p: Principal): void {
  if (lockedByOther(flow, p))
    throw new ApiError(409, "architect.flow.locked.by.user", "Flow is locked by another user.", {
      entityId: flow.id,
    });
  flow.lock = p;
  finishedOperation(flow, p, "CHECKOUT", "LOCKED");
}

function requireHolder(flow: FlowRecord, p: Principal): void {
  if (!holds(flow, p))
    throw new ApiError(409, "architect.flow.not.locked.by.user", "Flow is not locked by requesting user.", {
      entityId: flow.id,
    });
}

/** POST /flows/{id}/versions: stores `configuration` as the draft (`savedVersion`). */
export function saveVersion(
  flow: FlowRecord,
  p: Principal,
  configuration: unknown,
  now: number,
): FlowVersionRecord {
  requireHolder(flow, p);
  if (configuration === null || typeof configuration !== "object" || Array.isArray(configuration)) {
    throw new ApiError(400, "architect.flow.data.missing", "The flow configuration is missing.");
  }
  const draft = flow.draft ?? {
    id: nextVersionId(flow),
    configuration,
    references: [],
    createdBy: p,
    dateCreated: now,
  };
  draft.configuration = configuration;
  draft.dateSaved = now;
  flow.draft = draft;
  finishedOperation(flow, p, "SAVE");
  return draft;
}

function commitDraft(flow: FlowRecord, now: number): FlowVersionRecord | undefined {
  const draft = flow.draft;
  if (!draft) return undefined;
  draft.dateCheckedIn = now;
  flow.versions.push(draft);
  flow.checkedInVersionId = draft.id;
  flow.draft = undefined;
  return draft;
}

/** `actions/checkin`: commits the draft (if any) and releases the lock. */
export function checkin(flow: FlowRecord, p: Principal, now: number): OperationRecord {
  requireHolder(flow, p);
  if (!flow.draft && flow.versions.length === 0) {
    throw new ApiError(
      409,
      "architect.flow.cannot.checkin.missing.config",
      "The flow cannot be checked in because it has no saved configuration.",
    );
  }
  commitDraft(flow, now);
  flow.lock = undefined;
  return finishedOperation(flow, p, "CHECKIN");
}

/** `actions/revert`: discards the draft and releases the caller's lock. */
export function revert(flow: FlowRecord, p: Principal): void {
  requireHolder(flow, p);
  flow.draft = undefined;
  flow.lock = undefined;
  finishedOperation(flow, p, "REVERT");
}

/** `actions/unlock` (admin): clears any lock and the draft that came with it. */
export function unlock(flow: FlowRecord, p: Principal): void {
  flow.lock = undefined;
  flow.draft = undefined;
  finishedOperation(flow, p, "STATE_CHANGE", "UNLOCKED");
}

/**
 * `actions/publish`: publishes `versionId` (an existing version: this is how rollback works), or the
 * caller's draft, or the checked-in version. State changes at once; the returned Operation is
 * STARTED and turns SUCCESS after the org's job duration, during which another publish gets 409.
 */
export function publish(
  org: OrgState,
  flow: FlowRecord,
  p: Principal,
  versionId: string | undefined,
  now: number,
): OperationRecord {
  if (lockedByOther(flow, p))
    throw new ApiError(409, "architect.flow.locked.by.user", "Flow is locked by another user.", {
      entityId: flow.id,
    });
  if (flow.publishing)
    throw new ApiError(
      409,
      "architect.operation.already.in.progress",
      "An operation is already in progress for this flow.",
    );
  let version: FlowVersionRecord | undefined;
  if (versionId !== undefined) {
    version = findVersion(flow, versionId);
    if (!version || (version === flow.draft && !holds(flow, p))) {
      throw new ApiError(
        404,
        "architect.flow.version.missing",
        `Could not find version '${versionId}' of the flow.`,
      );
    }
  } else {
    version =
      holds(flow, p) && flow.draft ? flow.draft : flow.versions.find((v) => v.id === flow.checkedInVersionId);
  }
  if (!version)
    throw new ApiError(
      409,
      "architect.flow.cannot.checkin.missing.config",
      "The flow cannot be published because it has no saved configuration.",
    );
  const missing = missingNow(org, version.references);
  if (missing.length > 0) {
    throw new ApiError(
      409,
      "architect.flow.cannot.publish.missing.dependencies",
      "The flow cannot be published because it has one or more missing dependencies.",
      {
        details: missing.map((m) => ({
          errorCode: "architect.dependency.missing",
          entityId: m.id ?? "",
          entityName: m.name,
          fieldName: m.kind,
        })),
      },
    );
  }
  if (org.faults.pessimisticPublish(flow.name)) return startPessimisticPublish(org, flow, version, p);
  if (version === flow.draft) commitDraft(flow, now);
  markPublished(flow, version, p, now);
  const { op, started } = startPublishOperation(flow, p);
  org.scheduler.after(org.jobDurationMs, () => {
    op.complete = true;
    op.actionStatus = "SUCCESS";
    flow.publishing = false;
  });
  return started;
}

/**
 * A STARTED publish Operation, made the flow's `currentOperation` (the flow is publishing until the
 * caller completes it). `started` is the snapshot answered to the caller, `op` the live record.
 */
function startPublishOperation(
  flow: FlowRecord,
  p: Principal,
): { op: OperationRecord; started: OperationRecord } {
  const op: OperationRecord = {
    id: randomUUID(),
    complete: false,
    client: p,
    actionName: "PUBLISH",
    actionStatus: "STARTED",
  };
  flow.currentOperation = op;
  flow.publishing = true;
  return { op, started: { ...op } };
}

/**
 * The publish as the real service runs it (genesys-api.md §2.7, §6): 202 with a STARTED Operation, the
 * flow's `currentOperation` shows it until it completes after `publishDelayMs` (default the job
 * duration); only then does the version become the published one, or, with `failPublish`, the
 * operation ends FAILURE with an errorMessage and nothing else changes.
 */
function startPessimisticPublish(
  org: OrgState,
  flow: FlowRecord,
  version: FlowVersionRecord,
  p: Principal,
): OperationRecord {
  const { op, started } = startPublishOperation(flow, p);
  // Decided now, so the count is spent by the publish it was meant for even if more follow.
  const failure = org.faults.takePublishFailure(flow.name);
  org.scheduler.after(org.faults.current.publishDelayMs ?? org.jobDurationMs, () => {
    flow.publishing = false;
    op.complete = true;
    if (failure || flow.deleted) {
      op.actionStatus = "FAILURE";
      op.errorCode = failure?.errorCode ?? "architect.flow.deleted";
      op.errorMessage = failure?.errorMessage ?? "Flow has been deleted.";
      return;
    }
    const now = Date.now();
    if (version === flow.draft) commitDraft(flow, now);
    markPublished(flow, version, p, now);
    op.actionStatus = "SUCCESS";
  });
  return started;
}

/** Makes `version` the published one and releases the lock (publishing checks the flow in). */
export function markPublished(flow: FlowRecord, version: FlowVersionRecord, p: Principal, now: number): void {
  version.datePublished = new Date(now).toISOString();
  flow.publishedVersionId = version.id;
  (flow.publications ??= []).push({ version: version.id, at: now });
  flow.publishedBy = p;
  flow.lock = undefined;
}

/** DELETE /flows/{id}: 405 when another client holds the lock, 409 when a flow consumes it. */
export function deleteFlow(org: OrgState, flow: FlowRecord, p: Principal): void {
  if (lockedByOther(flow, p)) {
    throw new ApiError(
      405,
      "architect.flow.cannot.delete.user.does.not.have.lock",
      "The flow cannot be deleted because it is locked by another user.",
      { entityId: flow.id },
    );
  }
  const consumers = consumersOf(org, flow.id);
  if (consumers.length > 0) {
    throw new ApiError(
      409,
      "architect.flow.cannot.delete.used.in.flows",
      `The flow cannot be deleted because it is used in ${consumers.length} flow(s): ${consumers.map((c) => c.name).join(", ")}.`,
      {
        details: consumers.map((c) => ({
          errorCode: "architect.flow.cannot.delete.used.in.flows",
          entityId: c.id,
          entityName: c.name,
        })),
      },
    );
  }
  org.flows.markDeleted(flow);
  finishedOperation(flow, p, "DELETE");
}
