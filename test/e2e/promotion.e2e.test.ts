import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AdminOrgSchema, startTestEmulator, type AdminOrg } from "../helpers/emulator.js";
import { CHART_DIR, helmBinary, runOk } from "../helpers/deploy-tools.js";
import { makeRepo } from "../helpers/git-repo.js";
import { startGitDaemon } from "../helpers/git-servers.js";
import { buildImageLayout } from "../helpers/image-layout.js";
import {
  envtestBinary,
  issueToken,
  kubeGet,
  startKubeApiServer,
  tokenKubeConfig,
} from "../helpers/kube-apiserver.js";
import { KIND_STACK } from "./kind-stack.js";
import { OperatorProcess, deploymentArgs, writeKubeconfig } from "./operator-process.js";
import {
  clientOf,
  createPromotion,
  eventsOf,
  exampleRepoFiles,
  exampleSeed,
  metricValue,
  waitForReady,
} from "./scenario.js";

/**
 * End to end, as a user meets the product: the chart is installed, a Secret and an IvrPromotion are
 * created, the examples/ flow set lands in the emulator's dev org, `kubectl get ivrpromotions` shows it
 * Ready, and /metrics reports it. Two ways to run the same test:
 *
 * - HERE (default, `npx vitest run --project e2e`): the Go-built kube-apiserver from
 *   test/envtest/build.sh; `helm install` of charts/ivr-promoter for real; the operator as a process
 *   running the image's `node dist/main.js` layout (production dependencies only) with the arguments
 *   of the installed Deployment and its ServiceAccount's token; the emulator and a git daemon on
 *   loopback ports.
 * - ON KIND (`IVR_E2E_KIND=1` and `KUBECONFIG`, set up by test/e2e/kind-e2e.sh): the image built by
 *   Docker and installed with the chart; the emulator and a git daemon run as Deployments in
 *   namespace ivr-e2e; the test reads the emulator and /metrics through the API server's service proxy.
 */

const KIND = process.env.IVR_E2E_KIND === "1";
const SYSTEM_NS = "ivr-promoter-system";

/** What the test needs from wherever the stack runs. */
interface Stack {
  kc: KubeConfig;
  gitUrl: string;
  emulatorUrl: string;
  emulatorOrg(name: string): Promise<AdminOrg>;
  metrics(): Promise<string>;
  diagnose(): string;
  /** `kubectl get ivrpromotions -A` output, where a kubectl is at hand. */
  kubectlGet?(): Promise<string>;
  close(): Promise<void>;
}

async function kindStack(): Promise<Stack> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const get = async (path: string) => {
    const res = await kubeGet(kc, path);
    if (res.status !== 200) throw new Error(`GET ${path} -> ${res.status}: ${res.body}`);
    return res.body;
  };
  return {
    kc,
    gitUrl: KIND_STACK.gitUrl,
    emulatorUrl: KIND_STACK.emulatorUrl,
    emulatorOrg: async (name) => {
      const state = z
        .object({ orgs: z.array(AdminOrgSchema) })
        .parse(JSON.parse(await get(`${KIND_STACK.emulatorProxy}/__admin/state`)));
      const org = state.orgs.find((o) => o.name === name);
      if (!org) throw new Error(`the emulator has no org ${name}`);
      return org;
    },
    metrics: () => get(KIND_STACK.metricsProxy),
    diagnose: () => "see `kubectl -n ivr-promoter-system logs deploy/ivr-promoter`",
    close: async () => {},
  };
}

