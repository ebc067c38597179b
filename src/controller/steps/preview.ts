import type { V1ConfigMap } from "@kubernetes/client-node";
import { createHash } from "node:crypto";
import type { IvrPromotion, PendingPlan } from "../../api/ivr-promotion.js";
import { isWrite, type Plan } from "../../engine/model.js";
import type { RenderedFlow } from "../../flowset/flow-set.js";
import type { Logger } from "../../logger.js";
import { buildReport, renderForPreview } from "../../preview/load.js";
import type { FlowPreview, PreviewReport } from "../../preview/model.js";
import { renderPreviewMarkdown } from "../../preview/render-markdown.js";
import { scrub } from "../../redact.js";
import type { GitCheckout } from "../../source/index.js";
import { isStatus, type KubeApis } from "../kube-clients.js";

/**
 * The approval gate's preview: what the held plan changes in each flow since the last applied revision,
 * rendered masked (secret values as `<secret:KEY>`, never read for this). A per-flow line goes into
 * `status.pendingPlan.flows`; the whole Markdown preview (bounded like a pull-request comment) into
 * the ConfigMap `<name>-ivr-preview`, owned by the object, for `kubectl get configmap … -o jsonpath`.
 * Masked output holds no secret, so a ConfigMap (readable by the namespace's viewers) is the right home.
 */

const SUFFIX = "-ivr-preview";
const MAX_NAME = 253;
const MAX_FLOWS = 50;
/** Preview body bound: the Markdown renderer's own limit, far below a ConfigMap's 1 MiB. */
const MAX_CHARS = 65_536;

/** The preview ConfigMap's name, shortened with a hash when `<name>-ivr-preview` would be too long. */
export function previewConfigMapName(objectName: string): string {
  const name = `${objectName}${SUFFIX}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash("sha256").update(objectName).digest("hex").slice(0, 10);
  return `${objectName.slice(0, MAX_NAME - SUFFIX.length - hash.length - 1)}-${hash}${SUFFIX}`;
}

/** Inputs of {@link holdWithPreview}. */
export interface PreviewInput {
  apis: KubeApis;
  obj: IvrPromotion;
  plan: Plan;
  pending: PendingPlan;
  /** The checkout of the revision held for approval. */
  checkout: GitCheckout;
  /** The last applied revision's checkout, when there is one. */
  previous: () => Promise<GitCheckout | undefined>;
  /** Values to scrub from the text anyway (defence in depth: nothing secret is rendered). */
  knownSecrets: readonly string[];
  logger: Logger;
}

/**
 * Adds the per-flow summary to `pending` and writes the preview ConfigMap. A failure here is logged
 * and leaves the plan held without a preview: the approval gate must not depend on it.
 */
export async function holdWithPreview(input: PreviewInput): Promise<void> {
  const { obj, plan, pending } = input;
  try {
    const report = await previewReport(input);
    pending.flows = pendingFlows(plan, report);
    const name = previewConfigMapName(obj.metadata.name);
    const markdown = scrub(renderPreviewMarkdown(report, { limit: MAX_CHARS }), input.knownSecrets);
    await upsert(input.apis, configMap(obj, name, plan, markdown));
    pending.preview = name;
  } catch (err) {
    input.logger.warn({ err: scrub(String(err), input.knownSecrets) }, "approval preview not written");
  }
}

async function previewReport(input: PreviewInput): Promise<PreviewReport> {
  const { spec } = input.obj;
  const envs = [spec.environment];
  const head = await renderForPreview(input.checkout.dir, spec.path, envs);
  const previous = await input.previous().catch(() => undefined);
  const base: Map<string, RenderedFlow[]> = previous
    ? await renderForPreview(previous.dir, spec.path, envs).catch(() => new Map())
    : new Map();
  return buildReport(
    { base: previous?.commit ?? "(nothing applied yet)", head: input.checkout.commit, path: spec.path },
    base,
    head,
    envs,
  );
}

/** One line per flow the plan writes: its action, and its semantic changes in Git. */
export function pendingFlows(plan: Plan, report: PreviewReport): NonNullable<PendingPlan["flows"]> {
  const byKey = new Map<string, FlowPreview>();
  for (const f of report.environments[0]?.flows ?? []) byKey.set(`${f.type}/${f.name}`.toLowerCase(), f);
  return plan.actions
    .filter(isWrite)
    .slice(0, MAX_FLOWS)
    .map((a) => ({
      flow: a.key,
      action: a.kind,
      summary: clip(describe(a.kind, byKey.get(a.key.toLowerCase()))),
    }));
}

function describe(action: string, f: FlowPreview | undefined): string {
  if (action === "drifted") return "published outside Git; apply puts Git's content back";
  if (action === "prune") return "left the flow set; apply deletes it (prune)";
  if (!f) return "no change in Git since the last applied revision (values or org state differ)";
  if (f.status === "added") return "new flow";
  const parts = f.changes.map(
    (c) =>
      `${c.change === "added" ? "+" : c.change === "removed" ? "-" : "~"} ${c.kind} ${c.name}${c.where ? ` in ${c.where}` : ""}`,
  );
  const refs = f.references.map((r) => `${r.change === "added" ? "+" : "-"} ${r.kind} ${r.name}`);
  const head = f.status === "renamed" ? [`renamed from ${f.previousName ?? "?"}`] : [];
  return [...head, ...parts, ...refs].join("; ") || f.status;
}

function clip(text: string): string {
  return text.length > 512 ? `${text.slice(0, 511)}…` : text;
}

function configMap(obj: IvrPromotion, name: string, plan: Plan, markdown: string): V1ConfigMap {
  return {
    metadata: {
      name,
      namespace: obj.metadata.namespace ?? "",
      labels: { "app.kubernetes.io/managed-by": "ivr-promoter" },
      annotations: { "ivr.promoter.dev/plan-hash": plan.hash, "ivr.promoter.dev/revision": plan.revision },
      ownerReferences: [
        {
          apiVersion: obj.apiVersion ?? "ivr.promoter.dev/v1alpha1",
          kind: obj.kind ?? "IvrPromotion",
          name: obj.metadata.name,
          uid: obj.metadata.uid ?? "",
          controller: true,
        },
      ],
    },
    data: { "preview.md": markdown },
  };
}

/** Creates the ConfigMap, or replaces ours; one that is not controlled by this object is left alone. */
async function upsert(apis: KubeApis, body: V1ConfigMap): Promise<void> {
  const namespace = body.metadata!.namespace!;
  const name = body.metadata!.name!;
  const current = await apis.core.readNamespacedConfigMap({ name, namespace }).catch((err: unknown) => {
    if (isStatus(err, 404)) return undefined;
    throw err;
  });
  if (!current) {
    await apis.core.createNamespacedConfigMap({ namespace, body });
    return;
  }
  const uid = body.metadata!.ownerReferences![0]!.uid;
  if (!(current.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller)) {
    throw new Error(`ConfigMap ${namespace}/${name} exists and is not controlled by this IvrPromotion`);
  }
  await apis.core.replaceNamespacedConfigMap({
    name,
    namespace,
    body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } },
  });
}
