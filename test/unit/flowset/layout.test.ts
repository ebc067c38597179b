import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { LayoutError } from "../../../src/flowset/layout-file.js";
import { flowNameOf, loadRepoLayout, secretEnvName } from "../../../src/flowset/layout.js";
import { PathEscapeError } from "../../../src/source/errors.js";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "../../../examples");
const MANIFEST = "apiVersion: ivr.promoter.dev/v1alpha1\nkind: FlowSet\n";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes `files` under a fresh temp dir and returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "ivr-test-layout-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const BASIC = {
  "flows/main.yaml": "inboundCall:\n  name: Main Menu\n  division: Home\n",
  "flows/queue/in-queue.yaml": 'inqueueCall:\n  name: "{{prefix}}In Queue"\n',
  "flows/workflow.yaml": "workflow:\n    name: 'Callback'\n",
  "environments/dev.yaml": 'values:\n  prefix: "DEV "\n  retries: 3\n  enabled: true\n',
  "environments/prod.yaml":
    "description: Production\nvalues:\n  prefix: ''\n  retries: 5\n  enabled: false\n",
};

/** The error message of a rejected promise, asserting its class. */
async function layoutError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LayoutError);
  expect(err).toMatchObject({ code: "FlowSetLayout", reason: "Stalled" });
  return (err as LayoutError).message;
}

describe("loadRepoLayout on examples/", () => {
  it.each([
    ["dev", "Support - DEV", "prod"],
    ["prod", "Support - PROD", "dev"],
  ])("loads the %s environment", async (env, queue, other) => {
    const layout = await loadRepoLayout(EXAMPLES, ".", env);
    expect(layout.files.map((f) => f.path)).toEqual([
      "flows/bots/support-bot.yaml",
      "flows/messaging/support-messaging.yaml",
      "flows/modules/customer-lookup.yaml",
      "flows/voice/billing-ivr.yaml",
      "flows/voice/main-menu.yaml",
      "flows/voice/support-in-queue.yaml",
      "flows/workflows/callback-workflow.yaml",
    ]);
    expect(layout.values.support_queue).toBe(queue);
    expect(Object.keys(layout.otherEnvironments)).toEqual([other]);
    expect(layout.environment).toMatchObject({ name: env, file: `environments/${env}.yaml` });
    expect(layout.extraDependsOn).toEqual({
      "flows/voice/support-in-queue.yaml": [{ name: "Support Callback Workflow", type: "workflow" }],
    });
    expect(layout.manifest.include).toEqual(["flows/**/*.yaml"]);
  });
});

