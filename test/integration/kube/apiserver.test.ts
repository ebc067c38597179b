import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ApiException, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRD_FILE } from "../../../src/api/crd.js";
import {
  GROUP,
  IvrPromotionSchema,
  NAMES,
  VERSION,
  type IvrPromotionSpecInput,
} from "../../../src/api/ivr-promotion.js";
import { IvrPromotionSpecSchema } from "../../../src/api/ivr-promotion.js";
import {
  envtestBinary,
  installCrds,
  issueToken,
  startKubeApiServer,
  tokenKubeConfig,
  type KubeApiServer,
} from "../../helpers/kube-apiserver.js";

/**
 * The envtest control plane (real kube-apiserver + etcd) and the IvrPromotion CRD against it:
 * the server accepts the generated CRD, applies its defaults, enforces its validation (including
 * the CEL rules), serves the status subresource and printer columns, and enforces RBAC.
 */

const CRD_PATH = fileURLToPath(new URL(`../../../${CRD_FILE}`, import.meta.url));
const NS = "promo";

const validSpec = (): IvrPromotionSpecInput => ({
  source: { url: "https://git.example.com/ivr/flows.git", ref: { branch: "main" } },
  path: "flows",
  environment: "dev",
  target: { endpoint: "http://127.0.0.1:8080", credentialsSecretRef: { name: "genesys-dev" } },
});

let api: KubeApiServer;
let objects: CustomObjectsApi;
const crdCoords = { group: GROUP, version: VERSION, namespace: NS, plural: NAMES.plural };

function manifest(name: string, spec: unknown) {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: NAMES.kind, metadata: { name }, spec };
}

/** The API server's answer to a create, as {code, text}; `ok` when it was accepted. */
async function tryCreate(name: string, spec: unknown): Promise<{ code: number; text: string }> {
  try {
    await objects.createNamespacedCustomObject({ ...crdCoords, body: manifest(name, spec) });
    return { code: 201, text: "ok" };
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    return { code: err.code, text: `${err.message} ${JSON.stringify(err.body)}` };
  }
}

function kubectl(...args: string[]): string {
  return execFileSync(envtestBinary("kubectl"), ["--kubeconfig", api.kubeconfigPath, ...args], {
    encoding: "utf8",
  });
}

beforeAll(async () => {
  api = await startKubeApiServer();
  await installCrds(api.kubeConfig, [CRD_PATH]);
  objects = api.kubeConfig.makeApiClient(CustomObjectsApi);
  await api.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await api?.stop();
});

describe("envtest control plane", () => {
  it("serves the core API to the admin client certificate", async () => {
    const core = api.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "settings" }, data: { greeting: "hello" } },
    });
    const cm = await core.readNamespacedConfigMap({ namespace: NS, name: "settings" });
    expect(cm.data).toEqual({ greeting: "hello" });
    expect(kubectl("version", "-o", "json")).toMatch(/"gitVersion": "v1\.\d+\.\d+"/);
  });

  it("enforces RBAC for ServiceAccount tokens from the TokenRequest API", async () => {
    const token = await issueToken(api.kubeConfig, NS, "reader");
    const asReader = tokenKubeConfig(api.kubeConfig, token).makeApiClient(CoreV1Api);
    const denied = await asReader.listNamespacedConfigMap({ namespace: NS }).catch((err: unknown) => err);
    expect(denied).toBeInstanceOf(ApiException);
    expect((denied as ApiException<unknown>).code).toBe(403);

    const rbac = api.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: NS,
      body: {
        metadata: { name: "cm-reader" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: {
        metadata: { name: "cm-reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-reader" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace: NS }],
      },
    });
    // The RBAC authorizer reads from an informer: the grant shows up shortly, not instantly.
    await expect
      .poll(async () => (await asReader.listNamespacedConfigMap({ namespace: NS })).items.length, {
        timeout: 20_000,
        interval: 200,
      })
      .toBeGreaterThan(0);
  });
});

