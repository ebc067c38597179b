import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { ENVTEST_K8S_VERSION, envtestBinary } from "./kube-apiserver.js";

/**
 * The packaging tools the deploy tests drive: a real `helm` (test/envtest/build-helm.sh) and the
 * envtest `kubectl` (test/envtest/build.sh), whose `kubectl kustomize` is kustomize itself. Both are
 * built from Go modules and cached under ~/.cache/envtest-bins.
 */

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The Helm chart. */
export const CHART_DIR = join(REPO_ROOT, "charts", "ivr-promoter");
/** The kustomize base. */
export const KUSTOMIZE_BASE = join(REPO_ROOT, "deploy", "base");

/** A version pinned in build-helm.sh; read from the script so the two cannot drift apart. */
function pinned(name: "HELM" | "PROMETHEUS" | "BUILDKIT"): string {
  const script = readFileSync(join(REPO_ROOT, "test/envtest/build-helm.sh"), "utf8");
  const match = new RegExp(`^${name}=(\\d+\\.\\d+\\.\\d+)$`, "m").exec(script);
  if (!match?.[1]) throw new Error(`test/envtest/build-helm.sh: no ${name}=<version> line`);
  return match[1];
}

/** The helm version build-helm.sh builds. */
export const HELM_VERSION = pinned("HELM");
/** The Prometheus module version rulecheck is built against. */
export const PROMETHEUS_VERSION = pinned("PROMETHEUS");
/** The BuildKit module version dockerfile-check is built against. */
export const BUILDKIT_VERSION = pinned("BUILDKIT");

function cachedTool(dir: string, name: string): string {
  const root = process.env.ENVTEST_BIN_ROOT ?? join(homedir(), ".cache", "envtest-bins");
  const path = join(root, dir, name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `${name} not found at ${path}. Build it first: bash test/envtest/build-helm.sh ` +
        "(builds helm, rulecheck and dockerfile-check from the Go module proxy; minutes cold, cached afterwards).",
    );
  }
  return path;
}

/** Path of the helm binary; a clear "run build-helm.sh" error when it is missing. */
export function helmBinary(): string {
  return cachedTool(`helm-${HELM_VERSION}`, "helm");
}

/** Path of rulecheck (Prometheus's rule-file validation, test/envtest/rulecheck). */
export function rulecheckBinary(): string {
  return cachedTool(`rulecheck-${PROMETHEUS_VERSION}`, "rulecheck");
}

/** Path of dockerfile-check (BuildKit's Dockerfile front end and build checks, test/envtest/dockerfile-check). */
export function dockerfileCheckBinary(): string {
  return cachedTool(`dockerfile-check-${BUILDKIT_VERSION}`, "dockerfile-check");
}

/** What a finished command printed. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bin args` to completion; never rejects on a non-zero exit (the caller asserts on `code`). */
export function run(
  bin: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        cwd: opts.cwd ?? REPO_ROOT,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") return reject(err); // spawn failure or timeout
        resolve({ code: typeof err?.code === "number" ? err.code : 0, stdout, stderr });
      },
    );
  });
}

/** Like {@link run}, but a non-zero exit is an error carrying stderr. */
export async function runOk(bin: string, args: readonly string[], opts: Parameters<typeof run>[2] = {}) {
  const res = await run(bin, args, opts);
  if (res.code !== 0) {
    throw new Error(`${bin} ${args.join(" ")} exited ${res.code}:\n${res.stderr || res.stdout}`);
  }
  return res.stdout;
}

/** The fields of a Kubernetes object the tests look at; everything else passes through. */
export const KubeObjectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
});
/** A rendered manifest. */
export type KubeObject = z.infer<typeof KubeObjectSchema>;

/** Parses a multi-document YAML stream of manifests (empty documents skipped). */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`bad YAML in rendered manifests: ${doc.errors[0]?.message}`);
      return doc.toJS() as unknown;
    })
    .filter((obj) => obj !== null && obj !== undefined)
    .map((obj) => KubeObjectSchema.parse(obj));
}

