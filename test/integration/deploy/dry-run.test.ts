import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiException, ApiextensionsV1Api, AppsV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CHART_DIR,
  REPO_ROOT,
  helmBinary,
  helmTemplate,
  kubectlApply,
  kustomizeBuild,
  only,
  parseManifests,
  run,
  type KubeObject,
} from "../../helpers/deploy-tools.js";
import { installCrds, startKubeApiServer, type KubeApiServer } from "../../helpers/kube-apiserver.js";

/**
 * The manifests as the API server sees them: `kubectl kustomize deploy/base` and the chart's output
 * for several values go through a server-side dry run (schema, strict field validation, admission),
 * and the chart is installed, upgraded and uninstalled for real with helm.
 */

const SYSTEM_NS = "ivr-promoter-system";
const WATCHED = ["team-a", "team-b"];
const MONITORING_CRDS = fileURLToPath(
  new URL("../../fixtures/deploy/prometheus-operator-crds.yaml", import.meta.url),
);

let api: KubeApiServer;

beforeAll(async () => {
  api = await startKubeApiServer();
  // ServiceMonitor and PrometheusRule need their CRDs (trimmed copies that keep the fields' types).
  await installCrds(api.kubeConfig, [MONITORING_CRDS]);
  // A dry run creates nothing, so namespaced objects need their namespaces to exist for real. The
  // base's own Namespace carries the restricted Pod Security labels, which every dry run below meets.
  const namespaces = [
    only(await kustomizeBuild(), "Namespace"),
    ...WATCHED.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })),
  ];
  const res = await kubectlApply(api.kubeconfigPath, namespaces);
  expect(res.code, res.stderr).toBe(0);
});

afterAll(async () => {
  await api?.stop();
});

/** A server-side dry run that must pass without warnings (e.g. "would violate PodSecurity"). */
async function dryRun(objects: KubeObject[]): Promise<string> {
  const res = await kubectlApply(api.kubeconfigPath, objects, { dryRun: true });
  expect(res.code, res.stderr).toBe(0);
  expect(res.stderr).toBe("");
  return res.stdout;
}

/** Every object is reported by kubectl as accepted in the dry run. */
function expectAllAccepted(stdout: string, objects: KubeObject[]): void {
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(objects.length);
  for (const line of lines) expect(line).toMatch(/\(server dry run\)$/);
}

describe("server-side dry run", () => {
  it("kubectl kustomize deploy/base", async () => {
    const objects = await kustomizeBuild();
    expect(objects.map((o) => o.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "CustomResourceDefinition",
      "Deployment",
      "Namespace",
      "Role",
      "RoleBinding",
      "Service",
      "ServiceAccount",
    ]);
    expect(
      objects
        .filter(
          (o) =>
            o.kind !== "Namespace" && !o.kind.startsWith("Cluster") && o.kind !== "CustomResourceDefinition",
        )
        .every((o) => o.metadata.namespace === SYSTEM_NS),
    ).toBe(true);
    expectAllAccepted(await dryRun(objects), objects);
  });

  it("deploy/examples/single-namespace: RoleBinding in the watched namespace, no cluster-wide grant", async () => {
    const objects = await kustomizeBuild(join(REPO_ROOT, "deploy/examples/single-namespace"));
    expect(objects.some((o) => o.kind === "ClusterRoleBinding")).toBe(false);
    const binding = objects.find((o) => o.kind === "RoleBinding" && o.metadata.namespace === "ivr");
    expect(binding?.roleRef).toMatchObject({ kind: "ClusterRole", name: "ivr-promoter" });
    const container = z
      .object({
        template: z.object({
          spec: z.object({
            containers: z.array(z.object({ env: z.array(z.looseObject({ name: z.string() })) })),
          }),
        }),
      })
      .parse(only(objects, "Deployment").spec).template.spec.containers[0];
    expect(container?.env.find((e) => e.name === "IVR_PROMOTER_WATCH_NAMESPACES")).toMatchObject({
      value: "ivr",
    });
    const ns = await kubectlApply(api.kubeconfigPath, [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "ivr" } },
    ]);
    expect(ns.code, ns.stderr).toBe(0);
    expectAllAccepted(await dryRun(objects), objects);
  });

  it("the chart with default values", async () => {
    const objects = await helmTemplate({ namespace: SYSTEM_NS });
    expectAllAccepted(await dryRun(objects), objects);
  });

  it("the chart with namespaces, sharding, ServiceMonitor and PrometheusRule", async () => {
    const objects = await helmTemplate({
      namespace: SYSTEM_NS,
      values: {
        watch: { namespaces: WATCHED, labelSelector: "tier=voice" },
        sharding: { shards: ["s1"] },
        serviceMonitor: { enabled: true },
        prometheusRule: { enabled: true },
        extraEnv: [{ name: "NODE_OPTIONS", value: "--max-old-space-size=384" }],
      },
    });
    expect(objects.some((o) => o.kind === "ServiceMonitor")).toBe(true);
    expect(objects.some((o) => o.kind === "PrometheusRule")).toBe(true);
    expectAllAccepted(await dryRun(objects), objects);
  });

  it("test/e2e/kind/stack.yaml: the kind e2e's emulator and git daemon", async () => {
    const text = await readFile(join(REPO_ROOT, "test/e2e/kind/stack.yaml"), "utf8");
    const objects = parseManifests(text.replaceAll("${IMAGE}", "ivr-promoter:e2e"));
    const namespace = await kubectlApply(api.kubeconfigPath, [only(objects, "Namespace")]);
    expect(namespace.code, namespace.stderr).toBe(0);
    expectAllAccepted(await dryRun(objects), objects);
  });

  it("reports a Deployment below the restricted Pod Security Standard", async () => {
    const objects = await helmTemplate({
      namespace: SYSTEM_NS,
      values: { podSecurityContext: { runAsNonRoot: false } },
    });
    const res = await kubectlApply(api.kubeconfigPath, objects, { dryRun: true });
    expect(res.stderr).toMatch(/would violate PodSecurity "restricted/);
    expect(res.stderr).toMatch(/runAsNonRoot != true/);
  });

  it("fails on what the API server rejects (strict field validation)", async () => {
    const objects = await helmTemplate({
      namespace: SYSTEM_NS,
      values: { extraEnv: [{ name: "X", valu: "misspelt" }] },
    });
    const res = await kubectlApply(api.kubeconfigPath, objects, { dryRun: true });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/env\[name="X"\]\.valu: field not declared in schema/);
  });
});

