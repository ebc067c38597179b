import {
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GROUP, NAMES, VERSION, type IvrPromotion } from "../../../src/api/ivr-promotion.js";
import { JOURNAL_KEY, journalConfigMapName } from "../../../src/controller/journal-store.js";
import { flowKey } from "../../../src/engine/model.js";
import { issueToken, tokenKubeConfig } from "../../helpers/kube-apiserver.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { clientFor } from "../engine/fixture.js";
import {
  Cluster,
  OperatorProcess,
  TEST_TENANCY_ARGS,
  clientOf,
  credentialsSecret,
  exampleFiles,
  exampleSpec,
  isReady,
  liveFlows,
  ready,
  removeDir,
  startWorld,
  tempDir,
  type World,
} from "./harness.js";

/**
 * The tenancy model with real identities on a real kube-apiserver: the operator impersonates the
 * object's ServiceAccount (here its --default-service-account `promoter`) for Secrets and the journal,
 * and a tenant acts with its own token and RBAC: it may edit IvrPromotions and ConfigMaps in its
 * namespace, but not read Secrets.
 */

const SA = "promoter";
let cluster: Cluster;
let dir: string;
let world: World;
let operator: OperatorProcess;
let attackRepo: TestRepo;

beforeAll(async () => {
  dir = await tempDir("ivr-identity-");
  cluster = await Cluster.start();
  world = await startWorld();
  operator = await OperatorProcess.start(cluster.api.kubeconfigPath, {
    dir,
    logName: "identity.log",
    tenancyArgs: [...TEST_TENANCY_ARGS, `--default-service-account=${SA}`],
  });
  // A flow repository that names the org's own credentials Secret as a secret value of a flow.
  const files = await exampleFiles();
  const env = String(files["environments/dev.yaml"]);
  const [flowPath, flowText] = Object.entries(files).find(([p]) => p.startsWith("flows/voice/")) ?? ["", ""];
  attackRepo = await makeRepo({
    ...files,
    "environments/dev.yaml": `${env}\nsecretValues:\n  token:\n    secretKeyRef: { name: genesys-dev, key: clientSecret }\n`,
    [flowPath]: String(flowText).replace(/^( {2}description: )(.*)$/m, "$1$2 {{token}}"),
  });
});

afterAll(async () => {
  await operator?.stop();
  if (process.env.KEEP_OPERATOR_LOG) console.log(operator?.log());
  await attackRepo?.cleanup();
  await world?.close();
  await cluster?.stop();
  await removeDir(dir);
});

/** Grants `subject` a Role with `rules` in `namespace`. */
async function grant(namespace: string, name: string, rules: unknown[], subject: string): Promise<void> {
  const rbac = cluster.api.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules: rules as never } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name: subject, namespace }],
    },
  });
}

/** examples/tenancy/tenant-rbac.yaml's rules for the promoter ServiceAccount. */
async function tenantRole(namespace: string): Promise<void> {
  await grant(
    namespace,
    "ivr-promoter-tenant",
    [
      { apiGroups: [""], resources: ["secrets"], verbs: ["get", "create", "delete"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "update", "delete"] },
    ],
    SA,
  );
}

/** A tenant user: edits IvrPromotions and ConfigMaps of its namespace, cannot read Secrets. */
async function tenantUser(namespace: string): Promise<KubeConfig> {
  await grant(
    namespace,
    "team-editor",
    [
      { apiGroups: [GROUP], resources: [NAMES.plural], verbs: ["get", "list", "create", "patch", "update"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "update", "delete"] },
    ],
    "team-member",
  );
  return tokenKubeConfig(
    cluster.api.kubeConfig,
    await issueToken(cluster.api.kubeConfig, namespace, "team-member"),
  );
}

function failedWith(obj: IvrPromotion, text: string): boolean {
  return ready(obj)?.status === "False" && (ready(obj)?.message ?? "").includes(text);
}

