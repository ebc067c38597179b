import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatFinding } from "../../../src/flowset/findings.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";
import { LayoutError } from "../../../src/flowset/layout-file.js";
import { flowsFolders } from "../../../src/flowset/layout-report.js";
import { loadRepoLayout } from "../../../src/flowset/layout.js";

const MANIFEST = "apiVersion: ivr.promoter.dev/v1alpha1\nkind: FlowSet\n";
const ENV = { "environments/dev.yaml": "values: {}\n" };

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "ivr-test-layout-files-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe("flow files: .yml and files left out", () => {
  it("reads a lone .yml flow with the default layout", async () => {
    const root = await tree({ ...ENV, "flows/main.yml": "inboundCall:\n  name: Main\n" });
    const layout = await loadRepoLayout(root, ".", "dev");
    expect(layout.files.map((f) => f.path)).toEqual(["flows/main.yml"]);
    expect(layout.layoutFindings).toEqual([]);
  });

  it("applies .yml next to .yaml files", async () => {
    const root = await tree({
      ...ENV,
      "flows/a.yaml": "inboundCall:\n  name: A\n",
      "flows/b.yml": "inboundCall:\n  name: B\n",
    });
    const layout = await loadRepoLayout(root, ".", "dev");
    expect(layout.files.map((f) => f.path)).toEqual(["flows/a.yaml", "flows/b.yml"]);
  });

  it("names the default layout, not a manifest that does not exist, when no flow is found", async () => {
    const root = await tree({ ...ENV, "flows/README.md": "# notes\n" });
    const err = await loadRepoLayout(root, ".", "dev").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayoutError);
    expect((err as Error).message).toBe(
      "flows: no flow files: without ivr-promoter.yaml the layout reads flows/**/*.{yaml,yml}, and nothing matches",
    );
  });

  it("reports every file under the flows folder that is left out, with the reason", async () => {
    const root = await tree({
      ...ENV,
      "ivr-promoter.yaml": `${MANIFEST}include: ["flows/**/*.yaml"]\nexclude: ["flows/old/**"]\nflows:\n  Skipped:\n    skip: true\n`,
      "flows/a.yaml": "inboundCall:\n  name: A\n",
      "flows/b.yml": "inboundCall:\n  name: B\n",
      "flows/old/c.yaml": "inboundCall:\n  name: C\n",
      "flows/s.yaml": "inboundCall:\n  name: Skipped\n",
      "flows/notes.txt": "not a flow\n",
      "README.md": "outside the flows folder: not reported\n",
    });
    const layout = await loadRepoLayout(root, ".", "dev");
    const set = buildFlowSet({ ...layout, environment: "dev" });
    const leftOut = set.findings.filter((f) => f.code === "FileLeftOut").map(formatFinding);
    expect(leftOut).toEqual([
      "flows/b.yml: warning FileLeftOut: not a flow of the set: matches no include glob (flows/**/*.yaml); it is neither linted nor promoted",
      "flows/notes.txt: warning FileLeftOut: not a flow of the set: not a YAML file (only .yaml and .yml files are read); it is neither linted nor promoted",
      "flows/old/c.yaml: warning FileLeftOut: not a flow of the set: excluded by the manifest (exclude: flows/old/**); it is neither linted nor promoted",
      "flows/s.yaml: warning FileLeftOut: not a flow of the set: the manifest marks it skip: true; it is neither linted nor promoted",
    ]);
  });

  it("derives the flows folders from the include globs", () => {
    expect(flowsFolders(["flows/**/*.yaml", "ivr/voice/*.yml", "*.yaml", "**/x.yaml"])).toEqual([
      "flows",
      "ivr/voice",
    ]);
  });
});

