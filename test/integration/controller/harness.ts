import { EXAMPLES, exampleFiles } from "../../helpers/examples.js";
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
} from "@kubernetes/client-node";
import { CRD_FILE } from "../../../src/api/crd.js";
import {
  GROUP,
  IvrPromotionSchema,
  NAMES,
  VERSION,
  type IvrPromotion,
  type IvrPromotionSpecInput,
} from "../../../src/api/ivr-promotion.js";
import { loadSeedFile, type EmulatorSeed } from "../../../src/emulator/index.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { installCrds, startKubeApiServer, type KubeApiServer } from "../../helpers/kube-apiserver.js";

/**
 * Shared pieces of the reconciler integration tests: a real kube-apiserver with the CRD, the operator
 * as a separate process (`src/main.ts operator`), real emulators and real Git repositories holding the
 * examples/ flow set. Each test uses its own namespace, emulator and repository.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export { exampleFiles };

/** The examples/ emulator seed (orgs dev and prod), with `jobDurationMs` overridden when given. */
export async function exampleSeed(jobDurationMs?: number): Promise<EmulatorSeed> {
  const seed = await loadSeedFile(join(EXAMPLES, "emulator-seed.yaml"));
  if (jobDurationMs !== undefined) for (const org of seed.orgs ?? []) org.jobDurationMs = jobDurationMs;
  return seed;
}

/** The OAuth client of `org` in a seed. */
export function clientOf(seed: EmulatorSeed, org: string): { id: string; secret: string } {
  const client = seed.orgs?.find((o) => o.name === org)?.clients?.[0];
  if (!client) throw new Error(`seed has no client for org ${org}`);
  return { id: client.id, secret: client.secret };
}

/** The control plane plus typed helpers around IvrPromotions. */
export class Cluster {
  readonly objects: CustomObjectsApi;
  readonly core: CoreV1Api;

  private constructor(readonly api: KubeApiServer) {
    this.objects = api.kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = api.kubeConfig.makeApiClient(CoreV1Api);
  }

  static async start(): Promise<Cluster> {
    const api = await startKubeApiServer();
    await installCrds(api.kubeConfig, [join(ROOT, CRD_FILE)]);
    return new Cluster(api);
  }