describe("impersonation", () => {
  it("reads Secrets as the object's ServiceAccount: one it may not read is refused, saying who", async () => {
    const ns = await cluster.namespace("no-grant");
    await credentialsSecret(cluster, ns, world, "dev");
    await cluster.create(ns, "dev", exampleSpec(world, "dev"));
    const obj = await cluster.waitFor(ns, "dev", (o) => failedWith(o, "forbidden"));
    expect(ready(obj)?.message).toContain(
      `ServiceAccount ${ns}/${SA} may not read Secret ${ns}/genesys-dev (forbidden)`,
    );
    // Granting the account the tenant Role is all it takes: no change to the object.
    await tenantRole(ns);
    await cluster.annotate(ns, "dev", { "ivr.promoter.dev/requested-at": "granted" });
    await cluster.waitFor(ns, "dev", isReady);
  });

  it("an object whose ServiceAccount was never granted anything can still be deleted (prune off)", async () => {
    const ns = await cluster.namespace("never-granted");
    await credentialsSecret(cluster, ns, world, "dev");
    await cluster.create(ns, "dev", exampleSpec(world, "dev"));
    await cluster.waitFor(ns, "dev", (o) => failedWith(o, "forbidden"));
    await cluster.delete(ns, "dev");
    await cluster.waitGone(ns, "dev");
  });
});

describe("secret values", () => {
  it("a flow repository naming genesys-dev/clientSecret does not get it into a flow", async () => {
    const ns = await cluster.namespace("secret-values");
    await tenantRole(ns);
    await credentialsSecret(cluster, ns, world, "dev");
    const spec = exampleSpec(world, "dev", { source: { url: attackRepo.url, ref: { branch: "main" } } });
    await cluster.create(ns, "attack", spec);
    const obj = await cluster.waitFor(ns, "attack", (o) => failedWith(o, "secretValuesFrom"));
    expect(ready(obj)?.message).toContain(
      'declares secretValues "token" that spec.secretValuesFrom does not map',
    );
    const secret = clientOf(world.seed, "dev").secret;
    expect(JSON.stringify(await world.emulator.admin.org("dev"))).not.toContain(secret);

    // The object maps the key to a Secret it chose: that value, and only that, reaches the flow.
    await cluster.secret(ns, "crm", { token: "harmless-crm-token" });
    await cluster.patch(ns, "attack", {
      spec: { secretValuesFrom: [{ key: "token", secretKeyRef: { name: "crm", key: "token" } }] },
    });
    await cluster.waitFor(ns, "attack", isReady);
    const org = JSON.stringify(await world.emulator.admin.org("dev"));
    expect(org).toContain("harmless-crm-token");
    expect(org).not.toContain(secret);
  });
});

