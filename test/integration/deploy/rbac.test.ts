import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthorizationV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  clientOf,
  createPromotion,
  eventsOf,
  exampleRepoFiles,
  exampleSeed,
  waitForReady,
} from "../../e2e/scenario.js";
import { Annotation, GROUP, NAMES, VERSION } from "../../../src/api/ivr-promotion.js";
import { MERGE_PATCH } from "../../../src/controller/kube-clients.js";
import { OperatorProcess, deploymentArgs, writeKubeconfig } from "../../e2e/operator-process.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import {
  REPO_ROOT,
  helmTemplate,
  kubectlApply,
  kustomizeBuild,
  only,
  parseManifests,
  type KubeObject,
} from "../../helpers/deploy-tools.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { auditArgs, permissionKey, readAuditLog, usedPermissions } from "../../helpers/kube-audit.js";
import {
  issueToken,
  startKubeApiServer,
  tokenKubeConfig,
  type KubeApiServer,
} from "../../helpers/kube-apiserver.js";

/**
 * The RBAC of deploy/base, against a real kube-apiserver: (a) the ServiceAccount may do exactly what the
 * operator's code does and nothing wider (SelfSubjectAccessReview with its own token); (b) the operator,
 * run as that ServiceAccount with the Deployment's arguments, promotes the examples into the emulator
 * (Ready=True), and the audit log shows it was never refused and used every permission it was given.
 */

const SYSTEM_NS = "ivr-promoter-system";
const SA = "ivr-promoter";
const SA_USER = `system:serviceaccount:${SYSTEM_NS}:${SA}`;
const WATCHED = "team-a";
const LEASE = "ivr-promoter-leader-election";

/**
 * What the operator calls (src/controller: kube-clients.ts, credentials.ts, journal-store.ts, events.ts,
 * watch-scope.ts, lease.ts), as `verb group/resource[/subresource]`. Grants beyond this are a defect.
 */
const NEEDED_IN_WATCHED = [
  "get ivr.promoter.dev/ivrpromotions", // reconcile reads the object, dependsOn reads others
  "list ivr.promoter.dev/ivrpromotions", // watch: initial list and relists
  "watch ivr.promoter.dev/ivrpromotions",
  "patch ivr.promoter.dev/ivrpromotions", // finalizer (merge patch of metadata)
  "patch ivr.promoter.dev/ivrpromotions/status", // status (merge patch)
  "impersonate /serviceaccounts", // Secrets and the journal as the object's ServiceAccount
  "create /events", // an identical repeat: read it and bump its count
  "get /events",
  "patch /events",
];
/**
 * What the tenant's ServiceAccount (here the base's --default-service-account, `default`) is granted by
 * examples/tenancy/tenant-rbac.yaml's Role, and what the operator does as it (impersonation.ts).
 */
const TENANT_SA = "default";
const TENANT_USER = `system:serviceaccount:${WATCHED}:${TENANT_SA}`;
const NEEDED_AS_TENANT = [
  "get /secrets", // credentials, by name; the pre-run backup
  "create /secrets", // the pre-run backup of a run that updates flows
  "delete /secrets", // ... removed once the run is over
  "get /configmaps", // apply journal and write fence: read, create, conditional replace, delete
  "update /configmaps",
  "create /configmaps",
  "delete /configmaps",
];
const NEEDED_IN_SYSTEM = [
  "create coordination.k8s.io/leases",
  "create /events", // LeaderElection Events on the Lease
  "get /events",
  "patch /events",
];
const NEEDED_ON_LEASE = ["get coordination.k8s.io/leases", "update coordination.k8s.io/leases"];

/** Requests the operator must not be allowed. */
const DENIED: Array<[namespace: string, key: string, name?: string]> = [
  // No Secret or ConfigMap rights of its own: a tenant's are used only as the tenant.
  [WATCHED, "get /secrets"],
  [WATCHED, "create /secrets"],
  [WATCHED, "get /configmaps"],
  [WATCHED, "update /configmaps"],
  [WATCHED, "create /configmaps"],
  [WATCHED, "impersonate /users"],
  [WATCHED, "impersonate /groups"],
  [WATCHED, "list /secrets"],
  [WATCHED, "watch /secrets"],
  [WATCHED, "update /secrets"],
  [WATCHED, "delete ivr.promoter.dev/ivrpromotions"],
  [WATCHED, "create ivr.promoter.dev/ivrpromotions"],
  [WATCHED, "update ivr.promoter.dev/ivrpromotions"],
  [WATCHED, "list /configmaps"],
  [WATCHED, "list /pods"],
  [WATCHED, "create /pods"],
  [WATCHED, "create /serviceaccounts/token"],
  [WATCHED, "create apps/deployments"],
  [WATCHED, "create coordination.k8s.io/leases"],
  [SYSTEM_NS, "get coordination.k8s.io/leases", "kube-controller-manager"],
  [SYSTEM_NS, "delete coordination.k8s.io/leases", LEASE],
  [SYSTEM_NS, "list /secrets"],
  ["", "create apiextensions.k8s.io/customresourcedefinitions"],
  ["", "list /namespaces"],
  ["", "create rbac.authorization.k8s.io/clusterrolebindings"],
];