  async namespace(name: string): Promise<string> {
    await this.core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  async secret(namespace: string, name: string, data: Record<string, string>): Promise<void> {
    await this.core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: data } });
  }

  private coords(namespace: string) {
    return { group: GROUP, version: VERSION, plural: NAMES.plural, namespace };
  }

  async create(
    namespace: string,
    name: string,
    spec: IvrPromotionSpecInput,
    labels?: Record<string, string>,
  ) {
    const body = { apiVersion: `${GROUP}/${VERSION}`, kind: NAMES.kind, metadata: { name, labels }, spec };
    await this.objects.createNamespacedCustomObject({ ...this.coords(namespace), body });
  }

  /** The object, parsed; undefined once it is gone. */
  async get(namespace: string, name: string): Promise<IvrPromotion | undefined> {
    try {
      const raw: unknown = await this.objects.getNamespacedCustomObject({ ...this.coords(namespace), name });
      return IvrPromotionSchema.parse(raw);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Merge-patches the object (spec or metadata). */
  async patch(namespace: string, name: string, body: unknown): Promise<void> {
    await this.objects.patchNamespacedCustomObject({ ...this.coords(namespace), name, body }, MERGE);
  }

  async annotate(namespace: string, name: string, annotations: Record<string, string>): Promise<void> {
    await this.patch(namespace, name, { metadata: { annotations } });
  }

  async delete(namespace: string, name: string): Promise<void> {
    await this.objects.deleteNamespacedCustomObject({ ...this.coords(namespace), name });
  }

  /** Polls the object until `check` returns true; on timeout, fails showing its last status. */
  async waitFor(
    namespace: string,
    name: string,
    check: (obj: IvrPromotion) => boolean,
    timeoutMs = 90_000,
  ): Promise<IvrPromotion> {
    const deadline = Date.now() + timeoutMs;
    let last: IvrPromotion | undefined;
    for (;;) {
      last = await this.get(namespace, name);
      if (last && check(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(
          `${namespace}/${name}: condition not met in ${timeoutMs} ms; last status: ${JSON.stringify(last?.status)}`,
        );
      }
      await sleep(250);
    }
  }

  async waitGone(namespace: string, name: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.get(namespace, name)) !== undefined) {
      if (Date.now() > deadline) throw new Error(`${namespace}/${name} still exists after ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  async events(namespace: string, name: string): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    return list.items;
  }

  /** Waits for an event about the object with `reason` (events are recorded just after the status patch). */
  async waitForEvent(
    namespace: string,
    name: string,
    reason: string,
    timeoutMs = 30_000,
  ): Promise<CoreV1Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.events(namespace, name)).find((e) => e.reason === reason);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${reason} event for ${namespace}/${name} in ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  async configMapExists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.core.readNamespacedConfigMap({ namespace, name });
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return false;
      throw err;
    }
  }

  stop(): Promise<void> {
    return this.api.stop();
  }
}

/** The Ready condition of an object. */
export function ready(obj: IvrPromotion) {
  return obj.status?.conditions?.find((c) => c.type === "Ready");
}

/** True when Ready=True for the object's current generation. */
export function isReady(obj: IvrPromotion): boolean {
  const r = ready(obj);
  return r?.status === "True" && obj.status?.observedGeneration === obj.metadata.generation;
}

/**
 * What the tests' operators must be allowed, explicitly (the default is the lockdown): the emulators
 * listen on loopback over plain http on ephemeral ports, and the repositories are file:// URLs.
 */
export const TEST_TENANCY_ARGS: readonly string[] = [
  "--allowed-endpoints=http://127.0.0.1:*",
  "--allow-local-git=true",
];

/** An operator process (`node --import tsx src/main.ts operator`) logging to a file. */
export class OperatorProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
    private readonly exited: Promise<void>,
  ) {}

  static async start(
    kubeconfig: string,
    options: {
      dir: string;
      labelSelector?: string;
      logName?: string;
      leaderElection?: { lease: string; identity: string };
      /** More operator flags (e.g. short leader-election timings). */
      extraArgs?: string[];
      /** Tenancy flags; default {@link TEST_TENANCY_ARGS} (the tests' emulators and file:// repositories). */
      tenancyArgs?: readonly string[];
    },
  ) {
    const logFile = join(options.dir, options.logName ?? "operator.log");
    const fd = openSync(logFile, "a");
    const args = [
      "--import",
      "tsx",
      join(ROOT, "src/main.ts"),
      "operator",
      "--kubeconfig",
      kubeconfig,
      ...(options.leaderElection
        ? [
            "--leader-elect=true",
            "--lease-name",
            options.leaderElection.lease,
            "--lease-namespace",
            "default",
          ]
        : ["--leader-elect=false"]),
      "--http-addr",
      "127.0.0.1:0",
      "--git-cache-dir",
      join(options.dir, "git-cache"),
      ...(options.labelSelector ? ["--label-selector", options.labelSelector] : []),
      ...(options.extraArgs ?? []),
      ...(options.tenancyArgs ?? TEST_TENANCY_ARGS),
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ["ignore", fd, fd],
      env: {
        ...process.env,
        IVR_PROMOTER_LOG_LEVEL: "debug",
        ...(options.leaderElection ? { POD_NAME: options.leaderElection.identity } : {}),
      },
    });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return new OperatorProcess(child, logFile, exited);
  }

  log(): string {
    return readFileSync(this.logFile, "utf8");
  }

  /** The text of /metrics (the address is printed on stdout once the HTTP server listens). */
  async metrics(): Promise<string> {
    const url = /metrics and probes on (http:\/\/\S+)/.exec(this.log())?.[1];
    if (!url) throw new Error(`operator has not printed its HTTP address yet:\n${this.log().slice(-2000)}`);
    const res = await fetch(`${url}/metrics`);
    return res.text();
  }

  /** SIGSTOP / SIGCONT: a process frozen (and resumed) without knowing it, like a long GC or a paused VM. */
  pause(): void {
    this.child.kill("SIGSTOP");
  }
  resume(): void {
    this.child.kill("SIGCONT");
  }

  /** SIGKILL: no cleanup of any kind, as when a node dies. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it does not exit within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A temp dir for operator logs and caches. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A test's own world: an emulator and a repository with the examples. */
export interface World {
  emulator: TestEmulator;
  repo: TestRepo;
  seed: EmulatorSeed;
  close(): Promise<void>;
}

/** Starts an emulator with the example seed and a repository holding the example flow set. */
export async function startWorld(options: { jobDurationMs?: number } = {}): Promise<World> {
  const seed = await exampleSeed(options.jobDurationMs ?? 20);
  const emulator = await startTestEmulator(seed);
  const repo = await makeRepo(await exampleFiles());
  return {
    emulator,
    repo,
    seed,
    close: async () => {
      await emulator.close();
      await repo.cleanup();
    },
  };
}

/** The spec of an IvrPromotion of the examples into `org` of the world's emulator. */
export function exampleSpec(
  world: World,
  env: "dev" | "prod",
  extra: Partial<IvrPromotionSpecInput> = {},
): IvrPromotionSpecInput {
  return {
    source: { url: world.repo.url, ref: { branch: "main" } },
    path: ".",
    environment: env,
    target: { endpoint: world.emulator.url, credentialsSecretRef: { name: `genesys-${env}` } },
    interval: "1h",
    retryInterval: "2s",
    ...extra,
  };
}

/** Creates the credentials Secret `genesys-<env>` for `org` in `namespace`. */
export async function credentialsSecret(
  cluster: Cluster,
  namespace: string,
  world: World,
  env: "dev" | "prod",
) {
  const client = clientOf(world.seed, env);
  await cluster.secret(namespace, `genesys-${env}`, { clientId: client.id, clientSecret: client.secret });
}

/** Flows of `org` in the emulator that are not deleted. */
export async function liveFlows(world: World, org: string) {
  return (await world.emulator.admin.org(org)).flows.filter((f) => !f.deleted);
}