describe("helm install, upgrade and uninstall against the API server", () => {
  const helm = (...args: string[]) =>
    run(helmBinary(), [...args, "--kubeconfig", api.kubeconfigPath, "--namespace", SYSTEM_NS]);

  it("installs everything, narrows to RoleBindings on upgrade, keeps the CRD on uninstall", async () => {
    const install = await helm("install", "ivrp", CHART_DIR, "--set", "prometheusRule.enabled=true");
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain("kubectl get ivrpromotions -A"); // NOTES.txt
    const apps = api.kubeConfig.makeApiClient(AppsV1Api);
    const rbac = api.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await apps.readNamespacedDeployment({ namespace: SYSTEM_NS, name: "ivrp-ivr-promoter" });
    await rbac.readClusterRoleBinding({ name: "ivrp-ivr-promoter" });

    const upgrade = await helm(
      "upgrade",
      "ivrp",
      CHART_DIR,
      "--set",
      `watch.namespaces={${WATCHED.join(",")}}`,
    );
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(upgrade.stdout).toContain(`It watches IvrPromotions in: ${WATCHED.join(", ")}.`);
    expect(await status(() => rbac.readClusterRoleBinding({ name: "ivrp-ivr-promoter" }))).toBe(404);
    for (const namespace of WATCHED) {
      const binding = await rbac.readNamespacedRoleBinding({ namespace, name: "ivrp-ivr-promoter" });
      expect(binding.roleRef).toMatchObject({ kind: "ClusterRole", name: "ivrp-ivr-promoter" });
    }
    const deployment = await apps.readNamespacedDeployment({
      namespace: SYSTEM_NS,
      name: "ivrp-ivr-promoter",
    });
    expect(deployment.spec?.template.spec?.containers[0]?.args).toContain(
      `--namespaces=${WATCHED.join(",")}`,
    );

    const uninstall = await helm("uninstall", "ivrp");
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(
      await status(() => apps.readNamespacedDeployment({ namespace: SYSTEM_NS, name: "ivrp-ivr-promoter" })),
    ).toBe(404);
    const crd = await api.kubeConfig
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: "ivrpromotions.ivr.promoter.dev" });
    expect(crd.metadata?.deletionTimestamp).toBeUndefined();
  });
});

/** 200 when `read` succeeds, else the API status code. */
async function status(read: () => Promise<unknown>): Promise<number> {
  try {
    await read();
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}
