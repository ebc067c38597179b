import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { CRD_FILE } from "../../../src/api/crd.js";
import { deploymentArgs } from "../../e2e/operator-process.js";
import {
  CHART_DIR,
  REPO_ROOT,
  helmLint,
  helmTemplate,
  helmTemplateRaw,
  only,
  rulecheck,
  type KubeObject,
} from "../../helpers/deploy-tools.js";

/**
 * The Helm chart with a real helm (test/envtest/build-helm.sh): lint, and what `helm template` renders
 * for the values people will use. Applying the output to an API server is in dry-run.test.ts.
 */

const ALL_ON = {
  serviceMonitor: { enabled: true },
  prometheusRule: { enabled: true },
  watch: { namespaces: ["team-a", "team-b"], labelSelector: "tier=voice" },
  sharding: { shards: ["s1", "s2"] },
  networkPolicy: { enabled: true },
  tenants: [{ namespace: "team-a", serviceAccount: "ivr-promoter" }],
};

const of = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const names = (objects: KubeObject[]) => objects.map((o) => o.metadata.name).sort();
const argOf = (args: string[], flag: string) =>
  args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);

describe("helm lint", () => {
  it("passes --strict with the defaults and with every feature on", async () => {
    for (const values of [undefined, ALL_ON]) {
      const res = await helmLint(values);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });
});

describe("helm template", () => {
  it("defaults: one operator watching every namespace, CRD included and kept on uninstall", async () => {
    const objects = await helmTemplate();
    expect(of(objects, "Deployment")).toHaveLength(1);
    expect(of(objects, "ClusterRoleBinding")).toHaveLength(1);
    expect(of(objects, "RoleBinding").map((o) => o.metadata.namespace)).toEqual(["ivr-promoter-system"]);
    expect(of(objects, "ServiceMonitor")).toEqual([]);
    expect(of(objects, "PrometheusRule")).toEqual([]);
    const args = deploymentArgs(only(objects, "Deployment"));
    expect(args[0]).toBe("operator");
    expect(args).toContain("--leader-elect=true");
    expect(args.some((a) => a.startsWith("--namespaces") || a.startsWith("--label-selector"))).toBe(false);

    const crd = only(objects, "CustomResourceDefinition");
    expect(crd.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    // The rendered CRD is the generated one, plus the chart's labels and annotation.
    const generated = z
      .looseObject({ spec: z.unknown() })
      .parse(parse(readFileSync(join(REPO_ROOT, CRD_FILE), "utf8")));
    expect(crd.spec).toEqual(generated.spec);
  });

  it("tenancy: the lockdown by default; security.* and gitCache.* become the operator's flags", async () => {
    const defaults = deploymentArgs(only(await helmTemplate(), "Deployment"));
    expect(defaults).toEqual(
      expect.arrayContaining([
        "--allow-insecure-http=false",
        "--allow-local-git=false",
        "--allow-cross-namespace-refs=false",
        "--git-cache-quota=1536Mi",
        "--git-max-repo-size=256Mi",
        "--git-max-files=10000",
        "--git-max-file-size=16Mi",
      ]),
    );
    expect(defaults.some((a) => a.startsWith("--allowed-endpoints"))).toBe(false);
    const values = {
      security: {
        allowedEndpoints: ["https://api.example.com", "http://127.0.0.1:*"],
        allowInsecureHttp: true,
        allowCrossNamespaceRefs: true,
      },
      gitCache: { quota: "4Gi", sizeLimit: "5Gi" },
    };
    const args = deploymentArgs(only(await helmTemplate({ values }), "Deployment"));
    expect(argOf(args, "--allowed-endpoints")).toBe("https://api.example.com,http://127.0.0.1:*");
    expect(args).toEqual(
      expect.arrayContaining([
        "--allow-insecure-http=true",
        "--allow-cross-namespace-refs=true",
        "--git-cache-quota=4Gi",
      ]),
    );
  });

  it("a list of namespaces: one RoleBinding per namespace instead of the ClusterRoleBinding", async () => {
    const objects = await helmTemplate({ values: { watch: { namespaces: ["team-a", "team-b"] } } });
    expect(of(objects, "ClusterRoleBinding")).toEqual([]);
    const bindings = of(objects, "RoleBinding").filter(
      (b) => b.roleRef && (b.roleRef as { kind: string }).kind === "ClusterRole",
    );
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(["team-a", "team-b"]);
    expect(argOf(deploymentArgs(only(objects, "Deployment")), "--namespaces")).toBe("team-a,team-b");
  });

  it("sharding: one Deployment and Lease per shard, the main one takes unlabelled objects", async () => {
    const objects = await helmTemplate({
      values: { sharding: { shards: ["s1", "s2"] }, watch: { labelSelector: "tier=voice" } },
    });
    const deployments = of(objects, "Deployment");
    expect(names(deployments)).toEqual(["ivr-promoter", "ivr-promoter-s1", "ivr-promoter-s2"]);
    const byName = Object.fromEntries(deployments.map((d) => [d.metadata.name, deploymentArgs(d)]));
    expect(argOf(byName["ivr-promoter"] ?? [], "--label-selector")).toBe(
      "tier=voice,!ivr.promoter.dev/shard",
    );
    expect(argOf(byName["ivr-promoter-s1"] ?? [], "--label-selector")).toBe(
      "tier=voice,ivr.promoter.dev/shard=s1",
    );
    const leases = Object.values(byName).map((a) => argOf(a, "--lease-name"));
    expect(new Set(leases).size).toBe(3);
    // Each Lease is one the leader-election Role lets the operator renew.
    const role = only(objects, "Role");
    const named = z.array(z.object({ resourceNames: z.array(z.string()).optional() })).parse(role.rules);
    expect(named.flatMap((r) => r.resourceNames ?? []).sort()).toEqual([...leases].sort());
    // Deployments must not select each other's pods.
    const selectors = deployments.map((d) => JSON.stringify((d.spec as { selector: unknown }).selector));
    expect(new Set(selectors).size).toBe(3);
  });

  it("serviceMonitor and prometheusRule: scrape with honorLabels; the four alerts on the operator's metrics", async () => {
    const objects = await helmTemplate({ values: ALL_ON });
    const monitor = only(objects, "ServiceMonitor");
    const endpoints = (monitor.spec as { endpoints: Array<Record<string, unknown>> }).endpoints;
    expect(endpoints).toEqual([
      expect.objectContaining({ port: "http-metrics", path: "/metrics", honorLabels: true }),
    ]);
    const service = only(objects, "Service");
    const ports = (service.spec as { ports: Array<{ name: string }> }).ports;
    expect(ports.map((p) => p.name)).toContain("http-metrics");
    const monitorSelector = (monitor.spec as { selector: { matchLabels: Record<string, string> } }).selector;
    expect(service.metadata.labels).toMatchObject(monitorSelector.matchLabels);

    const rule = only(objects, "PrometheusRule");
    const groups = z
      .array(z.object({ rules: z.array(z.object({ alert: z.string(), expr: z.string(), for: z.string() })) }))
      .parse((rule.spec as { groups: unknown }).groups);
    const alerts = Object.fromEntries((groups[0]?.rules ?? []).map((r) => [r.alert, r]));
    expect(Object.keys(alerts).sort()).toEqual([
      "IvrPromotionAwaitingApproval",
      "IvrPromotionChangeWindowOverridden",
      "IvrPromotionNotReady",
      "IvrPromotionStalled",
      "IvrPromotionVerificationFailed",
    ]);
    expect(alerts.IvrPromotionNotReady?.expr).toContain(
      'ivr_promoter_reconcile_condition{type="Ready",status="False"}',
    );
    expect(alerts.IvrPromotionNotReady?.for).toBe("10m");
    expect(alerts.IvrPromotionStalled?.expr).toContain(
      'ivr_promoter_reconcile_condition{type="Stalled",status="True"}',
    );
    expect(alerts.IvrPromotionAwaitingApproval?.expr).toContain("ivr_promoter_awaiting_approval");
    expect(alerts.IvrPromotionVerificationFailed?.expr).toContain("ivr_promoter_verification_failed");
    expect(alerts.IvrPromotionVerificationFailed?.for).toBe("0m");
    expect(alerts.IvrPromotionChangeWindowOverridden?.expr).toContain(
      "ivr_promoter_change_window_overrides_total",
    );
    // Every metric an alert uses is one the operator exports (src/metrics.ts).
    const metricsSource = readFileSync(join(REPO_ROOT, "src/metrics.ts"), "utf8");
    for (const { expr } of Object.values(alerts)) {
      for (const metric of expr.match(/ivr_promoter_[a-z_]+/g) ?? []) {
        expect(metricsSource, metric).toContain(`name: "${metric}"`);
      }
    }
  });

  it("the alerts are valid Prometheus rules (PromQL, durations, annotation templates)", async () => {
    const groupsOf = (objects: KubeObject[]) =>
      (only(objects, "PrometheusRule").spec as { groups: unknown }).groups;
    const ok = await rulecheck(groupsOf(await helmTemplate({ values: ALL_ON })));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/SUCCESS: 5 rules found/);
    // The check can fail: a broken extra rule is reported with its PromQL error.
    const broken = await helmTemplate({
      values: {
        ...ALL_ON,
        prometheusRule: { enabled: true, additionalRules: [{ alert: "Broken", expr: "max by (x (y)" }] },
      },
    });
    const res = await rulecheck(groupsOf(broken));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/"Broken": could not parse expression/);
  });

  it("crds.install=false leaves the CRD out", async () => {
    const objects = await helmTemplate({ values: { crds: { install: false } } });
    expect(of(objects, "CustomResourceDefinition")).toEqual([]);
  });

  it("rejects bad values with the schema, and replicas > 1 without leader election", async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ replicas: "two" }, /replicas.*want integer|got string/],
      [{ watchNamespaces: ["a"] }, /additional properties 'watchNamespaces' not allowed/],
      [{ logLevel: "verbose" }, /logLevel/],
      [{ watch: { namespaces: ["Not_A_Namespace"] } }, /namespaces/],
      [{ sharding: { shards: ["main"] } }, /shards/],
      [
        { prometheusRule: { rules: { notReady: { enabled: true, for: "ten minutes", severity: "x" } } } },
        /for/,
      ],
      [{ replicas: 2, leaderElection: { enabled: false } }, /replicas > 1 needs leaderElection/],
      [{ security: { allowedEndpoints: ["api.example.com"] } }, /allowedEndpoints/],
      [{ security: { allowLocalGit: "yes" } }, /allowLocalGit/],
      [{ gitCache: { quota: "2GB" } }, /quota/],
    ];
    for (const [values, message] of cases) {
      const res = await helmTemplateRaw({ values });
      expect(res.code, JSON.stringify(values)).not.toBe(0);
      expect(res.stderr).toMatch(message);
    }
  });

  it("networkPolicy: off by default; on, egress only to DNS, the API server, Genesys on 443 and the Git hosts", async () => {
    expect(of(await helmTemplate(), "NetworkPolicy")).toEqual([]);
    const objects = await helmTemplate({
      values: {
        networkPolicy: {
          enabled: true,
          apiServer: { cidrs: ["10.96.0.1/32"], ports: [443] },
          genesys: { cidrs: ["52.0.0.0/8"] },
          git: [{ cidrs: ["140.82.112.0/20"], ports: [443, 22] }],
        },
      },
    });
    const np = only(objects, "NetworkPolicy");
    const spec = z
      .object({
        podSelector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
        policyTypes: z.array(z.string()),
        egress: z.array(
          z.object({
            to: z.array(z.object({ ipBlock: z.object({ cidr: z.string() }) })).optional(),
            ports: z.array(z.object({ protocol: z.string(), port: z.number() })),
          }),
        ),
      })
      .parse(np.spec);
    expect(spec.policyTypes).toEqual(["Egress"]);
    const deployment = only(objects, "Deployment");
    const podLabels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } })
      .template.metadata.labels;
    expect(podLabels).toMatchObject(spec.podSelector.matchLabels);
    const rules = spec.egress.map((e) => ({
      to: (e.to ?? []).map((t) => t.ipBlock.cidr),
      ports: e.ports.map((p) => `${p.protocol}/${p.port}`),
    }));
    expect(rules).toEqual([
      { to: [], ports: ["UDP/53", "TCP/53"] },
      { to: ["10.96.0.1/32"], ports: ["TCP/443"] },
      { to: ["52.0.0.0/8"], ports: ["TCP/443"] },
      { to: ["140.82.112.0/20"], ports: ["TCP/443", "TCP/22"] },
    ]);
    const bad = await helmTemplateRaw({ values: { networkPolicy: { git: [{ cidrs: [] }] } } });
    expect(bad.code).not.toBe(0);
  });

  it("ships values.yaml documented by its schema (every top-level key is in values.schema.json)", () => {
    const values = z
      .record(z.string(), z.unknown())
      .parse(parse(readFileSync(join(CHART_DIR, "values.yaml"), "utf8")));
    const schema = z
      .object({ properties: z.record(z.string(), z.unknown()) })
      .parse(JSON.parse(readFileSync(join(CHART_DIR, "values.schema.json"), "utf8")));
    for (const key of Object.keys(values)) expect(Object.keys(schema.properties)).toContain(key);
  });
});
