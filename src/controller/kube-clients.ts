import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from "@kubernetes/client-node";
import { GROUP, NAMES, VERSION } from "../api/ivr-promotion.js";
import type { ObjectRef } from "./types.js";

/**
 * The few Kubernetes calls the reconciler makes, on top of client-node's generated APIs. Kept in one
 * place so the content types (merge patch, not client-node's JSON-patch default) and the error
 * classification are decided once.
 */

/** The API clients one reconciler uses, built once from the KubeConfig. */
export interface KubeApis {
  objects: CustomObjectsApi;
  core: CoreV1Api;
}

/** Builds the API clients. */
export function kubeApis(kubeConfig: KubeConfig): KubeApis {
  return {
    objects: kubeConfig.makeApiClient(CustomObjectsApi),
    core: kubeConfig.makeApiClient(CoreV1Api),
  };
}

/** Options that make a client-node patch call send an RFC 7386 JSON merge patch. */
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** True when `err` is an API answer with HTTP status `code`. */
export function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** The coordinates of one IvrPromotion for CustomObjectsApi calls. */
export function promotionCoords(ref: ObjectRef) {
  return { group: GROUP, version: VERSION, plural: NAMES.plural, namespace: ref.namespace, name: ref.name };
}

/** Reads an IvrPromotion as raw JSON; undefined when it does not exist (any more). */
export async function getPromotionRaw(apis: KubeApis, ref: ObjectRef): Promise<unknown> {
  try {
    return (await apis.objects.getNamespacedCustomObject(promotionCoords(ref))) as unknown;
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw err;
  }
}

/**
 * Sets `metadata.finalizers` with a merge patch pinned to `resourceVersion`: a concurrent writer makes
 * it fail with 409 (and the reconcile is retried) instead of silently dropping their finalizer.
 */
export async function patchFinalizers(
  apis: KubeApis,
  ref: ObjectRef,
  resourceVersion: string | undefined,
  finalizers: readonly string[],
): Promise<void> {
  const body = { metadata: { resourceVersion, finalizers } };
  try {
    await apis.objects.patchNamespacedCustomObject({ ...promotionCoords(ref), body }, MERGE_PATCH);
  } catch (err) {
    // Gone while we were working: nothing left to patch.
    if (!isStatus(err, 404)) throw err;
  }
}

/** Merge-patches the status subresource; a vanished object is not an error. */
export async function patchPromotionStatus(apis: KubeApis, ref: ObjectRef, status: unknown): Promise<void> {
  try {
    await apis.objects.patchNamespacedCustomObjectStatus(
      { ...promotionCoords(ref), body: { status } },
      MERGE_PATCH,
    );
  } catch (err) {
    if (!isStatus(err, 404)) throw err;
  }
}
