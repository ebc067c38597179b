import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { Reason } from "../api/conditions.js";
import {
  Annotation,
  IvrPromotionSchema,
  IvrPromotionStatusSchema,
  ObjectMetaSchema,
  type IvrPromotion,
} from "../api/ivr-promotion.js";
import { isPromoterError } from "../errors.js";
import { EndpointAllowList } from "../genesys/endpoint-policy.js";
import type { RateLimiterRegistry } from "../genesys/index.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { oneLine } from "../redact.js";
import { GitSource } from "../source/index.js";
import type { ReconcilerContext } from "./context.js";
import { finalizeObject } from "./deletion.js";
import { subject } from "./object-journal.js";
import { EventRecorder } from "./events.js";
import type { WriteRight } from "./journal-store.js";
import { FencedOutError } from "../engine/errors.js";
import { getPromotionRaw, kubeApis, patchFinalizers } from "./kube-clients.js";
import { runPipeline, type Finish } from "./pipeline.js";
import { forgetObject, recordReconcile, type ReconcileResultLabel } from "./reconcile-metrics.js";
import { StatusDraft, patchStatus } from "./status.js";
import { FINALIZER } from "./steps/finalize.js";
import { GenesysClients } from "./steps/genesys.js";
import { TargetLocks } from "./target-lock.js";
import type { TenancyPolicy } from "./tenancy.js";
import { TenantApis } from "./impersonation.js";
import type { ObjectRef, ReconcileResult, Reconciler } from "./types.js";

/** What the reconciler is built with (CONTRACTS §6); all injected, nothing global. */
export interface ReconcilerDeps {
  kubeConfig: KubeConfig;
  logger: Logger;
  metrics: Metrics;
  /** Root of the Git cache (mirrors and read-only snapshots), shared by every object. */
  gitCacheDir: string;
  /** The process-wide Genesys rate limiters. */
  limiters: RateLimiterRegistry;
  /** What tenants may reach: endpoints, Git URLs, limits, cross-namespace refs (`LOCKDOWN` = nothing). */
  tenancy: TenancyPolicy;
  now?: () => Date;
  /**
   * This process's right to write. The operator's leader election provides it (term and lease
   * validity on the local clock); without one (a single replica) the process always holds it.
   */
  writeRight?: WriteRight;
  /**
   * This replica's identity (the pod name), written as the Events' `reportingInstance`; defaults to
   * `host_pid`, the same default as the write right's.
   */
  identity?: string;
}

/** Just metadata and status, to report on an object whose spec does not parse. */
const LooseObjectSchema = z.object({
  metadata: ObjectMetaSchema,
  status: IvrPromotionStatusSchema.optional().catch(undefined),
});

/** Reasons that are waiting on a person or another object, not failures: their events are Normal. */
const NORMAL_WAITS = new Set<string>([
  Reason.AwaitingApproval,
  Reason.DependencyNotReady,
  Reason.OutsideChangeWindow,
  Reason.Verifying,
]);

/**
 * The IvrPromotion reconciler: reads the object, handles finalizer and deletion, runs the pipeline
 * (see pipeline.ts), then writes status once, records an event when something happened, and tells the
 * runtime when to come back. Errors of the promotion become conditions; only failures to talk to the
 * Kubernetes API itself (and bugs) are thrown, for the runtime's per-item backoff.
 */
export function createIvrPromotionReconciler(deps: ReconcilerDeps): Reconciler {
  const apis = kubeApis(deps.kubeConfig);
  const logger = deps.logger.child({ component: "reconciler" });
  const now = deps.now ?? (() => new Date());
  const ctx: ReconcilerContext = {
    apis,
    tenantApis: new TenantApis(deps.kubeConfig, apis, deps.tenancy.defaultServiceAccount),
    logger,
    metrics: deps.metrics,
    source: new GitSource({
      cacheDir: deps.gitCacheDir,
      logger,
      policy: deps.tenancy.source,
      limits: deps.tenancy.limits,
    }),
    locks: new TargetLocks(),
    clients: new GenesysClients(
      deps.limiters,
      deps.metrics,
      logger,
      new EndpointAllowList(deps.tenancy.allowedEndpoints),
    ),
    events: new EventRecorder(apis, logger, now, {
      instance: deps.identity ?? `${hostname()}_${process.pid}`,
    }),
    now,
    writeRight: deps.writeRight ?? {
      identity: `${hostname()}_${process.pid}`,
      term: () => 0,
      valid: () => true,
    },
    tenancy: deps.tenancy,
  };
  return { reconcile: (ref, signal) => reconcileCounted(ctx, ref, signal) };
}

/**
 * A reconcile that throws before it could record its outcome (the Kubernetes API failed, say) still
 * counts as a failure in the metrics, so alerts on the error rate see it; the runtime backs off.
 */
async function reconcileCounted(
  ctx: ReconcilerContext,
  ref: ObjectRef,
  signal: AbortSignal,
): Promise<ReconcileResult> {
  const started = performance.now();
  const state = { recorded: false };
  try {
    return await reconcile(ctx, ref, signal, state);
  } catch (err) {
    if (!state.recorded && !signal.aborted) {
      const id = { namespace: ref.namespace, name: ref.name };
      ctx.metrics.reconcileTotal.inc({ ...id, result: "failure" });
      ctx.metrics.reconcileErrors.inc({ ...id, reason: "ReconcileError" });
      ctx.metrics.reconcileDuration.observe(id, (performance.now() - started) / 1000);
    }
    throw err;
  }
}