describe("a journal planted by a tenant", () => {
  it("with a forged ownerReference and a done create entry carrying another flow's id deletes nothing", async () => {
    const ns = await cluster.namespace("planted");
    await tenantRole(ns);
    await credentialsSecret(cluster, ns, world, "prod");
    const tenant = await tenantUser(ns);
    const objects = tenant.makeApiClient(CustomObjectsApi);
    const coords = { group: GROUP, version: VERSION, plural: NAMES.plural, namespace: ns };
    const body = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: NAMES.kind,
      metadata: { name: "prod" },
      spec: exampleSpec(world, "prod"),
    };
    await objects.createNamespacedCustomObject({ ...coords, body });
    const obj = await cluster.waitFor(ns, "prod", isReady);
    const before = await liveFlows(world, "prod");
    const [victim, other] = before;
    expect(victim && other).toBeTruthy();
    const org = await clientFor(world.emulator, clientOf(world.seed, "prod")).organization();

    // The tenant can read the object's UID, and may write ConfigMaps: it plants the journal.
    const core = tenant.makeApiClient(CoreV1Api);
    const name = journalConfigMapName("prod");
    const entry = (type: string, flowName: string) => ({
      key: flowKey(type, flowName),
      type,
      name: flowName,
      kind: "create",
      before: {},
      state: "done",
      flowId: victim?.id,
    });
    const journal = {
      planHash: "forged",
      revision: "main@sha1:0",
      target: `${org.name} (${org.id})`,
      startedAt: new Date().toISOString(),
      backedUp: [],
      // Under another flow's name (the victim's id does not match it), and under a name of no flow of ours.
      entries: [entry(other?.type ?? "", other?.name ?? ""), entry("INBOUNDCALL", "Not Ours")],
    };
    const owner = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: NAMES.kind,
      name: "prod",
      uid: obj.metadata.uid ?? "",
      controller: true,
    };
    await core.deleteNamespacedConfigMap({ namespace: ns, name }).catch(() => undefined);
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name, ownerReferences: [owner] },
        data: { [JOURNAL_KEY]: JSON.stringify(journal) },
      },
    });
    await cluster.annotate(ns, "prod", { "ivr.promoter.dev/requested-at": "planted" });
    const event = await cluster.waitForEvent(ns, "prod", "JournalIgnored", 60_000);
    expect(event.type).toBe("Warning");
    expect(event.message).toMatch(/ignored: (flow .* is .*, not this flow|the flow is neither)/);
    await cluster.waitFor(ns, "prod", (o) => isReady(o) && o.status?.lastHandledReconcileAt === "planted");
    const after = await liveFlows(world, "prod");
    expect(after.map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort());
  });
});

describe("deletion with approval", () => {
  it("prunes only after the deletion plan is approved like an apply", async () => {
    const ns = await cluster.namespace("approval");
    await tenantRole(ns);
    await credentialsSecret(cluster, ns, world, "dev");
    await cluster.create(
      ns,
      "doomed",
      exampleSpec(world, "dev", { prune: true, approval: { required: true } }),
    );
    const approve = async (check: (o: IvrPromotion) => boolean) => {
      const held = await cluster.waitFor(
        ns,
        "doomed",
        (o) => o.status?.pendingPlan !== undefined && check(o),
      );
      const hash = held.status?.pendingPlan?.planHash ?? "";
      await cluster.annotate(ns, "doomed", { "ivr.promoter.dev/approved-plan": hash });
      return hash;
    };
    // The first plan (the flows are there already, from the other objects into dev) may need approval too.
    const first = await cluster.waitFor(
      ns,
      "doomed",
      (o) => isReady(o) || o.status?.pendingPlan !== undefined,
    );
    if (!isReady(first)) await approve(() => true);
    const live = await cluster.waitFor(ns, "doomed", isReady);
    const inventory = live.status?.inventory ?? [];
    expect(inventory.length).toBeGreaterThan(0);

    await cluster.delete(ns, "doomed");
    const held = await cluster.waitFor(ns, "doomed", (o) =>
      (ready(o)?.message ?? "").startsWith("Deletion plan"),
    );
    expect(ready(held)).toMatchObject({ status: "False", reason: "AwaitingApproval" });
    expect(ready(held)?.message).toMatch(
      /^Deletion plan sha256:[0-9a-f]{8} awaits approval \(.*\), or set spec\.prune=false to orphan the flows$/,
    );
    expect(held.status?.pendingPlan?.summary.prune).toBe(inventory.length);
    await new Promise((r) => setTimeout(r, 1500));
    const ids = new Set((await liveFlows(world, "dev")).map((f) => f.id));
    expect(inventory.every((e) => ids.has(e.id))).toBe(true);

    await approve((o) => o.status?.pendingPlan?.planHash === held.status?.pendingPlan?.planHash);
    await cluster.waitGone(ns, "doomed");
    const after = new Set((await liveFlows(world, "dev")).map((f) => f.id));
    expect(inventory.some((e) => after.has(e.id))).toBe(false);
  });
});
