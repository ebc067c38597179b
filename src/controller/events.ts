import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type { CoreV1Event } from "@kubernetes/client-node";
import type { Logger } from "../logger.js";
import { oneLine } from "../redact.js";
import { MERGE_PATCH, isStatus, type KubeApis } from "./kube-clients.js";

/**
 * Kubernetes Events about IvrPromotions (`kubectl describe`, `kubectl events`, notification tools),
 * in Flux's style: the reason is the Ready reason, Warning for failures, and the Git revision in an
 * annotation. A repeat of the same event bumps `count` and `lastTimestamp` on one Event object (as
 * client-go's correlator does) instead of piling up new ones every retry.
 */

/** Annotation carrying the Git revision an event is about. */
export const REVISION_ANNOTATION = "ivr.promoter.dev/revision";
/** `source.component` and `reportingComponent` of our events. */
export const COMPONENT = "ivr-promoter";
/** The `action` of an event about an object's reconcile. */
export const DEFAULT_ACTION = "Reconcile";

/** The object an event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

/** One event to record; `message` is scrubbed of `knownSecrets` and flattened to one line. */
export interface EventInput {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** What was done or failed (events.k8s.io `action`); default {@link DEFAULT_ACTION}. */
  action?: string;
  revision?: string;
  knownSecrets?: readonly string[];
}

/** Which replica writes the events: `reportingInstance` and `source.host`. */
export interface EventReporter {
  /** The operator's identity (the pod name, else `host_pid`): tells the replicas apart. */
  instance: string;
  /** The node-visible host name; defaults to `os.hostname()` (the pod name in a pod). */
  host?: string;
}

/** Records events through the core/v1 Events API. Failures are logged, never thrown: events are best effort. */
export class EventRecorder {
  private readonly instance: string;
  private readonly host: string;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly apis: KubeApis,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
    reporter?: EventReporter,
  ) {
    // The API server caps reportingInstance at 128 characters.
    this.instance = (reporter?.instance ?? hostname()).slice(0, 128);
    this.host = reporter?.host ?? hostname();
  }

  /** Creates the event, or counts a repeat of an identical one. */
  record(subject: EventSubject, input: EventInput): Promise<void> {
    const done = this.write(subject, input).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
    return done;
  }

  /** Settles once every event recorded so far is written (or given up): before a process exits. */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async write(subject: EventSubject, input: EventInput): Promise<void> {
    const message = oneLine(input.message, 1024, input.knownSecrets ?? []);
    // Per replica, as client-go's correlator keys on source.host: a count never mixes two writers.
    const name = eventName(subject, input.type, input.reason, message, this.instance);
    const now = this.now();
    const annotations = input.revision ? { [REVISION_ANNOTATION]: input.revision } : undefined;
    try {
      try {
        await this.apis.core.createNamespacedEvent({
          namespace: subject.namespace,
          body: this.event(subject, name, input, message, now, annotations),
        });
      } catch (err) {
        if (!isStatus(err, 409)) throw err;
        await this.bump(subject.namespace, name, now, annotations);
      }
    } catch (err) {
      this.logger.warn({ event: name, err: oneLine(String(err), 300) }, "could not record event");
    }
  }

  private async bump(namespace: string, name: string, now: Date, annotations?: Record<string, string>) {
    const existing = await this.apis.core.readNamespacedEvent({ name, namespace });
    const body = {
      metadata: {
        resourceVersion: existing.metadata?.resourceVersion,
        ...(annotations ? { annotations } : {}),
      },
      count: (existing.count ?? 1) + 1,
      lastTimestamp: now.toISOString(),
    };
    await this.apis.core.patchNamespacedEvent({ name, namespace, body }, MERGE_PATCH);
  }

  private event(
    subject: EventSubject,
    name: string,
    input: EventInput,
    message: string,
    now: Date,
    annotations?: Record<string, string>,
  ): CoreV1Event {
    return {
      metadata: { name, namespace: subject.namespace, ...(annotations ? { annotations } : {}) },
      involvedObject: {
        apiVersion: subject.apiVersion,
        kind: subject.kind,
        name: subject.name,
        namespace: subject.namespace,
        uid: subject.uid,
      },
      type: input.type,
      reason: input.reason,
      message,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: COMPONENT, host: this.host },
      reportingComponent: COMPONENT,
      reportingInstance: this.instance,
      action: input.action ?? DEFAULT_ACTION,
    };
  }
}

/** `<object>.<hash>`: the same (object, type, reason, message, instance) always maps to the same Event. */
export function eventName(
  subject: EventSubject,
  type: string,
  reason: string,
  message: string,
  instance = "",
): string {
  const hash = createHash("sha256")
    .update([subject.uid ?? subject.name, type, reason, message, instance].join("\n"))
    .digest("hex")
    .slice(0, 16);
  return `${subject.name.slice(0, 253 - 17)}.${hash}`;
}