async function localStack(): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), "ivr-e2e-"));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  };
  try {
    const api = await startKubeApiServer();
    cleanups.push(() => api.stop());
    const helmArgs = ["--kubeconfig", api.kubeconfigPath, "--namespace", SYSTEM_NS, "--create-namespace"];
    // The emulator listens on loopback over plain http: the admin must allow-list it (default: none).
    const allow = ["--set", "security.allowedEndpoints={http://127.0.0.1:*}"];
    await runOk(helmBinary(), ["install", "ivr-promoter", CHART_DIR, ...helmArgs, ...allow]);
    const deployment = await api.kubeConfig
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ namespace: SYSTEM_NS, name: "ivr-promoter" });
    const serviceAccount = deployment.spec?.template.spec?.serviceAccountName ?? "";
    const token = await issueToken(api.kubeConfig, SYSTEM_NS, serviceAccount);

    const image = await buildImageLayout();
    cleanups.push(() => image.cleanup());
    const emulator = await startTestEmulator(await exampleSeed());
    cleanups.push(() => emulator.close());
    const repo = await makeRepo(await exampleRepoFiles());
    cleanups.push(() => repo.cleanup());
    const git = await startGitDaemon(repo.root);
    cleanups.push(() => git.close());

    const operator = await OperatorProcess.start({
      args: deploymentArgs({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "ivr-promoter" },
        spec: deployment.spec,
      }),
      kubeconfigPath: await writeKubeconfig(
        tokenKubeConfig(api.kubeConfig, token),
        dir,
        "operator.kubeconfig",
      ),
      dir,
      podName: "ivr-promoter-e2e-0",
      podNamespace: SYSTEM_NS,
      image,
    });
    cleanups.push(() => operator.stop());
    return {
      kc: api.kubeConfig,
      gitUrl: git.url(repo.name),
      emulatorUrl: emulator.url,
      emulatorOrg: (name) => emulator.admin.org(name),
      metrics: async () => (await operator.get("/metrics")).body,
      diagnose: () => operator.log(),
      kubectlGet: () =>
        runOk(envtestBinary("kubectl"), ["--kubeconfig", api.kubeconfigPath, "get", "ivrpromotions", "-A"]),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

let stack: Stack;

beforeAll(async () => {
  stack = KIND ? await kindStack() : await localStack();
}, 600_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

describe(`IvrPromotion end to end (${KIND ? "kind" : "envtest + operator process"})`, () => {
  it("promotes examples/ into the dev org: Ready, flows published, event, kubectl row and metrics", async () => {
    const namespace = `e2e-${Date.now().toString(36)}`;
    const seed = await exampleSeed();
    const flows = Object.keys(await exampleRepoFiles()).filter((p) => p.startsWith("flows/")).length;
    await createPromotion(stack.kc, {
      namespace,
      name: "dev",
      gitUrl: stack.gitUrl,
      emulatorUrl: stack.emulatorUrl,
      client: clientOf(seed, "dev"),
    });

    const obj = await waitForReady(stack.kc, namespace, "dev", {
      timeoutMs: 300_000,
      diagnose: () => stack.diagnose(),
    });
    const revision = obj.status?.lastAppliedRevision ?? "";
    expect(revision).toMatch(/^main@sha1:[0-9a-f]{40}$/);
    const inventory = obj.status?.inventory ?? [];
    expect(inventory).toHaveLength(flows);

    // The org holds exactly what the status says was applied, published.
    const live = (await stack.emulatorOrg("dev")).flows.filter((f) => !f.deleted);
    for (const entry of inventory) {
      const flow = live.find((f) => f.id === entry.id);
      expect(flow?.name, entry.name).toBe(entry.name);
      expect(flow?.publishedVersion, entry.name).toBe(entry.publishedVersion);
    }

    const events = await eventsOf(stack.kc, namespace, "dev");
    expect(events.some((e) => e.type === "Normal" && e.reason === "Succeeded")).toBe(true);

    if (stack.kubectlGet) {
      const row = (await stack.kubectlGet()).split("\n").find((l) => l.startsWith(`${namespace} `));
      expect(row).toMatch(/\bdev\s+True\s+main@sha1:/);
    }

    const metrics = await stack.metrics();
    const ready = { namespace, name: "dev", type: "Ready", status: "True" };
    expect(metricValue(metrics, "ivr_promoter_reconcile_condition", ready)).toBe(1);
    expect(
      metricValue(metrics, "ivr_promoter_reconcile_total", { namespace, name: "dev", result: "success" }),
    ).toBeGreaterThanOrEqual(1);
  }, 600_000);
});
