import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { REPO_ROOT, type KubeObject } from "../helpers/deploy-tools.js";
import { imageEnv, type ImageLayout } from "../helpers/image-layout.js";

/**
 * `ivr-promoter operator` as its own process, started with the arguments of a rendered Deployment
 * (chart or kustomize base), so what runs here is what the manifests say, minus what only a pod has:
 * the HTTP address becomes a free loopback port, the Git cache a temp dir, the in-cluster credentials a
 * kubeconfig file. The downward-API variables are set as the kubelet would set them.
 */

/** Writes `kc` (e.g. a ServiceAccount token kubeconfig) to `<dir>/<name>` with mode 0600. */
export async function writeKubeconfig(kc: KubeConfig, dir: string, name = "kubeconfig"): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}

/** The operator container's args of a Deployment object. */
export function deploymentArgs(deployment: KubeObject): string[] {
  const spec = deployment.spec as { template?: { spec?: { containers?: Array<{ args?: unknown }> } } };
  const args = spec.template?.spec?.containers?.[0]?.args;
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
    throw new Error(`Deployment ${deployment.metadata.name} has no container args`);
  }
  return args;
}

/** Options of {@link OperatorProcess.start}. */
export interface OperatorStart {
  /** Container args of the Deployment, starting with `operator`. */
  args: readonly string[];
  kubeconfigPath: string;
  /** Temp dir for the log file and the Git cache. */
  dir: string;
  podName: string;
  podNamespace: string;
  /** Run `node dist/main.js` of a built image layout (as the container does) instead of src/ with tsx. */
  image?: ImageLayout;
}

/** A running operator; its JSON log goes to a file shown when a test fails. */
export class OperatorProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
    readonly url: string,
    private readonly exited: Promise<void>,
  ) {}

  static async start(opts: OperatorStart): Promise<OperatorProcess> {
    const [command, ...rest] = opts.args;
    if (command !== "operator") throw new Error(`not an operator command line: ${opts.args.join(" ")}`);
    const podOnly = /^--(http-addr|git-cache-dir|kubeconfig)(=|$)/;
    const args = [
      ...rest.filter((a) => !podOnly.test(a)),
      "--kubeconfig",
      opts.kubeconfigPath,
      "--http-addr",
      "127.0.0.1:0",
      "--git-cache-dir",
      join(opts.dir, "git-cache"),
    ];
    const logFile = join(opts.dir, `${opts.podName}.log`);
    const fd = openSync(logFile, "a");
    const podEnv = {
      POD_NAME: opts.podName,
      POD_NAMESPACE: opts.podNamespace,
      IVR_PROMOTER_LOG_LEVEL: "debug",
      IVR_PROMOTER_WATCH_NAMESPACES: "",
    };
    const [entry, cwd, env] = opts.image
      ? [[opts.image.main], opts.image.dir, imageEnv(opts.image, podEnv)]
      : [["--import", "tsx", join(REPO_ROOT, "src/main.ts")], REPO_ROOT, { ...process.env, ...podEnv }];
    const child = spawn(process.execPath, [...entry, "operator", ...args], {
      cwd,
      stdio: ["ignore", "pipe", fd],
      env,
    });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const onExit = (code: number | null, signal: string | null) =>
        fail(new Error(`operator exited (${code ?? signal}) before it listened`));
      const timer = setTimeout(() => fail(new Error("no 'metrics and probes on' line within 60 s")), 60_000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(new Error(`${err.message}\n${tail(logFile)}`));
      };
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8");
        const match = /metrics and probes on (http:\/\/\S+)/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve(match[1]);
        }
      });
      child.once("exit", onExit);
    });
    child.stdout?.resume(); // keep draining: a full pipe would block the process
    return new OperatorProcess(child, logFile, url, exited);
  }

  /** The last lines of the log. */
  log(lines = 40): string {
    return tail(this.logFile, lines);
  }

  /** GET `<url><path>` (e.g. /metrics, /readyz). */
  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.url}${path}`);
    return { status: res.status, body: await res.text() };
  }

  /** SIGTERM, then SIGKILL after `graceMs`; safe to call twice. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
