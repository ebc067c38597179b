import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AppsV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, helmBinary, run, type RunResult } from "../../helpers/deploy-tools.js";
import { envtestBinary, startKubeApiServer, type KubeApiServer } from "../../helpers/kube-apiserver.js";

/**
 * The README's Install section, run as written against a real kube-apiserver with the Go-built helm
 * and kubectl: every command of its `sh` blocks, plus the uninstall commands its text gives. Helm and
 * kustomize are alternatives, so each gets an API server of its own. The only change to a command is
 * `--kubeconfig` pointing at the test's server. Commands that need parts envtest does not have (a
 * kubelet, the namespace controller) are named below with the reason, so the list cannot shrink
 * silently: a README command that is neither run nor named fails the first test.
 */

/** Commands that cannot finish on an API server without nodes and controllers, and why. */
const NOT_HERE: Record<string, string> = {
  "kubectl -n ivr-promoter-system rollout status deployment/ivr-promoter":
    "waits for a Pod to become ready: envtest has no scheduler or kubelet (the kind e2e covers it)",
  "kubectl delete -k deploy/base":
    "waits for the Namespace to be finalized: envtest runs no namespace controller, so it would wait forever",
};

let section: string;
let helmApi: KubeApiServer;
let kustomizeApi: KubeApiServer;

beforeAll(async () => {
  const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  section = readme.slice(readme.indexOf("\n## Install\n"), readme.indexOf("\n## Walk-through"));
  [helmApi, kustomizeApi] = await Promise.all([startKubeApiServer(), startKubeApiServer()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([helmApi?.stop(), kustomizeApi?.stop()]);
});

/** The commands of the section's `sh` blocks, continuation lines joined, in order. */
function blockCommands(text: string): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks.flatMap((b) =>
    b
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter((l) => l !== "" && !l.startsWith("#")),
  );
}

/** The `kubectl …` commands the prose gives in backticks (uninstall). */
function proseCommands(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, "");
  return [...prose.matchAll(/`(kubectl [^`]+)`/g)].map((m) => m[1] ?? "");
}

/** Runs one README command with the project's helm or envtest kubectl against `api`. */
function runAs(command: string, api: KubeApiServer): Promise<RunResult> {
  const [tool, ...args] = command.split(/\s+/);
  const bin = tool === "helm" ? helmBinary() : tool === "kubectl" ? envtestBinary("kubectl") : undefined;
  if (!bin) throw new Error(`README Install command with an unknown tool: ${command}`);
  return run(bin, [...args, "--kubeconfig", api.kubeconfigPath], { cwd: REPO_ROOT });
}

describe("README Install section, as written", () => {
  it("runs or names every command it shows", () => {
    const all = [...blockCommands(section), ...proseCommands(section)];
    expect(all.length).toBeGreaterThanOrEqual(5);
    const ran = new Set([...helmCommands(), ...kustomizeCommands()]);
    for (const command of all) {
      expect(ran.has(command) || command in NOT_HERE, `not run nor named: ${command}`).toBe(true);
    }
  });

  it("With Helm: installs the operator with the image the command sets", async () => {
    const commands = helmCommands();
    expect(commands).toHaveLength(1);
    for (const command of commands) {
      const res = await runAs(command, helmApi);
      expect(res.code, `${command}\n${res.stderr}`).toBe(0);
    }
    const apps = helmApi.kubeConfig.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({
      namespace: "ivr-promoter-system",
      name: "ivr-promoter",
    });
    expect(deployment.spec?.template.spec?.containers[0]?.image).toBe(
      "ghcr.io/ivr-promoter/ivr-promoter:0.1.0",
    );
  }, 120_000);

  it("With kustomize: the base, the single-namespace example, and the uninstall's first step", async () => {
    const commands = kustomizeCommands();
    expect(commands).toEqual([
      "kubectl apply --server-side -k deploy/base",
      "kubectl create namespace ivr",
      "kubectl apply --server-side -k deploy/examples/single-namespace",
      "kubectl delete ivrpromotions --all -A",
    ]);
    for (const command of commands) {
      const res = await runAs(command, kustomizeApi);
      expect(res.code, `${command}\n${res.stderr}`).toBe(0);
    }
    const apps = kustomizeApi.kubeConfig.makeApiClient(AppsV1Api);
    const deployment = await apps.readNamespacedDeployment({
      namespace: "ivr-promoter-system",
      name: "ivr-promoter",
    });
    const env = deployment.spec?.template.spec?.containers[0]?.env ?? [];
    expect(env).toContainEqual(
      expect.objectContaining({ name: "IVR_PROMOTER_WATCH_NAMESPACES", value: "ivr" }),
    );
    const rbac = kustomizeApi.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const bindings = await rbac.listNamespacedRoleBinding({ namespace: "ivr" });
    expect(bindings.items.map((b) => b.roleRef.kind)).toContain("ClusterRole");
  }, 120_000);
});

function helmCommands(): string[] {
  return blockCommands(section).filter((c) => c.startsWith("helm "));
}

function kustomizeCommands(): string[] {
  return [...blockCommands(section), ...proseCommands(section)].filter(
    (c) => c.startsWith("kubectl ") && !(c in NOT_HERE),
  );
}
