import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { envtestBinDir } from "../../helpers/kube-apiserver.js";
import {
  Cluster,
  OperatorProcess,
  exampleFiles,
  exampleSeed,
  ready,
  removeDir,
  tempDir,
} from "../controller/harness.js";

/**
 * The README's walk-through, run with kubectl against a real kube-apiserver and the operator as a
 * process. Its shell blocks run as written, except the two things that cannot be reached from here,
 * replaced and named: the OAuth placeholders (`<oauth client id>` is the emulator's client) and, in the
 * IvrPromotion, the GitHub URL and the region (a local repository and the emulator's endpoint).
 */

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CLIENT = { id: "walkthrough-client", secret: "walkthrough-secret-not-real" };

let cluster: Cluster;
let operator: OperatorProcess;
let emulator: TestEmulator;
let repo: TestRepo;
let dir: string;
let section: string;

beforeAll(async () => {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  section = readme.slice(readme.indexOf("\n## Walk-through"), readme.indexOf("\n## Benchmarks"));
  dir = await tempDir("ivr-walkthrough-");
  const seed = await exampleSeed(20);
  const prod = seed.orgs?.find((o) => o.name === "prod");
  if (!prod?.clients?.[0]) throw new Error("examples seed has no prod client");
  prod.clients[0] = { ...prod.clients[0], ...CLIENT };
  emulator = await startTestEmulator(seed);
  repo = await makeRepo(await exampleFiles());
  cluster = await Cluster.start();
  operator = await OperatorProcess.start(cluster.api.kubeconfigPath, { dir });
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await cluster?.stop();
  await emulator?.close();
  await repo?.cleanup();
  await removeDir(dir);
});

/** The ```sh blocks of the section, one command per entry (backslash continuations joined). */
function shellCommands(text: string): string[] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] ?? "")
      .replace(/^ +/gm, "")
      .replace(/\\\n/g, " ")
      .split("\n")
      .filter((l) => l.trim() !== ""),
  );
}

async function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: `${envtestBinDir()}${delimiter}${process.env["PATH"] ?? ""}`,
    HOME: dir,
    KUBECONFIG: cluster.api.kubeconfigPath,
  };
  try {
    const { stdout, stderr } = await promisify(execFile)("sh", ["-c", command], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const localize = (command: string) =>
  command.replace("<oauth client id>", CLIENT.id).replace("<oauth client secret>", CLIENT.secret);

describe("README walk-through", () => {
  it("credentials, the promotion, a commit, kubectl get, approval, kubectl wait", async () => {
    const commands = shellCommands(section);
    expect(commands.map((c) => c.split(/\s+/).slice(0, 5).join(" "))).toEqual([
      "kubectl create namespace ivr",
      "kubectl -n ivr create secret",
      "kubectl -n ivr annotate ivrpromotion",
    ]);
    const [createNs = "", createSecret = "", approve = ""] = commands;
    // 1. Credentials.
    expect(await sh(createNs)).toMatchObject({ code: 0 });
    expect(await sh(localize(createSecret))).toMatchObject({ code: 0 });

    // 2. The promotion, from the README's YAML with the source and target made local.
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1]?.replace(/^ {3}/gm, "") ?? "";
    const promotion = parse(yaml) as { spec: Record<string, unknown> & { target: Record<string, unknown> } };
    expect(promotion.spec.target).toEqual({
      region: "eu-west-1",
      credentialsSecretRef: { name: "genesys-prod" },
    });
    promotion.spec.source = { url: repo.url, ref: { branch: "main" } };
    promotion.spec.target = { endpoint: emulator.url, credentialsSecretRef: { name: "genesys-prod" } };
    const applied = await sh(`kubectl apply -f - <<'EOF'\n${JSON.stringify(promotion)}\nEOF`);
    expect(applied, applied.stderr).toMatchObject({ code: 0 });

    // 3. A commit, picked up at once on request (the annotate command of step 3, as written).
    const requestNow =
      /`(kubectl -n ivr annotate ivrpromotion prod ivr\.promoter\.dev\/requested-at=[^`]+)`/.exec(
        section,
      )?.[1];
    expect(requestNow).toBeDefined();
    await repo.commit({ "README.md": "a change\n" });
    expect(await sh(requestNow ?? "")).toMatchObject({ code: 0 });

    // 4. kubectl get: the columns and the STATUS the README shows.
    await cluster.waitFor("ivr", "prod", (o) => ready(o)?.reason === "AwaitingApproval");
    const got = await sh("kubectl get ivrpromotions -A");
    const sample = /```\n\s*(NAMESPACE +NAME[^\n]*)\n/.exec(section);
    const columns = (line: string) => line.trim().split(/\s{2,}/);
    expect(columns(got.stdout.split("\n")[0] ?? "")).toEqual(columns(sample?.[1] ?? "?"));
    expect(got.stdout).toMatch(
      /Plan sha256:[0-9a-f]{8} for main@sha1:[0-9a-f]{8} awaits approval \(\d+ created, 0 updated, 0 unchanged\)/,
    );
    const approved = await sh(approve);
    expect(approved, approved.stderr).toMatchObject({ code: 0 });
    const wait = /`kubectl wait\s+--for=condition=Ready ivrpromotion\/prod -n ivr`/.exec(section)?.[0];
    expect(wait).toBeDefined();
    const waited = await sh(`${(wait ?? "").slice(1, -1).replace(/\s+/g, " ")} --timeout=90s`);
    expect(waited, waited.stderr).toMatchObject({ code: 0 });
    const after = await sh("kubectl get ivrpromotions -A");
    expect(after.stdout).toMatch(
      /ivr +prod +True +main@sha1:[0-9a-f]{8} +false +Applied main@sha1:[0-9a-f]{8}: /,
    );
  }, 240_000);
});
