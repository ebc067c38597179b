import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { z } from "zod";
import { CRD_FILE } from "../../../src/api/crd.js";
import { GROUP, NAMES, VERSION, type IvrPromotionSpecInput } from "../../../src/api/ivr-promotion.js";
import type { ObjectRef, ReconcileResult, Reconciler } from "../../../src/controller/types.js";
import type {
  DeliveryContext,
  KubeObject,
  WatchEvent,
  WatchHandler,
} from "../../../src/controller/watch-types.js";
import { createLogger, type Logger } from "../../../src/logger.js";
import {
  installCrds,
  startKubeApiServer,
  type KubeApiServer,
  type StartOptions,
} from "../../helpers/kube-apiserver.js";

/** Shared pieces of the controller-runtime integration tests (real kube-apiserver + etcd). */

export const CRD_PATH = fileURLToPath(new URL(`../../../${CRD_FILE}`, import.meta.url));

/** A control plane with the IvrPromotion CRD and the given namespaces. */
export async function startControlPlane(
  namespaces: string[],
  opts: StartOptions = {},
): Promise<KubeApiServer> {
  const api = await startKubeApiServer(opts);
  try {
    await installCrds(api.kubeConfig, [CRD_PATH]);
    const core = api.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of namespaces) await core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    await api.stop();
    throw err;
  }
  return api;
}

const spec = (environment = "dev"): IvrPromotionSpecInput => ({
  source: { url: "https://git.example.com/ivr/flows.git", ref: { branch: "main" } },
  path: "flows",
  environment,
  target: { endpoint: "http://127.0.0.1:9", credentialsSecretRef: { name: "genesys-dev" } },
});

/** Creates, patches and deletes IvrPromotions through the generated client (not through our code). */
export class Promotions {
  private readonly api: CustomObjectsApi;
  constructor(api: KubeApiServer) {
    this.api = api.kubeConfig.makeApiClient(CustomObjectsApi);
  }
  private coords(namespace: string) {
    return { group: GROUP, version: VERSION, plural: NAMES.plural, namespace };
  }
  async create(namespace: string, name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.api.createNamespacedCustomObject({
      ...this.coords(namespace),
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: NAMES.kind, metadata: { name, labels }, spec: spec() },
    });
  }
  async patch(namespace: string, name: string, body: object): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      { ...this.coords(namespace), name, body },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }
  async patchStatus(namespace: string, name: string, status: object): Promise<void> {
    await this.api.patchNamespacedCustomObjectStatus(
      { ...this.coords(namespace), name, body: { status } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }
  async delete(namespace: string, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...this.coords(namespace), name });
  }
}

/** One handler call. */
export interface Delivery {
  op: "add" | "update" | "delete";
  key: string;
  relist: boolean;
  generation: number | undefined;
  resourceVersion: string | undefined;
}

/** A handler and event sink that remember everything, in order. */
export function recorder() {
  const deliveries: Delivery[] = [];
  const events: WatchEvent[] = [];
  const note = (op: Delivery["op"], obj: KubeObject, ctx: DeliveryContext) =>
    deliveries.push({
      op,
      key: `${obj.metadata.namespace}/${obj.metadata.name}`,
      relist: ctx.relist,
      generation: obj.metadata.generation,
      resourceVersion: obj.metadata.resourceVersion,
    });
  const handler: WatchHandler = {
    onAdd: (obj, ctx) => note("add", obj, ctx),
    onUpdate: (obj, _old, ctx) => note("update", obj, ctx),
    onDelete: (obj, ctx) => note("delete", obj, ctx),
  };
  return {
    deliveries,
    events,
    handler,
    onEvent: (event: WatchEvent) => void events.push(event),
    of: <T extends WatchEvent["type"]>(type: T) =>
      events.filter((e): e is Extract<WatchEvent, { type: T }> => e.type === type),
    keysOf: (op: Delivery["op"], relist?: boolean) =>
      deliveries
        .filter((d) => d.op === op && (relist === undefined || d.relist === relist))
        .map((d) => d.key),
  };
}

/** A reconciler that records every call and answers with `result(ref)`; `who` tells replicas apart. */
export function recordingReconciler(
  who: string,
  calls: Array<{ who: string; key: string; seq: number }>,
  sequence: { next: number },
  result: (ref: ObjectRef) => Promise<ReconcileResult> | ReconcileResult = () => ({}),
): Reconciler {
  return {
    async reconcile(ref) {
      calls.push({ who, key: `${ref.namespace}/${ref.name}`, seq: sequence.next++ });
      return result(ref);
    },
  };
}

const LogLine = z.record(z.string(), z.unknown());

/**
 * A real pino logger whose JSON lines the test can read, in order. With `sequence`, each line gets a
 * `seq` from that shared counter, to order lines of several replicas and reconciler calls.
 */
export function capturedLogger(sequence?: { next: number }): {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  find: (msg: string) => Record<string, unknown> | undefined;
} {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
        lines.push({ ...LogLine.parse(JSON.parse(line)), seq: sequence ? sequence.next++ : lines.length });
      }
      done();
    },
  });
  return {
    logger: createLogger({ level: "debug", destination }),
    lines,
    find: (msg) => lines.find((l) => l.msg === msg),
  };
}

/** Polls `fn` until true, for the wall-clock-independent "eventually" of integration tests. */
export async function eventually(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
