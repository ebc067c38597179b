import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Annotation } from "../../../src/api/ivr-promotion.js";
import { COMMENT_MARKER } from "../../../src/preview/render-markdown.js";
import { envtestBinary } from "../../helpers/kube-apiserver.js";
import {
  Cluster,
  OperatorProcess,
  credentialsSecret,
  exampleFiles,
  exampleSpec,
  isReady,
  ready,
  removeDir,
  startWorld,
  tempDir,
  type World,
} from "./harness.js";

/**
 * The approval gate shows what it holds: `status.pendingPlan.flows` has a line per flow the plan writes,
 * and the ConfigMap `<name>-ivr-preview` (owned by the object) the whole masked preview, read with
 * kubectl. Against a real kube-apiserver, the operator process, the emulator and Git.
 */

const run = promisify(execFile);
let cluster: Cluster;
let operator: OperatorProcess;
let dir: string;
const worlds: World[] = [];

beforeAll(async () => {
  dir = await tempDir("ivr-approval-preview-");
  cluster = await Cluster.start();
  operator = await OperatorProcess.start(cluster.api.kubeconfigPath, { dir });
});
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});
afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
  if (process.env.KEEP_OPERATOR_LOG) console.log(operator?.log());
  await removeDir(dir);
});

/** Runs a README kubectl line (its single-quoted argument unquoted, as a shell would) in `ns`. */
async function kubectl(line: string, ns: string): Promise<string> {
  const args = [...line.matchAll(/(?:'[^']*'|[^\s'])+/g)]
    .map((m) => m[0].replace(/'([^']*)'/g, "$1"))
    .slice(1);
  const { stdout } = await run(envtestBinary("kubectl"), [
    ...args,
    "-n",
    ns,
    "--kubeconfig",
    cluster.api.kubeconfigPath,
  ]);
  return stdout;
}

async function preview(ns: string, name: string) {
  const cm = await cluster.core.readNamespacedConfigMap({ namespace: ns, name: `${name}-ivr-preview` });
  return cm;
}

describe("approval gate preview", () => {
  it("puts a per-flow summary in status.pendingPlan and the full preview in <name>-ivr-preview", async () => {
    const w = await startWorld();
    worlds.push(w);
    const ns = await cluster.namespace("approval-preview");
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "gated", exampleSpec(w, "dev", { approval: { required: true } }));

    // Nothing applied yet: every flow is new.
    const first = await cluster.waitFor(
      ns,
      "gated",
      (o) => ready(o)?.reason === "AwaitingApproval" && o.status?.pendingPlan?.preview !== undefined,
    );
    const pending = first.status!.pendingPlan!;
    expect(pending.preview).toBe("gated-ivr-preview");
    expect(pending.flows?.find((f) => f.flow === "INBOUNDCALL/Main Menu IVR")).toEqual({
      flow: "INBOUNDCALL/Main Menu IVR",
      action: "create",
      summary: "new flow",
    });
    const cm = await preview(ns, "gated");
    expect(cm.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "IvrPromotion",
      name: "gated",
      controller: true,
    });
    expect(cm.metadata?.annotations?.["ivr.promoter.dev/plan-hash"]).toBe(pending.planHash);
    expect(cm.data?.["preview.md"]?.startsWith(COMMENT_MARKER)).toBe(true);
    expect(cm.data?.["preview.md"]).toContain("| Main Menu IVR | INBOUNDCALL | 🟢 added |");

    await cluster.annotate(ns, "gated", { [Annotation.approvedPlan]: pending.planHash });
    await cluster.waitFor(ns, "gated", isReady);

    // A commit adding a menu choice: the preview compares it with the applied revision.
    const text = String((await exampleFiles())["flows/voice/main-menu.yaml"]);
    const sha = await w.repo.commit({
      "flows/voice/main-menu.yaml": text.replace(
        "          - menuDisconnect:\n              name: Disconnect",
        '          - menuTransferToAcd:\n              name: Callbacks\n              dtmf: digit_4\n              globalDtmf: false\n              globalSpeechRecTerms: false\n              targetQueue:\n                lit:\n                  name: "{{support_queue}}"\n          - menuDisconnect:\n              name: Disconnect',
      ),
    });
    await cluster.annotate(ns, "gated", { [Annotation.requestedAt]: "new-commit" });
    const held = await cluster.waitFor(
      ns,
      "gated",
      (o) =>
        o.status?.pendingPlan?.revision === `main@sha1:${sha}` && o.status.pendingPlan.preview !== undefined,
    );
    expect(held.status?.pendingPlan?.flows).toEqual([
      { flow: "INBOUNDCALL/Main Menu IVR", action: "update", summary: "+ choice Callbacks in Main Menu" },
    ]);
    const md = (await preview(ns, "gated")).data?.["preview.md"] ?? "";
    expect(md).toContain("| Main Menu IVR | INBOUNDCALL | 🟡 changed |");
    expect(md).toContain("- ➕ choice **Callbacks** in *Main Menu*");
    expect(md).toMatch(/```mermaid\nflowchart TD[\s\S]*4 · Callbacks"\]\):::added/);
    expect(md.length).toBeLessThanOrEqual(65_536);

    // The README's kubectl commands, as written (object name and namespace put in).
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    const commands = readme
      .split("\n")
      .filter(
        (l) =>
          l.startsWith("kubectl get ivrpromotion main-line") ||
          l.startsWith("kubectl get configmap main-line-ivr-preview"),
      );
    expect(commands).toHaveLength(2);
    const outputs = await Promise.all(commands.map((c) => kubectl(c.replaceAll("main-line", "gated"), ns)));
    expect(outputs[0]).toBe("update\tINBOUNDCALL/Main Menu IVR\t+ choice Callbacks in Main Menu\n");
    expect(outputs[1]).toBe(md);
  });
});
