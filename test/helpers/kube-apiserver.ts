import { type ChildProcess, spawn } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { makeEnvtestCerts } from "./envtest-certs.js";
import { httpGet as get } from "./kube-client.js";

/**
 * A real kube-apiserver + etcd for integration tests, started the way controller-runtime's envtest
 * starts them (see /work/shared/reference/envtest-recipe.md §5–6): loopback only, random ports, a temp
 * dir per server, an admin client certificate in system:masters, RBAC on, no controllers.
 * Binaries come from test/envtest/build.sh (built from Go modules, cached under ~/.cache).
 */

/** The Kubernetes version build.sh pins; read from the script so the two cannot drift apart. */
export const ENVTEST_K8S_VERSION = (() => {
  const script = readFileSync(new URL("../envtest/build.sh", import.meta.url), "utf8");
  const match = /^K8S=(\d+\.\d+\.\d+)$/m.exec(script);
  if (!match?.[1]) throw new Error("test/envtest/build.sh: no K8S=<version> line");
  return match[1];
})();

/** Where the binaries are: $ENVTEST_BIN_DIR, else ~/.cache/envtest-bins/k8s-<version> (as build.sh writes). */
export function envtestBinDir(): string {
  const root = process.env.ENVTEST_BIN_ROOT ?? join(homedir(), ".cache", "envtest-bins");
  return process.env.ENVTEST_BIN_DIR ?? join(root, `k8s-${ENVTEST_K8S_VERSION}`);
}

/** Path of one envtest binary; throws a clear "run build.sh" error when it is missing. */
export function envtestBinary(name: "kube-apiserver" | "etcd" | "kubectl"): string {
  const path = join(envtestBinDir(), name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `${name} not found at ${path}. Build the test control plane first: bash test/envtest/build.sh ` +
        `(builds kube-apiserver, etcd and kubectl v${ENVTEST_K8S_VERSION} from the Go module proxy; a few minutes cold, cached afterwards).`,
    );
  }
  return path;
}

/** A running control plane. */
export interface KubeApiServer {
  /** kubeconfig file for the admin user (system:masters), e.g. for KUBECONFIG or kubectl. */
  kubeconfigPath: string;
  /** The same, loaded. */
  kubeConfig: KubeConfig;
  /** https://127.0.0.1:<port> */
  server: string;
  /** The temp dir holding certs, logs and etcd data (removed by stop). */
  dir: string;
  /** Stops kube-apiserver then etcd and removes `dir`; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Kills kube-apiserver (SIGKILL), keeps it down for `downMs`, and starts it again on the same port and
   * etcd: every client sees connection errors, then the same data (a control-plane restart).
   */
  restart(downMs?: number): Promise<void>;
}

/** Options for {@link startKubeApiServer}. */
export interface StartOptions {
  /** Budget for etcd + apiserver readiness; 2 shared cores need generous values. */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags, e.g. ["--feature-gates=..."]. */
  extraArgs?: string[];
}

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

/** Last resort when a test run dies without afterAll: no apiserver or etcd may outlive it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) killGroup(child, "SIGKILL");
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // detached: the pid is its own process group
  } catch {
    child.kill(signal);
  }
}

/** A port that was free a moment ago (envtest's addr.Suggest has the same small race; we retry on it). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function startProcess(bin: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, "a");
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Polls `probe` until it returns true; fails early (with the log tail) if `child` exits. */
async function waitUntil(
  what: string,
  child: ChildProcess,
  logFile: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(logFile)}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms (${last}):\n${tail(logFile)}`);
}

async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function kubeconfigYaml(server: string, ca: string, cert: string, key: string): string {
  const b64 = (file: string) => readFileSync(file).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: envtest\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${b64(ca)}`,
    "users:",
    `- name: admin\n  user:\n    client-certificate-data: ${b64(cert)}\n    client-key-data: ${b64(key)}`,
    "contexts:",
    "- name: envtest\n  context:\n    cluster: envtest\n    user: admin",
    "current-context: envtest",
    "",
  ].join("\n");
}

async function startOnce(dir: string, opts: StartOptions): Promise<KubeApiServer> {
  const timeoutMs = opts.startTimeoutMs ?? 120_000;
  const etcdBin = envtestBinary("etcd");
  const apiserverBin = envtestBinary("kube-apiserver");
  const certs = makeEnvtestCerts(dir);
  const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcdLog = join(dir, "etcd.log");
  const etcd = startProcess(
    etcdBin,
    [
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      "--unsafe-no-fsync=true", // test data: durability is not worth the fsync latency
      "--log-level=warn",
    ],
    etcdLog,
  );
  const server = `https://127.0.0.1:${securePort}`;
  const apiLog = join(dir, "apiserver.log");
  let apiserver: ChildProcess | undefined;
  let apiArgs: string[] = [];
  const stopAll = async () => {
    if (apiserver) await stopProcess(apiserver);
    await stopProcess(etcd);
  };
  try {
    await waitUntil(
      "etcd",
      etcd,
      etcdLog,
      timeoutMs,
      async () => (await get(`${etcdUrl}/health`)).status === 200,
    );
    apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${join(dir, "cert-dir")}`,
      `--tls-cert-file=${certs.serverCert}`,
      `--tls-private-key-file=${certs.serverKey}`,
      `--client-ca-file=${certs.caCert}`,
      `--secure-port=${securePort}`,
      "--bind-address=127.0.0.1",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      "--disable-admission-plugins=ServiceAccount", // no controller-manager creates default SAs
      "--authorization-mode=RBAC",
      `--service-account-issuer=${server}/`,
      `--service-account-key-file=${certs.saPublicKey}`,
      `--service-account-signing-key-file=${certs.saPrivateKey}`,
      "--profiling=false",
      ...(opts.extraArgs ?? []),
    ];
    apiserver = startProcess(apiserverBin, apiArgs, apiLog);
    const ca = readFileSync(certs.caCert);
    await waitUntil(
      "kube-apiserver",
      apiserver,
      apiLog,
      timeoutMs,
      async () => (await get(`${server}/readyz`, { ca })).status === 200,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  const kubeconfigPath = join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfigYaml(server, certs.caCert, certs.adminCert, certs.adminKey), {
    mode: 0o600,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= stopAll().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    }));
  const restart = async (downMs = 2_000) => {
    if (apiserver) {
      const child = apiserver;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      killGroup(child, "SIGKILL");
      await exited;
    }
    await new Promise((resolve) => setTimeout(resolve, downMs));
    const child = startProcess(apiserverBin, apiArgs, apiLog);
    apiserver = child;
    const ca = readFileSync(certs.caCert);
    await waitUntil(
      "kube-apiserver (restarted)",
      child,
      apiLog,
      timeoutMs,
      async () => (await get(`${server}/readyz`, { ca })).status === 200,
    );
  };
  return { kubeconfigPath, kubeConfig, server, dir, stop, restart };
}

/**
 * Starts etcd and kube-apiserver on free loopback ports and waits for /readyz.
 * Retries twice when a suggested port was taken in between (the only expected race).
 */
export async function startKubeApiServer(opts: StartOptions = {}): Promise<KubeApiServer> {
  installExitHook();
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "envtest-"));
    tempDirs.add(dir);
    try {
      return await startOnce(dir, opts);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
}

export { installCrds, issueToken, kubeGet, tokenKubeConfig } from "./kube-client.js";