function parseKey(key: string) {
  const [verb = "", path = ""] = key.split(" ");
  const [group = "", resource = "", subresource] = path.split("/");
  return { verb, group, resource, subresource };
}

async function allowed(kc: KubeConfig, namespace: string, key: string, name?: string): Promise<boolean> {
  const { verb, group, resource, subresource } = parseKey(key);
  const review = await kc.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { namespace, verb, group, resource, subresource, name } } },
  });
  return review.status?.allowed === true;
}

let api: KubeApiServer;
let objects: KubeObject[];
let saKc: KubeConfig;
let dir: string;
let auditLog: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ivr-rbac-"));
  const audit = auditArgs(dir, [SA_USER]);
  auditLog = audit.logPath;
  // OwnerReferencesPermissionEnforcement: the journal ConfigMap carries an ownerReference, which this
  // plugin only allows to users who may delete the ConfigMap (and, with blockOwnerDeletion, update the
  // owner's finalizers). Many production clusters run it; envtest does not by default.
  api = await startKubeApiServer({
    extraArgs: [...audit.args, "--enable-admission-plugins=OwnerReferencesPermissionEnforcement"],
  });
  objects = await kustomizeBuild();
  const applied = await kubectlApply(api.kubeconfigPath, objects);
  expect(applied.code, applied.stderr).toBe(0);
  await kubectlApply(api.kubeconfigPath, [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: WATCHED } },
  ]);
  const tenant = await tenantRbac();
  const granted = await kubectlApply(api.kubeconfigPath, tenant);
  expect(granted.code, granted.stderr).toBe(0);
  saKc = tokenKubeConfig(api.kubeConfig, await issueToken(api.kubeConfig, SYSTEM_NS, SA));
});

afterAll(async () => {
  await api?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `verb group/resource` keys a Role's or ClusterRole's rules grant, split by whether they name objects. */
function grantedKeys(role: KubeObject): { any: string[]; named: string[] } {
  const rules = z
    .array(
      z.object({
        apiGroups: z.array(z.string()),
        resources: z.array(z.string()),
        resourceNames: z.array(z.string()).optional(),
        verbs: z.array(z.string()),
      }),
    )
    .parse(role.rules);
  const out = { any: [] as string[], named: [] as string[] };
  for (const rule of rules) {
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        for (const verb of rule.verbs)
          (rule.resourceNames ? out.named : out.any).push(`${verb} ${group}/${resource}`);
      }
    }
  }
  return out;
}

/** examples/tenancy/tenant-rbac.yaml's Role, bound to the `default` ServiceAccount of the watched namespace. */
async function tenantRbac(): Promise<KubeObject[]> {
  const example = parseManifests(
    await readFile(join(REPO_ROOT, "examples/tenancy/tenant-rbac.yaml"), "utf8"),
  );
  const role = only(example, "Role");
  const binding = only(example, "RoleBinding");
  return [
    { ...role, metadata: { ...role.metadata, namespace: WATCHED } },
    {
      ...binding,
      metadata: { ...binding.metadata, namespace: WATCHED },
      subjects: [{ kind: "ServiceAccount", name: TENANT_SA, namespace: WATCHED }],
    },
  ];
}

/** True when a ClusterRole's rules grant any of `verbs` on `resource` of the core group. */
function grantsCore(role: KubeObject, resource: string, verbs: readonly string[]): boolean {
  const { any, named } = grantedKeys(role);
  return [...any, ...named].some((k) => verbs.some((v) => k === `${v} /${resource}`));
}