describe("loadRepoLayout", () => {
  it("uses the default manifest, stringifies values and never treats environment files as flows", async () => {
    const root = await tree({ ...BASIC, "flows/notes.md": "# not a flow\n" });
    const layout = await loadRepoLayout(root, "", "dev");
    expect(layout.files.map((f) => f.path)).toEqual([
      "flows/main.yaml",
      "flows/queue/in-queue.yaml",
      "flows/workflow.yaml",
    ]);
    expect(layout.values).toEqual({ prefix: "DEV ", retries: "3", enabled: "true" });
    expect(layout.otherEnvironments).toEqual({ prod: { prefix: "", retries: "5", enabled: "false" } });
    expect(layout.environment.description).toBeUndefined();
    expect(layout.manifest).toMatchObject({ include: ["flows/**/*.{yaml,yml}"], exclude: [], flows: {} });
    expect(layout.extraDependsOn).toEqual({});
  });

  it("applies include/exclude globs, skip and dependsOn keyed by file or by (rendered) flow name", async () => {
    const manifest = `${MANIFEST}include: ["flows/**/*.{yaml,yml}", "extra/*.yaml"]
exclude: ["flows/queue/**"]
flows:
  flows/main.yaml:
    dependsOn: [{ name: Callback }]
  main menu:
    dependsOn: [{ name: Other, type: INBOUNDCALL }]
  DEV Legacy:
    skip: true
`;
    const root = await tree({
      ...BASIC,
      "ivr-promoter.yaml": manifest,
      "flows/legacy.yml": "inboundCall:\n  name: '{{prefix}}Legacy'\n",
      "extra/other.yaml": "inboundCall:\n  # a comment\n  description: x\n  name: Other\n",
    });
    const layout = await loadRepoLayout(root, ".", "dev");
    expect(layout.files.map((f) => f.path)).toEqual([
      "extra/other.yaml",
      "flows/main.yaml",
      "flows/workflow.yaml",
    ]);
    expect(layout.skipped).toEqual(["flows/legacy.yml"]);
    expect(layout.extraDependsOn).toEqual({
      "flows/main.yaml": [{ name: "Callback" }, { name: "Other", type: "INBOUNDCALL" }],
    });
  });

  it("resolves secretValues from the secrets argument and keeps other environments' secrets out", async () => {
    const secretEnv =
      "values:\n  a: 1\nsecretValues:\n  api-key:\n    secretKeyRef: { name: crm, key: token }\n";
    const root = await tree({
      ...BASIC,
      "environments/dev.yaml": secretEnv,
      "environments/prod.yaml": secretEnv,
    });
    const layout = await loadRepoLayout(root, ".", "dev", { "api-key": "s3cret" });
    expect(layout.values).toEqual({ a: "1", "api-key": "s3cret" });
    expect(layout.otherEnvironments).toEqual({ prod: { a: "1" } });
    expect(secretEnvName("api-key")).toBe("IVR_SECRET_API_KEY");
  });

  it("takes secretValues as a list of keys too (Git names keys, never Secrets)", async () => {
    const root = await tree({ ...BASIC, "environments/dev.yaml": "secretValues: [api-key]\n" });
    const layout = await loadRepoLayout(root, ".", "dev", { "api-key": "s3cret" });
    expect(layout.values["api-key"]).toBe("s3cret");
  });

  it("names the flow path in messages when the layout is not at the repository root", async () => {
    const files = Object.fromEntries(Object.entries(BASIC).map(([p, t]) => [`ivr/${p}`, t]));
    const root = await tree(files);
    expect((await loadRepoLayout(root, "ivr", "prod")).environment.file).toBe("ivr/environments/prod.yaml");
    expect(await layoutError(loadRepoLayout(root, "ivr/", "staging"))).toBe(
      'ivr/environments/staging.yaml: unknown environment "staging": no such file (available: dev, prod)',
    );
  });

  it("refuses a flow path that leaves the repository", async () => {
    const root = await tree(BASIC);
    await expect(loadRepoLayout(root, "../..", "dev")).rejects.toBeInstanceOf(PathEscapeError);
  });
});

