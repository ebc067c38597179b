import type { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { isNotFound, kubeJson } from "./kube-http.js";

/**
 * Reading and writing a coordination.k8s.io/v1 Lease, the lock behind leader election.
 * Writes carry the resourceVersion that was read, so the API server rejects (409) a write based on a
 * stale read: two candidates can never both believe they just acquired the lease.
 */

/** The leader-election record kept in a Lease's spec (client-go's LeaderElectionRecord). */
export const LeaseSpecSchema = z.looseObject({
  holderIdentity: z.string().nullish(),
  leaseDurationSeconds: z.int().nullish(),
  acquireTime: z.string().nullish(),
  renewTime: z.string().nullish(),
  leaseTransitions: z.int().nullish(),
});

/** A Lease as read from the API server. */
export const LeaseSchema = z.object({
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    resourceVersion: z.string(),
  }),
  spec: LeaseSpecSchema.nullish(),
});

/** A Lease object. */
export type Lease = z.infer<typeof LeaseSchema>;
/** The leader-election record. */
export type LeaseSpec = z.infer<typeof LeaseSpecSchema>;

/** Where the Lease lives. */
export interface LeaseRef {
  namespace: string;
  name: string;
}

/** A Kubernetes MicroTime: RFC 3339 with exactly six fractional digits, as the API server parses it. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

const leasePath = (ref: LeaseRef, withName = true) =>
  `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ref.namespace)}/leases` +
  (withName ? `/${encodeURIComponent(ref.name)}` : "");

/** Reads the Lease; undefined when it does not exist. */
export async function getLease(
  kc: KubeConfig,
  ref: LeaseRef,
  signal?: AbortSignal,
): Promise<Lease | undefined> {
  try {
    return LeaseSchema.parse(await kubeJson(kc, { path: leasePath(ref), signal }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Creates the Lease with `spec`; a 409 means another candidate created it first. */
export async function createLease(
  kc: KubeConfig,
  ref: LeaseRef,
  spec: LeaseSpec,
  signal?: AbortSignal,
): Promise<Lease> {
  const body = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: ref.name }, spec };
  return LeaseSchema.parse(await kubeJson(kc, { method: "POST", path: leasePath(ref, false), body, signal }));
}

/** Replaces the Lease's spec, conditional on `resourceVersion` (409 when someone wrote in between). */
export async function updateLease(
  kc: KubeConfig,
  ref: LeaseRef,
  resourceVersion: string,
  spec: LeaseSpec,
  signal?: AbortSignal,
): Promise<Lease> {
  const body = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: ref.name, namespace: ref.namespace, resourceVersion },
    spec,
  };
  return LeaseSchema.parse(await kubeJson(kc, { method: "PUT", path: leasePath(ref), body, signal }));
}