describe("IvrPromotion CRD on a real API server", () => {
  it("stores an object, applies the schema defaults and parses back with zod", async () => {
    expect(await tryCreate("checkout", validSpec())).toEqual({ code: 201, text: "ok" });
    const raw: unknown = await objects.getNamespacedCustomObject({ ...crdCoords, name: "checkout" });
    const obj = IvrPromotionSchema.parse(raw);
    expect(obj.metadata.generation).toBe(1);
    expect(obj.spec).toMatchObject({
      interval: "10m",
      suspend: false,
      prune: false,
      concurrency: 8,
      lockPolicy: "Fail",
      cyclePolicy: "Reject",
    });
  });

  it("serves the status subresource and the printer columns", async () => {
    const raw: unknown = await objects.getNamespacedCustomObject({ ...crdCoords, name: "checkout" });
    const obj = IvrPromotionSchema.parse(raw);
    const status = {
      observedGeneration: 1,
      lastAppliedRevision: `main@sha1:0123abcd${"e".repeat(32)}`,
      lastAppliedRevisionShort: "main@sha1:0123abcd",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Succeeded",
          message: "Applied main@sha1:0123abcd: 1 created, 0 updated, 0 unchanged",
          lastTransitionTime: "2026-01-02T03:04:05Z",
          observedGeneration: 1,
        },
      ],
    };
    await objects.replaceNamespacedCustomObjectStatus({
      ...crdCoords,
      name: "checkout",
      body: { ...obj, status },
    });
    const updated = IvrPromotionSchema.parse(
      await objects.getNamespacedCustomObject({ ...crdCoords, name: "checkout" }),
    );
    expect(updated.status?.conditions?.[0]?.reason).toBe("Succeeded");
    expect(updated.metadata.generation).toBe(1); // status writes never bump the generation

    const table = kubectl("get", "ivrp", "-n", NS);
    expect(table).toMatch(/^NAME\s+READY\s+REVISION\s+SUSPENDED\s+STATUS\s+AGE\n/);
    expect(table).toMatch(
      /checkout\s+True\s+main@sha1:0123abcd\s+false\s+Applied main@sha1:0123abcd: 1 created/,
    );
    const wide = kubectl("get", "ivrp", "-n", NS, "-o", "wide");
    expect(wide).toMatch(/\s+APPLIED REVISION\s+ATTEMPTED REVISION\s+REGION\s+ENDPOINT\n/);
    expect(wide).toContain(`main@sha1:0123abcd${"e".repeat(32)}`);
    expect(kubectl("explain", "ivrpromotion.spec.lockPolicy")).toContain("ForceUnlock");
  });

  const bad: Array<[string, (spec: IvrPromotionSpecInput) => unknown, RegExp]> = [
    ["a missing source url", (s) => ({ ...s, source: { ref: s.source.ref } }), /spec\.source\.url: Required/],
    [
      "two refs at once",
      (s) => ({ ...s, source: { ...s.source, ref: { branch: "main", tag: "v1" } } }),
      /exactly one of branch, tag or commit/,
    ],
    ["an unknown lockPolicy", (s) => ({ ...s, lockPolicy: "Steal" }), /spec\.lockPolicy: Unsupported value/],
    ["concurrency 0", (s) => ({ ...s, concurrency: 0 }), /spec\.concurrency: Invalid value/],
    ["concurrency 17", (s) => ({ ...s, concurrency: 17 }), /spec\.concurrency: Invalid value/],
    [
      "both region and endpoint",
      (s) => ({ ...s, target: { ...s.target, region: "mypurecloud.ie" } }),
      /exactly one of region or endpoint/,
    ],
    ["a path escaping the repository", (s) => ({ ...s, path: "flows/../.." }), /without '\.\.'/],
    ["a malformed interval", (s) => ({ ...s, interval: "ten minutes" }), /spec\.interval/],
  ];

  it.each(bad)("rejects %s, and zod rejects it too", async (_what, mutate, serverMessage) => {
    const spec = mutate(validSpec());
    const answer = await tryCreate("bad", spec);
    expect(answer.code).toBe(422);
    expect(answer.text).toMatch(serverMessage);
    expect(IvrPromotionSpecSchema.safeParse(spec).success).toBe(false);
  });
});
