import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  loadYaml,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

/**
 * Client-side helpers for tests against the envtest control plane (test/helpers/kube-apiserver.ts):
 * CRD installation that waits for discovery (as envtest's WaitForCRDs does), ServiceAccount tokens
 * through the TokenRequest API, and raw GETs for discovery.
 */

/** Status and body of a GET. */
export interface HttpResult {
  status: number;
  body: string;
}

/** TLS material and headers for {@link httpGet}. */
export interface GetOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  headers?: Record<string, string>;
}

/** GET over http(s); resolves for any HTTP status, rejects only on transport errors. */
export function httpGet(url: string, opts: GetOptions = {}): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = send(url, { ...opts, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** GET `path` on the current cluster of `kc`, with its credentials (certificate or token). */
export async function kubeGet(kc: KubeConfig, path: string): Promise<HttpResult> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const opts: GetOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return httpGet(`${cluster.server}${path}`, {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    headers: opts.headers,
  });
}

const ResourceListSchema = z.object({ resources: z.array(z.object({ name: z.string() })) });

/** Polls until `fn` resolves true or the deadline passes. */
async function poll(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isStatus(err: unknown, code: number): boolean {
  return err instanceof ApiException && err.code === code;
}

/** Reads every CustomResourceDefinition document of the YAML files (comments and empty documents skipped). */
function readCrds(paths: readonly string[]): V1CustomResourceDefinition[] {
  return paths.flatMap((path) =>
    parseAllDocuments(readFileSync(path, "utf8"))
      .filter((doc) => doc.contents !== null)
      .map((doc) => {
        // loadYaml maps "x-kubernetes-*" and other wire names onto client-node's model fields.
        const crd = loadYaml<V1CustomResourceDefinition>(doc.toString());
        if (crd.kind !== "CustomResourceDefinition") throw new Error(`${path}: ${crd.kind} is not a CRD`);
        return crd;
      }),
  );
}

/**
 * Creates (or updates) the CRDs in `paths`, then waits until discovery serves every plural of every
 * served version: the apiserver answers for a CRD only once discovery lists it, which is what
 * envtest waits on (not the Established condition).
 */
export async function installCrds(kc: KubeConfig, paths: readonly string[], timeoutMs = 30_000) {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crds = readCrds(paths);
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await api.readCustomResourceDefinition({ name });
        crd.metadata = { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion };
        await api.replaceCustomResourceDefinition({ name, body: crd });
        break;
      } catch (err) {
        if (isStatus(err, 404)) {
          await api.createCustomResourceDefinition({ body: crd });
          break;
        }
        if (!isStatus(err, 409) || attempt >= 5) throw err; // a conflict: re-read and retry
      }
    }
  }
  for (const crd of crds) {
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const path = `/apis/${crd.spec.group}/${version.name}`;
      await poll(`${crd.spec.names.plural} in ${path}`, timeoutMs, async () => {
        const res = await kubeGet(kc, path);
        if (res.status !== 200) return false;
        const list = ResourceListSchema.parse(JSON.parse(res.body));
        return list.resources.some((r) => r.name === crd.spec.names.plural);
      });
    }
  }
  return crds;
}

/**
 * A bearer token for `serviceAccount` in `namespace` via the TokenRequest API (the ServiceAccount is
 * created if missing: envtest runs no controller that would). For RBAC tests, see {@link tokenKubeConfig}.
 */
export async function issueToken(
  kc: KubeConfig,
  namespace: string,
  serviceAccount: string,
  expirationSeconds = 3600,
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccount } } });
  } catch (err) {
    if (!isStatus(err, 409)) throw err;
  }
  const res = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = res.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
  return token;
}

/** A KubeConfig for the same cluster as `kc` that authenticates with `token` (no client certificate). */
export function tokenKubeConfig(kc: KubeConfig, token: string, user = "token-user"): KubeConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [cluster],
    users: [{ name: user, token }],
    contexts: [{ name: "token", cluster: cluster.name, user }],
    currentContext: "token",
  });
  return out;
}
