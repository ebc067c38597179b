import { EXAMPLES, exampleFiles } from "../helpers/examples.js";
import { join } from "node:path";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type CoreV1Event,
  type KubeConfig,
} from "@kubernetes/client-node";
import { GROUP, IvrPromotionSchema, NAMES, VERSION, type IvrPromotion } from "../../src/api/ivr-promotion.js";
import { loadSeedFile, type EmulatorSeed } from "../../src/emulator/index.js";

/**
 * The user's story, shared by the e2e test (here and on kind) and the RBAC test: put credentials in a
 * Secret, create an IvrPromotion of the examples/ flow set into the emulator's `dev` org, and wait
 * until it is Ready. Everything goes through the Kubernetes API as `kubectl` would; how the operator,
 * the emulator and the Git server run (processes here, pods on kind) is the caller's business.
 */

/** The examples/ flow set as repository files (see test/helpers/examples.ts). */
export const exampleRepoFiles = exampleFiles;

/** The examples/ emulator seed (orgs dev and prod); the kind e2e mounts the same file. */
export function exampleSeed(): Promise<EmulatorSeed> {
  return loadSeedFile(join(EXAMPLES, "emulator-seed.yaml"));
}

/** The OAuth client of `org` in `seed`. */
export function clientOf(seed: EmulatorSeed, org: string): { id: string; secret: string } {
  const client = seed.orgs?.find((o) => o.name === org)?.clients?.[0];
  if (!client) throw new Error(`the seed has no client for org ${org}`);
  return { id: client.id, secret: client.secret };
}

/** Where the promotion reads from and writes to, as the operator sees them. */
export interface ScenarioTarget {
  /** Namespace of the Secret and the IvrPromotion (created when missing). */
  namespace: string;
  name: string;
  /** Git URL of a repository holding {@link exampleRepoFiles} on branch main. */
  gitUrl: string;
  /** Base URL of the emulator. */
  emulatorUrl: string;
  client: { id: string; secret: string };
  environment?: string;
  /** false: reference the credentials Secret without creating it (a promotion that keeps failing). */
  createSecret?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The IvrPromotion, parsed; undefined while it does not exist. */
export async function getPromotion(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<IvrPromotion | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    const raw: unknown = await api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: NAMES.plural,
      namespace,
      name,
    });
    return IvrPromotionSchema.parse(raw);
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw err;
  }
}

/** The Ready condition. */
export function readyCondition(obj: IvrPromotion | undefined) {
  return obj?.status?.conditions?.find((c) => c.type === "Ready");
}

/** Ready=True for the current generation (what `kubectl wait --for=condition=Ready` means). */
export function isReady(obj: IvrPromotion | undefined): boolean {
  return (
    readyCondition(obj)?.status === "True" && obj?.status?.observedGeneration === obj?.metadata.generation
  );
}

/** Polls until the object is Ready; on timeout, the error shows its last status and `diagnose()`. */
export async function waitForReady(
  kc: KubeConfig,
  namespace: string,
  name: string,
  opts: { timeoutMs?: number; diagnose?: () => string } = {},
): Promise<IvrPromotion> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const obj = await getPromotion(kc, namespace, name);
    if (isReady(obj) && obj) return obj;
    if (Date.now() > deadline) {
      throw new Error(
        `${namespace}/${name} not Ready after ${timeoutMs} ms; status: ${JSON.stringify(obj?.status)}\n` +
          (opts.diagnose?.() ?? ""),
      );
    }
    await sleep(500);
  }
}

async function ensureNamespace(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  }
}

/**
 * The tenant Role of examples/tenancy/tenant-rbac.yaml for the namespace's `default` ServiceAccount: the
 * chart and the kustomize base run with --default-service-account=default, so the operator reads the
 * Secrets and writes the journal as that account. Already there (409) is fine.
 */
async function grantTenantRole(kc: KubeConfig, namespace: string): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const name = "ivr-promoter-tenant";
  const ignoreExisting = (err: unknown) => {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  };
  await rbac
    .createNamespacedRole({
      namespace,
      body: {
        metadata: { name },
        rules: [
          { apiGroups: [""], resources: ["secrets"], verbs: ["get", "create", "delete"] },
          { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "update", "delete"] },
        ],
      },
    })
    .catch(ignoreExisting);
  await rbac
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ kind: "ServiceAccount", name: "default", namespace }],
      },
    })
    .catch(ignoreExisting);
}

/** Creates the namespace, the tenant Role, the credentials Secret and the IvrPromotion (as the admin `kc`). */
export async function createPromotion(kc: KubeConfig, target: ScenarioTarget): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await ensureNamespace(core, target.namespace);
  await grantTenantRole(kc, target.namespace);
  const secretName = `genesys-${target.environment ?? "dev"}-${target.name}`;
  if (target.createSecret ?? true) {
    await core.createNamespacedSecret({
      namespace: target.namespace,
      body: {
        metadata: { name: secretName },
        stringData: { clientId: target.client.id, clientSecret: target.client.secret },
      },
    });
  }
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: NAMES.plural,
    namespace: target.namespace,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: NAMES.kind,
      metadata: { name: target.name },
      spec: {
        source: { url: target.gitUrl, ref: { branch: "main" } },
        path: ".",
        environment: target.environment ?? "dev",
        target: { endpoint: target.emulatorUrl, credentialsSecretRef: { name: secretName } },
        interval: "1h",
        retryInterval: "5s",
      },
    },
  });
}

/** The Events recorded for the object. */
export async function eventsOf(kc: KubeConfig, namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items;
}

/** One sample of a Prometheus text exposition, e.g. `value(text, "up", {job: "x"})`; undefined if absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map(
      [...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}