describe("no cluster-wide Secret read or ConfigMap write (the chart and the kustomize base)", () => {
  const READ = ["get", "list", "watch"];
  const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
  it("the kustomize base's ClusterRole", () => {
    const role = only(objects, "ClusterRole");
    expect(grantsCore(role, "secrets", READ)).toBe(false);
    expect(grantsCore(role, "configmaps", WRITE)).toBe(false);
  });
  it("the chart's ClusterRole (default values: the lockdown's default ServiceAccount)", async () => {
    const chart = await helmTemplate();
    const role = only(chart, "ClusterRole");
    expect(grantsCore(role, "secrets", READ)).toBe(false);
    expect(grantsCore(role, "configmaps", WRITE)).toBe(false);
    expect(grantsCore(role, "serviceaccounts", ["impersonate"])).toBe(true);
    // A tenant namespace listed in values gets the tenant Role, in that namespace only.
    const tenants = await helmTemplate({
      values: { tenants: [{ namespace: "team-b", serviceAccount: "ivr" }] },
    });
    const tenantRole = tenants.find((o) => o.kind === "Role" && o.metadata.namespace === "team-b");
    expect(grantedKeys(tenantRole ?? only([], "Role")).any.sort()).toEqual([...NEEDED_AS_TENANT].sort());
  });
});

describe("deploy/base RBAC (a): access reviews as the operator's ServiceAccount", () => {
  it("grants exactly the operator's calls: the ClusterRole for watched namespaces, the Role for its Lease", () => {
    const cluster = grantedKeys(only(objects, "ClusterRole"));
    expect(cluster.named).toEqual([]);
    expect([...cluster.any].sort()).toEqual([...NEEDED_IN_WATCHED].sort());
    const role = only(objects, "Role");
    expect(role.metadata.namespace).toBe(SYSTEM_NS);
    const lease = grantedKeys(role);
    expect([...lease.any].sort()).toEqual([...NEEDED_IN_SYSTEM].sort());
    expect([...lease.named].sort()).toEqual([...NEEDED_ON_LEASE].sort());
    expect(
      z
        .array(z.object({ resourceNames: z.array(z.string()).optional() }))
        .parse(role.rules)
        .flatMap((r) => r.resourceNames ?? []),
    ).toEqual([LEASE]);
  });

  it("allows every call the operator makes", async () => {
    const refused: string[] = [];
    for (const key of NEEDED_IN_WATCHED) if (!(await allowed(saKc, WATCHED, key))) refused.push(key);
    for (const key of NEEDED_IN_SYSTEM) if (!(await allowed(saKc, SYSTEM_NS, key))) refused.push(key);
    for (const key of NEEDED_ON_LEASE) if (!(await allowed(saKc, SYSTEM_NS, key, LEASE))) refused.push(key);
    expect(refused).toEqual([]);
  });

  it("denies wider access: listing Secrets, deleting IvrPromotions, pods, other Leases, cluster objects", async () => {
    const granted: string[] = [];
    for (const [namespace, key, name] of DENIED) {
      if (await allowed(saKc, namespace, key, name))
        granted.push(`${key} in '${namespace}'${name ? ` (${name})` : ""}`);
    }
    expect(granted).toEqual([]);
  });
});