describe("per-flow values in the manifest", () => {
  const files = {
    "environments/dev.yaml": 'values:\n  flow_name: Shared\n  queue: "Q DEV"\n',
    "environments/prod.yaml": 'values:\n  flow_name: Shared\n  queue: "Q PROD"\n',
    "flows/a.yaml": 'inboundCall:\n  name: "{{flow_name}}"\n  description: "{{queue}}"\n',
    "flows/b.yaml": 'inboundCall:\n  name: "{{flow_name}}"\n',
  };
  const manifest = `${MANIFEST}flows:
  flows/a.yaml:
    values: { flow_name: Flow A }
    environments:
      prod: { values: { flow_name: Flow A PROD } }
  flows/b.yaml:
    values: { flow_name: Flow B, typo: x }
`;

  it.each([
    ["dev", ["Flow A", "Flow B"]],
    ["prod", ["Flow A PROD", "Flow B"]],
  ])("layers the flow's values over the environment's (%s)", async (env, names) => {
    const root = await tree({ ...files, "ivr-promoter.yaml": manifest });
    const layout = await loadRepoLayout(root, ".", env);
    const set = buildFlowSet({ ...layout, environment: env, valuesFile: layout.environment.file });
    expect(set.flows.map((f) => f.flow.name)).toEqual(names);
    expect(set.findings.filter((f) => f.code === "UnusedKey").map(formatFinding)).toEqual([
      'ivr-promoter.yaml: warning UnusedKey: per-flow value "typo" for flows/b.yaml is not used by that file (field flows.flows/b.yaml.values.typo)',
    ]);
  });

  it("names a key a flow uses that has a per-flow value here but no value in another environment", async () => {
    const root = await tree({
      "environments/dev.yaml": "values:\n  flow_name: Main\n",
      "environments/prod.yaml": "values:\n  flow_name: Main\nsecretValues: [token]\n",
      "environments/test.yaml": "values:\n  flow_name: Main\n  queue: Q TEST\n",
      "flows/a.yaml": 'inboundCall:\n  name: "{{flow_name}}"\n  description: "{{queue}} {{token}}"\n',
      "ivr-promoter.yaml": `${MANIFEST}flows:
  flows/a.yaml:
    environments:
      dev: { values: { queue: Q DEV, token: t } }
      prod: { values: { callback: Q CB } }
`,
    });
    const layout = await loadRepoLayout(root, ".", "dev");
    const set = buildFlowSet({ ...layout, environment: "dev", valuesFile: layout.environment.file });
    expect(set.findings.filter((f) => f.severity === "error")).toEqual([]);
    const gaps = set.findings.filter((f) => f.code === "UnknownKey" || f.code === "UnusedKey");
    expect(gaps.map(formatFinding).sort()).toEqual([
      'flows/a.yaml: warning UnknownKey: placeholder {{queue}} has a value in environment "dev" but none in environment "prod" (neither environments/prod.yaml nor the manifest\'s per-flow values for flows/a.yaml set it); promoting to "prod" would fail (field queue)',
      'flows/a.yaml: warning UnknownKey: placeholder {{token}} has a value in environment "dev" but none in environment "test" (neither environments/test.yaml nor the manifest\'s per-flow values for flows/a.yaml set it); promoting to "test" would fail (field token)',
      'ivr-promoter.yaml: warning UnusedKey: per-flow value "callback" for flows/a.yaml in environment "prod" is not used by that file (field flows.flows/a.yaml.environments.prod.values.callback)',
    ]);
    // The environment that lacks the value refuses it outright when it is the one rendered.
    const prod = await loadRepoLayout(root, ".", "prod", { token: "s3cret" });
    const prodSet = buildFlowSet({ ...prod, environment: "prod", valuesFile: prod.environment.file });
    expect(prodSet.findings.filter((f) => f.severity === "error").map((f) => [f.code, f.field])).toEqual([
      ["UnknownKey", "queue"],
    ]);
  });

  it("refuses per-flow values for an environment that does not exist", async () => {
    const root = await tree({
      ...files,
      "ivr-promoter.yaml": `${MANIFEST}flows:\n  flows/a.yaml:\n    environments:\n      prdo: { values: { x: y } }\n`,
    });
    const err = await loadRepoLayout(root, ".", "dev").catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'ivr-promoter.yaml: flows["flows/a.yaml"].environments.prdo: no such environment (environments/prdo.yaml)',
    );
  });
});