async function reconcile(
  ctx: ReconcilerContext,
  ref: ObjectRef,
  signal: AbortSignal,
  state: { recorded: boolean },
): Promise<ReconcileResult> {
  const started = performance.now();
  const log = ctx.logger.child({ namespace: ref.namespace, name: ref.name });
  const raw = await getPromotionRaw(ctx.apis, ref);
  if (raw === undefined) {
    await forgetObject(ctx.metrics, ref);
    return {};
  }
  const parsed = IvrPromotionSchema.safeParse(raw);
  if (!parsed.success) {
    // The CRD schema should make this impossible; say what is wrong rather than crash-looping.
    const issue = parsed.error.issues[0];
    const message = `${issue?.path.join(".") || "object"}: ${issue?.message ?? "invalid"}`;
    log.error({ problem: message }, "object does not match the IvrPromotion schema");
    const view = LooseObjectSchema.safeParse(raw);
    if (view.success) {
      const draft = new StatusDraft(view.data, ctx.now());
      draft.finish({ state: "Stalled", reason: Reason.InvalidSpec, message });
      await patchStatus(ctx.apis, ref, draft);
    }
    return {};
  }
  const obj = parsed.data;
  if (obj.metadata.deletionTimestamp) return finalizeObject(ctx, obj, ref, signal, log);
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) {
    await patchFinalizers(ctx.apis, ref, obj.metadata.resourceVersion, [...finalizers, FINALIZER]);
  }
  const draft = new StatusDraft(obj, ctx.now());
  const finish = await runPipeline(ctx, obj, draft, signal, log);
  if (deposed(ctx, signal, finish)) {
    // Another replica may write for this object now: its status is the truth, ours could overwrite it.
    // If we in fact still lead (the lease was only late to renew), the retry finds the journal and
    // recovers; if we do not, the queue is gone with the term and the retry never runs.
    log.info(
      { revision: finish.kind === "done" ? finish.revision : undefined },
      "lost the right to write; leaving status to the current writer",
    );
    state.recorded = true;
    return { requeueAfterMs: DEPOSED_RETRY_MS };
  }
  const requested = obj.metadata.annotations?.[Annotation.requestedAt];
  if (requested !== undefined) draft.next.lastHandledReconcileAt = requested;
  const result = settle(obj, draft, finish);
  await patchStatus(ctx.apis, ref, draft);
  await emitEvent(ctx, obj, ref, draft, finish);
  state.recorded = true;
  recordReconcile(ctx.metrics, ref, {
    result,
    seconds: (performance.now() - started) / 1000,
    reason: draft.ready?.reason,
    conditions: draft.next.conditions,
    suspended: obj.spec.suspend,
  });
  if (finish.kind === "done" && finish.error !== undefined && !isPromoterError(finish.error)) {
    // Not one of ours: a Kubernetes API failure or a bug. Status says so; the runtime backs off.
    throw finish.error;
  }
  if (finish.kind === "stalled-unchanged" && finish.requeueAfterMs !== undefined)
    return { requeueAfterMs: finish.requeueAfterMs };
  return finish.kind === "done" ? { requeueAfterMs: finish.requeueAfterMs } : {};
}

/** When a reconcile was cut short by a lost (or late) lease: soon, but not in a tight loop. */
const DEPOSED_RETRY_MS = 2_000;

/** True when this process may no longer write for the object (fenced out, lease lost, shutting down). */
function deposed(ctx: ReconcilerContext, signal: AbortSignal, finish: Finish): boolean {
  if (finish.kind === "done" && finish.error instanceof FencedOutError) return true;
  return signal.aborted || !ctx.writeRight.valid();
}

/** Writes the conditions for how the pipeline ended; returns the metrics result label. */
function settle(obj: IvrPromotion, draft: StatusDraft, finish: Finish): ReconcileResultLabel {
  switch (finish.kind) {
    case "suspended": {
      const last = obj.status?.lastAppliedRevision;
      draft.suspend(`Reconciliation is suspended${last ? `; last applied revision ${last}` : ""}`);
      return "skipped";
    }
    case "stalled-unchanged":
      return "skipped";
    case "done":
      draft.finish(finish.outcome);
      if (finish.outcome.state === "Ready") return "success";
      // Waiting for an approval or a dependency is the object working as asked, not a failed reconcile.
      return NORMAL_WAITS.has(finish.outcome.reason ?? "") ? "skipped" : "failure";
  }
}

/** One event when something happened: a write, a change of the Ready condition, or any failure. */
async function emitEvent(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  ref: ObjectRef,
  draft: StatusDraft,
  finish: Finish,
): Promise<void> {
  const ready = draft.ready;
  if (!ready || finish.kind === "stalled-unchanged") return;
  const failed =
    finish.kind === "done" && finish.outcome.state !== "Ready" && !NORMAL_WAITS.has(ready.reason);
  const wrote = finish.kind === "done" && finish.written > 0;
  if (!failed && !wrote && !draft.readyChanged()) return;
  // One Event when verification starts, not one per check (each check changes the progress message).
  if (
    !failed &&
    !wrote &&
    ready.reason === Reason.Verifying &&
    draft.before.conditions?.some((c) => c.type === "Ready" && c.reason === Reason.Verifying)
  )
    return;
  const revision = (finish.kind === "done" ? finish.revision : undefined) ?? obj.status?.lastAppliedRevision;
  await ctx.events.record(subject(obj, ref), {
    type: failed ? "Warning" : "Normal",
    reason: ready.reason,
    message: oneLine(ready.message),
    ...(revision ? { revision } : {}),
  });
}