describe("deploy/base RBAC (b): the operator runs as its ServiceAccount", () => {
  let emulator: TestEmulator | undefined;
  let repo: TestRepo | undefined;
  let operator: OperatorProcess | undefined;

  afterAll(async () => {
    await operator?.stop();
    await emulator?.close();
    await repo?.cleanup();
  });

  it("promotes the examples to Ready=True, is never refused, and uses every permission it has", async () => {
    const seed = await exampleSeed();
    emulator = await startTestEmulator(seed);
    repo = await makeRepo(await exampleRepoFiles());
    operator = await OperatorProcess.start({
      // The emulator (http on loopback) and the file:// repository must be allowed explicitly.
      args: [
        ...deploymentArgs(only(objects, "Deployment")),
        "--allowed-endpoints=http://127.0.0.1:*",
        "--allow-local-git=true",
      ],
      kubeconfigPath: await writeKubeconfig(saKc, dir, "sa.kubeconfig"),
      dir,
      podName: "ivr-promoter-rbac-0",
      podNamespace: SYSTEM_NS,
    });
    const op = operator;
    const target = { namespace: WATCHED, gitUrl: repo.url, emulatorUrl: emulator.url };
    await createPromotion(api.kubeConfig, { ...target, name: "dev", client: clientOf(seed, "dev") });
    const obj = await waitForReady(api.kubeConfig, WATCHED, "dev", { diagnose: () => op.log() });
    expect(obj.status?.lastAppliedRevision).toMatch(/^main@sha1:[0-9a-f]{40}$/);
    const flows = (await emulator.admin.org("dev")).flows.filter((f) => !f.deleted);
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.every((f) => f.publishedVersion !== null)).toBe(true);

    // A new commit that changes a flow: the run backs up the pre-run content in a Secret and removes it
    // after the apply; deleting an object removes its journal ConfigMap.
    const files = await exampleRepoFiles();
    const [flowPath, flowText] = Object.entries(files).find(([p]) => p.startsWith("flows/")) ?? ["", ""];
    await repo.commit({ [flowPath]: String(flowText).replace(/^( {2}description: .*)$/m, "$1 (rbac)") });
    await annotateNow(api.kubeConfig, WATCHED, "dev");
    await poll("the new revision applied", async () => {
      const now = await waitForReady(api.kubeConfig, WATCHED, "dev", { diagnose: () => op.log() });
      return now.status?.lastAppliedRevision !== obj.status?.lastAppliedRevision;
    });
    await poll("the backup Secret created and deleted", async () => {
      const audit = readAuditLog(auditLog).filter((e) => e.objectRef?.resource === "secrets");
      return audit.some((e) => e.verb === "create") && audit.some((e) => e.verb === "delete");
    });

    // A promotion whose credentials Secret is missing fails the same way on every retry: the repeated
    // Warning is counted on the existing Event (get + patch), a path a healthy promotion never takes.
    await createPromotion(api.kubeConfig, {
      ...target,
      name: "no-secret",
      client: clientOf(seed, "dev"),
      createSecret: false,
    });
    await poll("a repeated Warning event counted twice", async () =>
      (await eventsOf(api.kubeConfig, WATCHED, "no-secret")).some((e) => (e.count ?? 0) >= 2),
    );
    // Deleting an object removes its journal ConfigMap (prune is off: its flows are orphaned).
    const custom = api.kubeConfig.makeApiClient(CustomObjectsApi);
    const coords = { group: GROUP, version: VERSION, plural: NAMES.plural, namespace: WATCHED };
    await custom.deleteNamespacedCustomObject({ ...coords, name: "no-secret" });
    await poll("the deleted object gone", async () =>
      custom.getNamespacedCustomObject({ ...coords, name: "no-secret" }).then(
        () => false,
        () => true,
      ),
    );
    await poll("a Lease renewal", async () =>
      readAuditLog(auditLog).some((e) => e.verb === "update" && e.objectRef?.resource === "leases"),
    );

    const events = readAuditLog(auditLog).filter((e) => e.user.username === SA_USER);
    const refused = events.filter((e) => e.responseStatus?.code === 403);
    expect(refused.map((e) => `${e.verb} ${e.objectRef?.resource} ${e.objectRef?.namespace}`)).toEqual([]);
    // Requests made as the tenant (Impersonate-User) are the tenant's permissions; the operator's own are
    // the rest, plus the impersonation itself.
    const asTenant = events.filter((e) => e.impersonatedUser !== undefined);
    expect(new Set(asTenant.map((e) => e.impersonatedUser?.username))).toEqual(new Set([TENANT_USER]));
    expect([...usedPermissions(asTenant)].sort()).toEqual([...NEEDED_AS_TENANT].sort());
    const own = events.filter((e) => e.impersonatedUser === undefined);
    const used = usedPermissions(own, ["selfsubjectaccessreviews"]);
    if (asTenant.length > 0) used.add("impersonate /serviceaccounts");
    const granted = new Set([...NEEDED_IN_WATCHED, ...NEEDED_IN_SYSTEM, ...NEEDED_ON_LEASE]);
    expect([...used].sort()).toEqual([...granted].sort());
  }, 300_000);
});

/** `ivr.promoter.dev/requested-at`: reconcile now rather than at the next interval. */
async function annotateNow(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      plural: NAMES.plural,
      namespace,
      name,
      body: { metadata: { annotations: { [Annotation.requestedAt]: new Date().toISOString() } } },
    },
    MERGE_PATCH,
  );
}

async function poll(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Keeps permissionKey's format and this file's table in one vocabulary. */
describe("permission keys", () => {
  it("format verb group/resource/subresource like the table", () => {
    expect(permissionKey("patch", "ivr.promoter.dev", "ivrpromotions", "status")).toBe(
      "patch ivr.promoter.dev/ivrpromotions/status",
    );
    expect(permissionKey("get", "", "secrets")).toBe("get /secrets");
  });
});
