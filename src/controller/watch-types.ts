import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { ObjectMetaSchema } from "../api/ivr-promotion.js";
import type { BackoffPolicy } from "./backoff.js";

/**
 * Types of the resilient watch (watch.ts): what it delivers, what it reports, how it is tuned.
 */

/** Any Kubernetes object: only metadata is read by the runtime; the rest passes through untouched. */
export const KubeObjectSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMetaSchema,
});

/** A watched object as delivered to the {@link WatchHandler}. */
export type KubeObject = z.infer<typeof KubeObjectSchema>;

/** One line of a watch stream. */
export const WatchLineSchema = z.object({
  type: z.enum(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]),
  object: z.unknown(),
});

/** A list response page. */
export const ListPageSchema = z.object({
  metadata: z.looseObject({ resourceVersion: z.string(), continue: z.string().optional() }),
  items: z.array(z.unknown()).nullish(),
});

/** Where a delivery comes from: a watch event, or a (re)list that replays every object. */
export interface DeliveryContext {
  /** True for objects replayed by a list (initial, after 410, periodic resync). */
  relist: boolean;
}

/** Receives object changes; called synchronously, in order, per scope. Keep it cheap (enqueue a key). */
export interface WatchHandler {
  onAdd(obj: KubeObject, ctx: DeliveryContext): void;
  onUpdate(obj: KubeObject, old: KubeObject, ctx: DeliveryContext): void;
  onDelete(obj: KubeObject, ctx: DeliveryContext): void;
}

/** Why a full list was made. */
export type RelistReason = "initial" | "expired" | "resync";

/** Why a watch request is being made again. */
export type ReconnectCause = "ended" | "error" | "watchdog" | "expired" | "resync";

/**
 * What the watch reports, for logs and metrics (it never logs itself). `scope` is the namespace,
 * or `*` for a cluster-wide watch.
 */
export type WatchEvent =
  | { type: "CONNECT"; scope: string; resourceVersion: string }
  | { type: "RELIST"; scope: string; reason: RelistReason; objects: number; resourceVersion: string }
  | { type: "RECONNECT"; scope: string; cause: ReconnectCause; attempt: number; delayMs: number }
  | { type: "OLD_RESOURCE_VERSION"; scope: string; resourceVersion: string; message: string }
  | { type: "WATCHDOG"; scope: string; silentMs: number }
  | { type: "ERROR"; scope: string; phase: "list" | "watch" | "decode" | "handler"; error: unknown }
  | { type: "GIVE_UP"; scope: string; failures: number; error: unknown };

/** The resource to watch. */
export interface WatchResource {
  group: string;
  version: string;
  plural: string;
}

/** Tuning knobs; every one has a production default. */
export interface WatchTuning {
  /** Server-side watch timeout; default random in [300, 600) s like client-go, so replicas don't sync up. */
  timeoutSeconds?: number;
  /** Restart the watch when nothing (event, bookmark) arrived for this long; default 5 min. */
  watchdogMs?: number;
  /** Full relist period; default 10 min (KFC/Pepr), jittered ±10 %. 0 disables. */
  resyncMs?: number;
  /** Reconnect backoff; default 1 s → 30 s. */
  backoff?: BackoffPolicy;
  /** Consecutive failures before GIVE_UP; default unlimited. */
  maxFailures?: number;
  /** List page size; default 500. */
  pageSize?: number;
  /** How long the watch may be disconnected or silent before it counts as unhealthy; default 60 s. */
  unhealthyAfterMs?: number;
  /** Random source for jitter (tests pin it). */
  random?: () => number;
}

/** Everything {@link Watch} needs. */
export interface WatchOptions extends WatchTuning {
  kubeConfig: KubeConfig;
  resource: WatchResource;
  /** Namespaces to watch, one stream each; empty or undefined = all namespaces (one cluster-wide stream). */
  namespaces?: readonly string[];
  /** Label selector (e.g. for sharding across operator deployments). */
  labelSelector?: string;
  handler: WatchHandler;
  onEvent?: (event: WatchEvent) => void;
}

/** Health of one watch, as /healthz, /readyz and the metrics see it. */
export interface WatchHealth {
  /** Every scope completed its first full list. */
  synced: boolean;
  /** No scope gave up, and none was disconnected or silent longer than `unhealthyAfterMs`. */
  healthy: boolean;
  /** Seconds since the stalest scope last received an event or bookmark (since start when none yet). */
  lastEventAgeSeconds: number;
  /** Human-readable reason when not healthy. */
  detail: string;
}
