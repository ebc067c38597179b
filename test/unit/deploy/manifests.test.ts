import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";
import { CRD_FILE } from "../../../src/api/crd.js";
import { parseOperatorArgs } from "../../../src/cli/operator-args.js";
import { EnvConfigSchema } from "../../../src/config.js";
import { LOCKDOWN } from "../../../src/controller/tenancy.js";

/**
 * The copies and duplicated facts between crds/, deploy/base and charts/ivr-promoter stay in step, and
 * the base Deployment has the hardening the operator relies on. (Rendering and applying them is in
 * test/integration/deploy.)
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const docs = (path: string) => parseAllDocuments(read(path)).map((d) => d.toJS() as unknown);

const Obj = z.looseObject({ kind: z.string(), metadata: z.looseObject({ name: z.string() }) });
const Rule = z.strictObject({
  apiGroups: z.array(z.string()),
  resources: z.array(z.string()),
  resourceNames: z.array(z.string()).optional(),
  verbs: z.array(z.string()),
});

const version = z.object({ version: z.string() }).parse(JSON.parse(read("package.json"))).version;

describe("copies of the IvrPromotion CRD", () => {
  const fixHint = (to: string) =>
    `${to} is behind ${CRD_FILE}; run: cp ${CRD_FILE} ${to} (after npm run gen:crds)`;
  for (const copy of ["deploy/base/crds", "charts/ivr-promoter/files"]) {
    it(`${copy} holds the generated CRD byte for byte`, () => {
      const to = `${copy}/${CRD_FILE.split("/").pop()}`;
      expect(read(to) === read(CRD_FILE), fixHint(to)).toBe(true);
    });
  }
});

describe("RBAC", () => {
  const baseRole = docs("deploy/base/rbac.yaml")
    .map((d) => Obj.parse(d))
    .find((d) => d.kind === "ClusterRole");
  const baseRules = z.array(Rule).parse(baseRole?.rules);
  const chartRules = z.array(Rule).parse(parse(read("charts/ivr-promoter/files/rbac-rules.yaml")));

  it("the chart and the kustomize base grant the same rules", () => {
    expect(chartRules).toEqual(baseRules);
  });

  it("never grants wildcards, Secrets or ConfigMaps (those are the tenant's, by impersonation), or pods", () => {
    for (const rule of baseRules) {
      expect(rule.verbs).not.toContain("*");
      expect(rule.resources).not.toContain("*");
      expect(rule.apiGroups).not.toContain("*");
      expect(rule.resources).not.toContain("pods");
      expect(rule.resources).not.toContain("secrets");
      expect(rule.resources).not.toContain("configmaps");
      if (rule.resources.includes("serviceaccounts")) expect(rule.verbs).toEqual(["impersonate"]);
    }
  });

  it("the tenant Role of examples/ is the chart's tenant rules: Secrets get/create/delete, no list or watch", () => {
    const tenantRules = z.array(Rule).parse(parse(read("charts/ivr-promoter/files/tenant-rules.yaml")));
    const example = docs("examples/tenancy/tenant-rbac.yaml")
      .map((d) => Obj.parse(d))
      .find((d) => d.kind === "Role");
    expect(z.array(Rule).parse(example?.rules)).toEqual(tenantRules);
    const secrets = tenantRules.find((r) => r.resources.includes("secrets"));
    expect(secrets?.verbs).toEqual(["get", "create", "delete"]);
  });

  it("the base Lease Role names the Lease the Deployment elects on", () => {
    const role = docs("deploy/base/leader-election-rbac.yaml")
      .map((d) => Obj.parse(d))
      .find((d) => d.kind === "Role");
    const named = z
      .array(Rule)
      .parse(role?.rules)
      .find((r) => r.resourceNames);
    const args = baseContainer().args;
    expect(args).toContain(`--lease-name=${named?.resourceNames?.[0]}`);
    expect(named?.verbs).toEqual(["get", "update"]);
  });
});

const Container = z.looseObject({
  image: z.string(),
  args: z.array(z.string()),
  env: z.array(z.looseObject({ name: z.string() })),
  securityContext: z.looseObject({}),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })),
  livenessProbe: z.looseObject({ httpGet: z.looseObject({ path: z.string() }) }),
  readinessProbe: z.looseObject({ httpGet: z.looseObject({ path: z.string() }) }),
  resources: z.looseObject({ requests: z.record(z.string(), z.string()) }),
});
const Deployment = z.looseObject({
  spec: z.looseObject({
    template: z.looseObject({
      spec: z.looseObject({
        securityContext: z.looseObject({}),
        containers: z.array(Container).length(1),
        volumes: z.array(z.looseObject({ name: z.string(), emptyDir: z.looseObject({}).optional() })),
      }),
    }),
  }),
});
const baseDeployment = () => Deployment.parse(parse(read("deploy/base/deployment.yaml")));
const baseContainer = () => baseDeployment().spec.template.spec.containers[0] as z.infer<typeof Container>;

describe("the base Deployment", () => {
  it("is hardened: non-root, read-only root, no capabilities, RuntimeDefault seccomp", () => {
    const pod = baseDeployment().spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(baseContainer().securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("probes /healthz and /readyz, and has resource requests", () => {
    const c = baseContainer();
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(Object.keys(c.resources.requests).sort()).toEqual(["cpu", "memory"]);
  });

  it("gets its identity from the downward API and writes only to emptyDir volumes", () => {
    const c = baseContainer();
    const env = Object.fromEntries(c.env.map((e) => [e.name, e]));
    expect(env.POD_NAME).toMatchObject({ valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    expect(env.POD_NAMESPACE).toMatchObject({ valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
    const volumes = baseDeployment().spec.template.spec.volumes;
    for (const mount of c.volumeMounts) {
      expect(volumes.find((v) => v.name === mount.name)?.emptyDir, mount.name).toBeDefined();
    }
    const mounted = c.volumeMounts.map((m) => m.mountPath);
    expect(mounted).toContain("/tmp"); // HOME in the image
    const cacheArg = c.args.find((a) => a.startsWith("--git-cache-dir="));
    expect(mounted).toContain(cacheArg?.slice("--git-cache-dir=".length));
  });
});

describe("tenancy defaults", () => {
  it("the base spells out the lockdown with the operator's own defaults, and the chart's values agree", () => {
    const args = baseContainer().args;
    const tenancy = parseOperatorArgs(args.slice(1), EnvConfigSchema.parse({})).tenancy;
    // The lockdown, plus Flux's default ServiceAccount: objects without one run as a powerless identity.
    expect(tenancy).toEqual({ ...LOCKDOWN, defaultServiceAccount: "default" });
    for (const flag of ["--allow-insecure-http", "--allow-local-git", "--allow-cross-namespace-refs"]) {
      expect(args).toContain(`${flag}=false`);
    }
    expect(args.some((a) => a.startsWith("--allowed-endpoints"))).toBe(false);
    const values = z
      .object({
        gitCache: z.object({
          sizeLimit: z.string(),
          quota: z.string(),
          maxRepoSize: z.string(),
          maxFiles: z.number(),
          maxFileSize: z.string(),
        }),
        security: z.object({
          allowedEndpoints: z.array(z.string()),
          allowInsecureHttp: z.boolean(),
          allowLocalGit: z.boolean(),
          allowCrossNamespaceRefs: z.boolean(),
          defaultServiceAccount: z.string(),
        }),
      })
      .parse(parse(read("charts/ivr-promoter/values.yaml")));
    expect(values.security).toEqual({
      allowedEndpoints: [],
      allowInsecureHttp: false,
      allowLocalGit: false,
      allowCrossNamespaceRefs: false,
      defaultServiceAccount: "default",
    });
    for (const [flag, value] of [
      ["--git-cache-quota", values.gitCache.quota],
      ["--git-max-repo-size", values.gitCache.maxRepoSize],
      ["--git-max-files", String(values.gitCache.maxFiles)],
      ["--git-max-file-size", values.gitCache.maxFileSize],
    ]) {
      expect(args).toContain(`${flag}=${value}`);
    }
  });
});

describe("versions", () => {
  it("the chart's appVersion and the base's image tag are the package version", () => {
    const chart = z.object({ appVersion: z.string() }).parse(parse(read("charts/ivr-promoter/Chart.yaml")));
    expect(chart.appVersion).toBe(version);
    const kustomization = z
      .object({ images: z.array(z.object({ name: z.string(), newTag: z.string() })) })
      .parse(parse(read("deploy/base/kustomization.yaml")));
    expect(kustomization.images.map((i) => i.newTag)).toEqual([version]);
    expect(baseContainer().image).toBe(`${kustomization.images[0]?.name}:${version}`);
  });
});