describe("loadRepoLayout errors name the file, line and field", () => {
  const flows = { "flows/main.yaml": BASIC["flows/main.yaml"] };
  it.each<[string, Record<string, string>, string, Record<string, string>?]>([
    [
      "no environments",
      flows,
      'environments/dev.yaml: unknown environment "dev": no such file (there are no environment files)',
    ],
    [
      "a bad environment file name",
      { ...flows, "environments/my env.yaml": "values: {}\n" },
      "environments/my env.yaml: environment names hold only letters, digits, - and _ (and start with a letter or digit)",
    ],
    [
      "invalid YAML",
      { ...flows, "environments/dev.yaml": "values:\n  a: 1\n  a: 2\n" },
      "environments/dev.yaml:3: invalid YAML: Map keys must be unique",
    ],
    [
      "a value that is not a scalar",
      { ...flows, "environments/dev.yaml": "values:\n  ok: x\n  queue:\n    - a\n" },
      "environments/dev.yaml:4: values.queue: must be a string, number or boolean",
    ],
    [
      "a value key that cannot be a placeholder",
      { ...flows, "environments/dev.yaml": "values:\n  bad key: x\n" },
      'environments/dev.yaml:2: values["bad key"]: key must start with a letter or _ and hold only letters, digits, _ . -',
    ],
    [
      "an unknown field",
      { ...flows, "environments/dev.yaml": "value:\n  a: 1\n" },
      'environments/dev.yaml:1: Unrecognized key: "value"',
    ],
    [
      // Either form (a list of keys, or the legacy map): the union reports at the field.
      "an incomplete legacy secretKeyRef",
      { ...flows, "environments/dev.yaml": "secretValues:\n  k:\n    secretKeyRef:\n      name: s\n" },
      "environments/dev.yaml:2: secretValues: Invalid input",
    ],
    [
      "a missing secret",
      {
        ...flows,
        "environments/dev.yaml": "secretValues:\n  crm.token:\n    secretKeyRef: { name: crm, key: token }\n",
      },
      "environments/dev.yaml: secretValues.crm.token: no value supplied (operator: spec.secretValuesFrom; CLI: environment variable IVR_SECRET_CRM_TOKEN)",
    ],
    [
      "a key in both values and secretValues",
      {
        ...flows,
        "environments/dev.yaml":
          "values: { k: x }\nsecretValues:\n  k: { secretKeyRef: { name: s, key: k } }\n",
      },
      "environments/dev.yaml: secretValues.k: also defined in values; keep one",
      { k: "y" },
    ],
    [
      "an alias bomb",
      {
        ...flows,
        "environments/dev.yaml": `a: &a [x,x,x,x,x,x,x,x]\nb: &b [${"*a,".repeat(20)}*a]\nc: [${"*b,".repeat(40)}*b]\n`,
      },
      "environments/dev.yaml: invalid YAML: Excessive alias count indicates a resource exhaustion attack",
    ],
    [
      "a wrong apiVersion",
      { ...BASIC, "ivr-promoter.yaml": "apiVersion: v1\nkind: FlowSet\n" },
      'ivr-promoter.yaml:1: apiVersion: Invalid input: expected "ivr.promoter.dev/v1alpha1"',
    ],
    [
      "an unknown manifest field",
      { ...BASIC, "ivr-promoter.yaml": `${MANIFEST}groups: []\n` },
      'ivr-promoter.yaml:1: Unrecognized key: "groups"',
    ],
    [
      "a glob leaving the flow path",
      { ...BASIC, "ivr-promoter.yaml": `${MANIFEST}include: ["../other/*.yaml"]\n` },
      "ivr-promoter.yaml:3: include[0]: must be relative to the flow path, without ..",
    ],
    [
      "an invalid glob",
      { ...BASIC, "ivr-promoter.yaml": `${MANIFEST}exclude: ["flows/{a,b.yaml"]\n` },
      "ivr-promoter.yaml:3: exclude[0]: is not a valid glob",
    ],
    [
      "globs matching nothing",
      { ...BASIC, "ivr-promoter.yaml": `${MANIFEST}include: ["ivr/**/*.yaml"]\n` },
      "ivr-promoter.yaml: include: no flow files match ivr/**/*.yaml",
    ],
    [
      "a bad dependsOn type",
      {
        ...BASIC,
        "ivr-promoter.yaml": `${MANIFEST}flows:\n  Main Menu:\n    dependsOn:\n      - { name: X, type: "in queue" }\n`,
      },
      'ivr-promoter.yaml:6: flows["Main Menu"].dependsOn[0].type: must be an Archy flow key (workflow) or an API flow type (WORKFLOW)',
    ],
    [
      "a flows key that matches nothing",
      { ...BASIC, "ivr-promoter.yaml": `${MANIFEST}flows:\n  Main Menu 2:\n    skip: true\n` },
      'ivr-promoter.yaml: flows["Main Menu 2"]: matches no flow file and no flow name',
    ],
  ])("reports %s", async (_label, files, message, secrets) => {
    const root = await tree(files);
    expect(await layoutError(loadRepoLayout(root, ".", "dev", secrets))).toBe(message);
  });
});

describe("flowNameOf", () => {
  it.each([
    ["inboundCall:\n  name: Main\n", "Main"],
    ['inboundCall:\n  name: "{{env}} Main"\n', "DEV Main"],
    ["workflow:\n    description: d\n    name: 'Four spaces'\n", "Four spaces"],
    ["botFlow:\n  settings:\n    name: nested\n  name: Top\n", "Top"],
    ["inboundCall:\n  name: {{missing}}\n", "{{missing}}"],
  ])("reads the name of %j", (text, name) => {
    expect(flowNameOf(text, { env: "DEV" })).toBe(name);
  });

  it("returns undefined without a top-level key or a name", () => {
    expect(flowNameOf("- just a list\n", {})).toBeUndefined();
    expect(flowNameOf("inboundCall:\n  description: x\nother:\n  name: y\n", {})).toBeUndefined();
  });
});
