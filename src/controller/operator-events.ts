import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { oneLine } from "../redact.js";
import type { EventInput, EventSubject } from "./events.js";
import type { LeaderEvent } from "./leader-election.js";
import type { LeaseRef } from "./lease.js";
import type { WatchEvent } from "./watch-types.js";

/**
 * Turns the typed events of the watch and the leader elector into log lines and metrics, so those
 * components stay free of logging and the log levels live in one place.
 */

/** A one-line, scrubbed description of any thrown value (messages can echo URLs or tokens). */
export function describeError(err: unknown): string {
  return oneLine(err instanceof Error ? err.message : String(err), 500);
}

/** Logs a watch event and counts reconnects and relists. */
export function recordWatchEvent(event: WatchEvent, logger: Logger, metrics: Metrics): void {
  const { scope } = event;
  switch (event.type) {
    case "CONNECT":
      logger.debug({ scope, resourceVersion: event.resourceVersion }, "watch connected");
      return;
    case "RELIST":
      metrics.watchRelists.inc();
      logger[event.reason === "resync" ? "debug" : "info"](
        { scope, reason: event.reason, objects: event.objects, resourceVersion: event.resourceVersion },
        "listed objects",
      );
      return;
    case "RECONNECT": {
      metrics.watchReconnects.inc();
      const routine = event.cause === "ended" || event.cause === "resync";
      logger[routine ? "debug" : "info"](
        { scope, cause: event.cause, attempt: event.attempt, delayMs: event.delayMs },
        "re-establishing watch",
      );
      return;
    }
    case "OLD_RESOURCE_VERSION":
      logger.info({ scope, resourceVersion: event.resourceVersion }, "resourceVersion expired; relisting");
      return;
    case "WATCHDOG":
      logger.warn({ scope, silentMs: event.silentMs }, "watch silent for too long; restarting it");
      return;
    case "ERROR":
      logger.warn({ scope, phase: event.phase, error: describeError(event.error) }, "watch error");
      return;
    case "GIVE_UP":
      logger.error(
        { scope, failures: event.failures, error: describeError(event.error) },
        "watch gave up; /healthz now fails",
      );
      return;
  }
}

/** Logs a leader-election event. */
export function recordLeaderEvent(event: LeaderEvent, logger: Logger): void {
  switch (event.type) {
    case "ACQUIRED":
      logger.info({ identity: event.identity, transitions: event.transitions }, "became leader");
      return;
    case "LOST":
      logger.warn({ identity: event.identity, reason: event.reason }, "lost leadership; stopped reconciling");
      return;
    case "RELEASED":
      logger.info({ identity: event.identity }, "released the leader lease");
      return;
    case "LEADER_OBSERVED":
      logger.info({ holder: event.holder }, "another replica is leader");
      return;
    case "ERROR":
      logger.warn({ phase: event.phase, error: describeError(event.error) }, "leader election error");
      return;
  }
}

/** The Lease a leader-election Event is about. */
export function leaseSubject(lease: LeaseRef): EventSubject {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    name: lease.name,
    namespace: lease.namespace,
  };
}

/**
 * The Event a leadership change writes on the Lease (`kubectl events -n NS --for lease/NAME`), as
 * client-go's leader election does (reason `LeaderElection`, "<identity> became leader"), recorded
 * through the same {@link EventRecorder} as the objects' Events, so it carries the same reporting
 * component, instance, host and an `action`. Other leader events are logged only.
 */
export function leaderElectionEvent(event: LeaderEvent): EventInput | undefined {
  switch (event.type) {
    case "ACQUIRED":
      return {
        type: "Normal",
        reason: "LeaderElection",
        action: "Acquire",
        message: `${event.identity} became leader`,
      };
    case "LOST":
      return {
        type: "Warning",
        reason: "LeaderElection",
        action: "Lose",
        message: `${event.identity} stopped leading: ${event.reason}`,
      };
    case "RELEASED":
      return {
        type: "Normal",
        reason: "LeaderElection",
        action: "Release",
        message: `${event.identity} released the lease`,
      };
    default:
      return undefined;
  }
}
