import { Reason, applyOutcome } from "../api/conditions.js";
import type { ApplyEvent } from "../engine/apply.js";
import type { Logger } from "../logger.js";
import { patchPromotionStatus, type KubeApis } from "./kube-clients.js";
import type { StatusDraft } from "./status.js";
import type { ObjectRef } from "./types.js";

/** Shortest gap between two progress patches of one object: enough for `kubectl get -w`, cheap for etcd. */
const MIN_GAP_MS = 1_000;

/**
 * Tells the truth while work runs: as soon as a reconcile is about to write (a new revision, a drift to
 * put back, an interrupted run to recover), status says `Reconciling=True` (reason Progressing) and
 * `Ready=Unknown` with what is happening ("applying main@sha1:ab12cd34: 3/7"), so `kubectl wait
 * --for=condition=Ready` after a push waits for the result instead of seeing the previous Ready=True.
 * Patches are throttled and serialised; the reconciler's final status patch always follows one.
 */
export class ProgressReporter {
  private chain: Promise<void> = Promise.resolve();
  private last = 0;
  private pending: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly apis: KubeApis,
    private readonly ref: ObjectRef,
    private readonly draft: StatusDraft,
    private readonly logger: Logger,
    private readonly now: () => Date,
    /** False once this process may no longer write: a deposed writer must not overwrite status. */
    private readonly mayWrite: () => boolean,
  ) {}

  /** Reports `message` now, or within MIN_GAP_MS when the last report was more recent. */
  report(message: string): void {
    if (this.closed) return;
    this.pending = message;
    const wait = this.last + MIN_GAP_MS - Date.now();
    if (wait <= 0) this.send();
    else this.timer ??= setTimeout(() => this.send(), wait);
  }

  /** A listener for engine events: progress counts per imported flow, and recovery phases. */
  listener(revision: string, total: () => number): (e: ApplyEvent) => void {
    let done = 0;
    return (e) => {
      if (e.type === "imported") this.report(`applying ${revision}: ${++done}/${total()}`);
      else if (e.type === "failed") this.report(`applying ${revision}: ${e.key} failed; rolling back`);
      else if (e.type === "rolled-back") this.report(`rolling back: restored ${e.key}`);
      else if (e.type === "recovering")
        this.report(`recovering an interrupted run of ${e.revision} (${e.flows} flow(s)) before ${revision}`);
      else if (e.type === "settling")
        this.report(`recovering: waiting for ${e.jobs} import job(s) of the interrupted run to finish`);
    };
  }

  /** Stops reporting and waits for patches in flight (before the reconciler's final patch). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.chain;
  }

  private send(): void {
    this.timer = undefined;
    const message = this.pending;
    this.pending = undefined;
    if (message === undefined || this.closed || !this.mayWrite()) return;
    this.last = Date.now();
    const conditions = applyOutcome(
      this.draft.next.conditions,
      { state: "Progressing", reason: Reason.Progressing, message },
      { generation: this.draft.generation, now: this.now() },
    );
    this.draft.markPatched();
    this.chain = this.chain
      .then(() => patchPromotionStatus(this.apis, this.ref, { conditions }))
      .catch((err: unknown) => this.logger.debug({ err: String(err) }, "progress status patch failed"));
  }
}
