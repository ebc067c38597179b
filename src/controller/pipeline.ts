import { Reason, type Outcome } from "../api/conditions.js";
import { API_VERSION, NAMES, type IvrPromotion } from "../api/ivr-promotion.js";
import type { Logger } from "../logger.js";
import type { ReconcilerContext } from "./context.js";
import { SecretReader, readTargetCredentials } from "./credentials.js";
import { ConfigMapJournalStore } from "./journal-store.js";
import { outcomeForError, requeueAfter, timeoutMs, type Stage } from "./outcome.js";
import type { StatusDraft } from "./status.js";
import { planAndApply } from "./steps/apply.js";
import { DEPENDENCY_REQUEUE_MS, unreadyDependency } from "./steps/dependencies.js";
import { renderFlowSet } from "./steps/render.js";
import { stalledBefore } from "./stall-gate.js";
import { fetchSource } from "./steps/source.js";
import { targetLockKey } from "./target-lock.js";

/**
 * The steps of one reconcile of a live (not deleting) IvrPromotion, in Flux's order:
 * suspend → dependsOn → fetch source → render → credentials → (per-target lock) plan → approval → promote.
 * Steps write status fields into the draft; this function returns how the reconcile ended, and the
 * caller writes conditions, patches status once, and records events and metrics.
 */

/** How a reconcile ended. */
export type Finish =
  | {
      kind: "done";
      outcome: Outcome;
      requeueAfterMs: number | undefined;
      /** Flows written to the org. */
      written: number;
      revision?: string;
      /** The error behind a failed outcome. */
      error?: unknown;
    }
  | { kind: "suspended" }
  /** Stalled on this generation and revision already, and nobody asked again: nothing to do. */
  | { kind: "stalled-unchanged"; revision: string };

/** Runs the steps; never throws for failures of the steps themselves (they become outcomes). */
export async function runPipeline(
  ctx: ReconcilerContext,
  obj: IvrPromotion,
  draft: StatusDraft,
  signal: AbortSignal,
  logger: Logger,
): Promise<Finish> {
  const { spec } = obj;
  if (spec.suspend) return { kind: "suspended" };
  const secrets = new SecretReader(ctx.apis, obj.metadata.namespace ?? "");
  let stage: Stage = "source";
  let revision: string | undefined;
  try {
    const why = await unreadyDependency(ctx.apis, obj, ctx.tenancy.allowCrossNamespaceRefs);
    if (why) {
      const message = `Dependencies do not meet ready condition (${why}), retrying in ${DEPENDENCY_REQUEUE_MS / 1000}s`;
      const outcome: Outcome = { state: "Waiting", reason: Reason.DependencyNotReady, message };
      return { kind: "done", outcome, requeueAfterMs: DEPENDENCY_REQUEUE_MS, written: 0 };
    }
    const checkout = await fetchSource(ctx.source, spec, secrets);
    revision = checkout.revision;
    if (stalledBefore(obj, revision)) return { kind: "stalled-unchanged", revision };
    draft.next.lastAttemptedRevision = revision;

    stage = "render";
    const loaded = await renderFlowSet(checkout.dir, spec, secrets);
    for (const w of loaded.warnings.slice(0, 20)) logger.debug({ finding: w }, "flow set warning");

    stage = "target";
    const credentials = await readTargetCredentials(secrets, spec.target.credentialsSecretRef.name);
    const client = ctx.clients.client(spec, credentials);
    const journal = new ConfigMapJournalStore(ctx.apis, {
      apiVersion: API_VERSION,
      kind: NAMES.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace ?? "",
      uid: obj.metadata.uid ?? "",
    });
    const attempt = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs(spec))]);
    const lockKey = targetLockKey(spec.target, credentials.clientId);
    const rev = revision;
    const result = await ctx.locks.run(
      lockKey,
      async () => {
        stage = "apply";
        const org = await client.organization();
        return planAndApply({
          obj,
          client,
          draft,
          metrics: ctx.metrics,
          now: ctx.now,
          knownSecrets: secrets.known,
          request: {
            revision: rev,
            target: `${org.name} (${org.id})`,
            desired: loaded.desired,
            inventory: obj.status?.inventory ?? [],
            prune: spec.prune,
            lockPolicy: spec.lockPolicy,
            selfClientId: credentials.clientId,
            concurrency: spec.concurrency,
            journal,
            logger,
            signal: attempt,
            onEvent: (e) => logger.debug({ apply: e }, "apply progress"),
          },
        });
      },
      attempt,
    );
    return { kind: "done", ...result, requeueAfterMs: requeueAfter(result.outcome, spec), revision };
  } catch (err) {
    const outcome = outcomeForError(err, stage, secrets.known);
    logger.warn(
      { stage, reason: outcome.reason, code: codeOf(err), err: outcome.message },
      "reconcile failed",
    );
    return {
      kind: "done",
      outcome,
      requeueAfterMs: requeueAfter(outcome, spec, err),
      written: 0,
      revision,
      error: err,
    };
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" || typeof code === "number" ? String(code) : undefined;
}
