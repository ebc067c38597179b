import { ApiException } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IvrPromotion, IvrPromotionSpecInput } from "../../../src/api/ivr-promotion.js";
import { startCaptureServer, type CaptureServer } from "../../helpers/capture-server.js";
import { startGitHttpServer, type GitHttpServer } from "../../helpers/git-servers.js";
import {
  Cluster,
  OperatorProcess,
  clientOf,
  credentialsSecret,
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
 * Tenant security, one attack per test, on a real kube-apiserver with the operator as a process.
 * Two operators split the objects by label: `strict` allow-lists only the emulator's exact origin
 * and file:// repositories, `http` the emulator, plain http (the loopback Git servers need it) and
 * cross-namespace refs, but not file://. The
 * attacker's servers are capture servers on loopback that record every request they get.
 */

const GIT_USER = "team-a-bot";
const GIT_TOKEN = "team-a-git-token-Do-Not-Leak";

let cluster: Cluster;
let dir: string;
let world: World;
let strict: OperatorProcess;
let http: OperatorProcess;
let capture: CaptureServer;

beforeAll(async () => {
  dir = await tempDir("ivr-tenancy-");
  cluster = await Cluster.start();
  world = await startWorld();
  capture = await startCaptureServer();
  const emulatorOrigin = `--allowed-endpoints=${world.emulator.url}`;
  const kubeconfig = cluster.api.kubeconfigPath;
  [strict, http] = await Promise.all([
    OperatorProcess.start(kubeconfig, {
      dir,
      logName: "strict.log",
      labelSelector: "tenancy=strict",
      // file:// on here, so a refused endpoint is not hidden behind a refused repository.
      tenancyArgs: [emulatorOrigin, "--allow-local-git=true"],
    }),
    OperatorProcess.start(kubeconfig, {
      dir,
      logName: "http.log",
      labelSelector: "tenancy=http",
      tenancyArgs: [emulatorOrigin, "--allow-insecure-http=true", "--allow-cross-namespace-refs=true"],
    }),
  ]);
});

afterAll(async () => {
  await strict?.stop();
  await http?.stop();
  if (process.env.KEEP_OPERATOR_LOG) console.log(strict?.log(), http?.log());
  await capture?.close();
  await world?.close();
  await cluster?.stop();
  await removeDir(dir);
});

const STRICT = { tenancy: "strict" };
const HTTP = { tenancy: "http" };

function stalled(obj: IvrPromotion): boolean {
  return obj.status?.conditions?.some((c) => c.type === "Stalled" && c.status === "True") ?? false;
}

async function gitSecret(ns: string, password = GIT_TOKEN) {
  await cluster.secret(ns, "git", { username: GIT_USER, password });
}

describe("where credentials may go", () => {
  it("refuses an endpoint that is not allow-listed: no request reaches it, not even for a token", async () => {
    const ns = await cluster.namespace("endpoint");
    await credentialsSecret(cluster, ns, world, "dev");
    const spec = exampleSpec(world, "dev", {
      target: { endpoint: capture.url, credentialsSecretRef: { name: "genesys-dev" } },
    });
    await cluster.create(ns, "exfil", spec, STRICT);
    const obj = await cluster.waitFor(ns, "exfil", stalled);
    expect(ready(obj)).toMatchObject({ status: "False", reason: "AccessDenied" });
    expect(ready(obj)?.message).toContain(`spec.target.endpoint ${capture.url} is not allowed`);
    expect(ready(obj)?.message).toContain("--allowed-endpoints");
    expect(capture.requests).toEqual([]);
    expect(JSON.stringify(obj.status)).not.toContain(clientOf(world.seed, "dev").secret);
  });

  it("refuses an http Git URL with credentials: the capture server gets nothing", async () => {
    const ns = await cluster.namespace("git-http");
    await credentialsSecret(cluster, ns, world, "dev");
    await gitSecret(ns);
    const spec = exampleSpec(world, "dev", {
      source: { url: `${capture.url}/team-b.git`, ref: { branch: "main" }, secretRef: { name: "git" } },
    });
    await cluster.create(ns, "cleartext", spec, STRICT);
    const obj = await cluster.waitFor(ns, "cleartext", stalled);
    expect(ready(obj)).toMatchObject({ status: "False", reason: "AccessDenied" });
    expect(ready(obj)?.message).toContain("--allow-insecure-http");
    expect(capture.requests).toEqual([]);
  });

  it("sends no Git credentials across a redirect to another host", async () => {
    const elsewhere = await startCaptureServer();
    const redirector = await startCaptureServer({ redirectTo: `http://localhost:${elsewhere.port}` });
    try {
      const ns = await cluster.namespace("git-redirect");
      await credentialsSecret(cluster, ns, world, "dev");
      await gitSecret(ns);
      const spec = exampleSpec(world, "dev", {
        source: { url: `${redirector.url}/flows.git`, ref: { branch: "main" }, secretRef: { name: "git" } },
      });
      await cluster.create(ns, "redirected", spec, HTTP);
      const obj = await cluster.waitFor(ns, "redirected", stalled);
      expect(ready(obj)).toMatchObject({ status: "False", reason: "AccessDenied" });
      expect(ready(obj)?.message).toContain("credentials never follow a redirect");
      expect(redirector.requests.length).toBeGreaterThan(0);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await redirector.close();
      await elsewhere.close();
    }
  });

  it("refuses file:// URLs by default", async () => {
    const ns = await cluster.namespace("git-file");
    await credentialsSecret(cluster, ns, world, "dev");
    await cluster.create(ns, "local", exampleSpec(world, "dev"), HTTP);
    const obj = await cluster.waitFor(ns, "local", stalled);
    expect(ready(obj)).toMatchObject({ status: "False", reason: "AccessDenied" });
    expect(ready(obj)?.message).toContain("--allow-local-git");
  });
});

describe("cached Git content is served only to those who can read it", () => {
  let git: GitHttpServer | undefined;
  afterAll(async () => git?.close());

  it("refuses another team's object naming a cached URL and commit, with wrong or no credentials", async () => {
    git = await startGitHttpServer(world.repo.root, { username: GIT_USER, password: GIT_TOKEN });
    const url = git.url(world.repo.name);
    const commit = await world.repo.head();
    const source = (secretRef?: { name: string }) => ({
      url,
      ref: { commit },
      ...(secretRef ? { secretRef } : {}),
    });
    const teamA = await cluster.namespace("team-a");
    await credentialsSecret(cluster, teamA, world, "dev");
    await gitSecret(teamA);
    await cluster.create(
      teamA,
      "flows",
      exampleSpec(world, "dev", { source: source({ name: "git" }) }),
      HTTP,
    );
    await cluster.waitFor(teamA, "flows", isReady); // the snapshot is in the operator's cache now

    const teamB = await cluster.namespace("team-b");
    await credentialsSecret(cluster, teamB, world, "prod");
    await gitSecret(teamB, "guessed-wrong");
    await cluster.create(teamB, "no-creds", exampleSpec(world, "prod", { source: source() }), HTTP);
    await cluster.create(
      teamB,
      "wrong-creds",
      exampleSpec(world, "prod", { source: source({ name: "git" }) }),
      HTTP,
    );
    for (const name of ["no-creds", "wrong-creds"]) {
      const obj = await cluster.waitFor(teamB, name, stalled);
      expect(ready(obj)).toMatchObject({ status: "False", reason: "SourceFailed" });
      expect(ready(obj)?.message).toMatch(/authentication failed/);
    }

    // The Git server is gone: the cache still holds the commit, and still serves nobody.
    await git.close();
    git = undefined;
    await cluster.create(teamB, "server-down", exampleSpec(world, "prod", { source: source() }), HTTP);
    const down = await cluster.waitFor(teamB, "server-down", (o) => ready(o)?.status === "False");
    expect(ready(down)?.reason).toBe("SourceFailed");
    expect(await liveFlows(world, "prod")).toEqual([]);
  });
});

describe("cross-namespace dependsOn", () => {
  it("is refused without saying anything about the other namespace", async () => {
    const other = await cluster.namespace("other-team");
    await cluster.create(other, "exists", exampleSpec(world, "dev"), { tenancy: "nobody" });
    const ns = await cluster.namespace("curious");
    await credentialsSecret(cluster, ns, world, "dev");
    const dependsOn = (name: string) => ({ dependsOn: [{ name, namespace: other }] });
    await cluster.create(ns, "probe-a", exampleSpec(world, "dev", dependsOn("exists")), STRICT);
    await cluster.create(ns, "probe-b", exampleSpec(world, "dev", dependsOn("missing")), STRICT);
    const [a, b] = [
      await cluster.waitFor(ns, "probe-a", stalled),
      await cluster.waitFor(ns, "probe-b", stalled),
    ];
    expect(ready(a)).toMatchObject({ status: "False", reason: "AccessDenied" });
    expect(ready(a)?.message).toBe(
      `spec.dependsOn[0]: a reference to namespace "${other}" is not allowed; ` +
        "the operator refuses cross-namespace references unless started with --allow-cross-namespace-refs",
    );
    // Same answer whether the object exists or not.
    expect(ready(b)?.message).toBe(ready(a)?.message);
  });

  it("is followed when the operator allows cross-namespace refs", async () => {
    const upstream = await cluster.namespace("upstream");
    await cluster.create(upstream, "exists", exampleSpec(world, "dev"), { tenancy: "nobody" });
    const ns = await cluster.namespace("trusting");
    await credentialsSecret(cluster, ns, world, "dev");
    const spec = exampleSpec(world, "dev", { dependsOn: [{ name: "exists", namespace: upstream }] });
    await cluster.create(ns, "waits", spec, HTTP);
    const obj = await cluster.waitFor(ns, "waits", (o) => ready(o)?.reason === "DependencyNotReady");
    expect(ready(obj)?.message).toContain("dependency upstream/exists is not ready");
  });
});

describe("spec bounds at admission", () => {
  async function refusal(spec: object): Promise<string> {
    const ns = "default";
    try {
      const name = `bounds-${Math.random().toString(36).slice(2, 8)}`;
      await cluster.create(ns, name, { ...exampleSpec(world, "dev"), ...spec } as IvrPromotionSpecInput);
    } catch (err) {
      if (err instanceof ApiException) return String(err.body);
      throw err;
    }
    throw new Error(`admitted: ${JSON.stringify(spec)}`);
  }

  it.each([
    [{ interval: "700h" }, "spec.interval", "must be between 10s and 24h"],
    [{ interval: "9999h" }, "spec.interval", "must be between 10s and 24h"],
    [{ interval: "0s" }, "spec.interval", "must be between 10s and 24h"],
    [{ timeout: "0s" }, "spec.timeout", "must be between 10s and 24h"],
    [{ retryInterval: "48h" }, "spec.retryInterval", "must be between 1s and 24h"],
  ])("refuses %j with a clear message", async (spec, field, message) => {
    const body = await refusal(spec);
    expect(body).toContain(field);
    expect(body).toContain(message);
    expect(body).not.toMatch(/evaluation error|no such key|duration\(|were not checked/);
  });

  it.each([
    ["spec.target.credentialsSecretRef", { target: { region: "eu-west-1" } }],
    ["spec.source.ref", { source: { url: "https://git.example.com/flows.git" } }],
    ["spec.path", { path: undefined }],
    ["spec.target", { target: undefined }],
  ])("says %s is missing in one line, without CEL noise", async (field, change) => {
    const body = await refusal(change);
    expect(body).toContain(`${field}: Required value: must be set`);
    expect(body).not.toMatch(/self\.|has\(|exists_one|x-kubernetes-validations/);
    expect(body).not.toContain("some validation rules were not checked");
  });
});