/** Serialises objects back into one YAML stream (JSON documents are valid YAML). */
export function toManifestStream(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${JSON.stringify(o)}\n`).join("");
}

/** Options of {@link helmTemplate}. */
export interface TemplateOptions {
  release?: string;
  namespace?: string;
  /** Written to a values file (JSON is YAML) and passed with -f. */
  values?: unknown;
  /** The Kubernetes version the chart renders for (default: the envtest apiserver's). */
  kubeVersion?: string;
}

async function withValuesFile<T>(values: unknown, fn: (args: string[]) => Promise<T>): Promise<T> {
  if (values === undefined) return fn([]);
  const dir = await mkdtemp(join(tmpdir(), "helm-values-"));
  try {
    const file = join(dir, "values.yaml");
    await writeFile(file, JSON.stringify(values));
    return await fn(["-f", file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `helm template` of the chart; a failure (schema, `fail`, bad YAML) is returned, not thrown. */
export function helmTemplateRaw(opts: TemplateOptions = {}): Promise<RunResult> {
  return withValuesFile(opts.values, (valueArgs) =>
    run(helmBinary(), [
      "template",
      opts.release ?? "ivr-promoter",
      CHART_DIR,
      "--namespace",
      opts.namespace ?? "ivr-promoter-system",
      "--kube-version",
      opts.kubeVersion ?? ENVTEST_K8S_VERSION,
      ...valueArgs,
    ]),
  );
}

/** `helm template` of the chart, parsed. */
export async function helmTemplate(opts: TemplateOptions = {}): Promise<KubeObject[]> {
  const res = await helmTemplateRaw(opts);
  if (res.code !== 0) throw new Error(`helm template failed:\n${res.stderr}`);
  return parseManifests(res.stdout);
}

/** `helm lint --strict` of the chart with optional values. */
export function helmLint(values?: unknown): Promise<RunResult> {
  return withValuesFile(values, (valueArgs) =>
    run(helmBinary(), ["lint", CHART_DIR, "--strict", "--kube-version", ENVTEST_K8S_VERSION, ...valueArgs]),
  );
}

/** Runs rulecheck on a Prometheus rule file's content (`groups:`); a rejection is returned, not thrown. */
export async function rulecheck(groups: unknown): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), "rules-"));
  try {
    const file = join(dir, "rules.yaml");
    await writeFile(file, JSON.stringify({ groups }));
    return await run(rulecheckBinary(), [file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `kubectl kustomize <dir>`, parsed. */
export async function kustomizeBuild(dir = KUSTOMIZE_BASE): Promise<KubeObject[]> {
  return parseManifests(await runOk(envtestBinary("kubectl"), ["kustomize", dir]));
}

/** The one object of `kind` (and `name`, when given); throws when there is not exactly one. */
export function only(objects: readonly KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  }
  return found[0] as KubeObject;
}

/** Applies manifests with `kubectl apply --server-side` (optionally as a server-side dry run). */
export function kubectlApply(
  kubeconfigPath: string,
  objects: readonly KubeObject[],
  opts: { dryRun?: boolean; fieldManager?: string } = {},
): Promise<RunResult> {
  return withManifestFile(objects, (file) =>
    run(envtestBinary("kubectl"), [
      "--kubeconfig",
      kubeconfigPath,
      "apply",
      "--server-side",
      "--field-manager",
      opts.fieldManager ?? "ivr-promoter-tests",
      ...(opts.dryRun ? ["--dry-run=server"] : []),
      "-f",
      file,
    ]),
  );
}

async function withManifestFile<T>(objects: readonly KubeObject[], fn: (file: string) => Promise<T>) {
  const dir = await mkdtemp(join(tmpdir(), "manifests-"));
  try {
    const file = join(dir, "manifests.yaml");
    await writeFile(file, toManifestStream(objects));
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
