import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorCommand } from "../../../src/cli/emulator.js";
import { loadEnvConfig } from "../../../src/config.js";
import { loadSeedFile, startEmulator } from "../../../src/emulator/index.js";
import { silentLogger } from "../../../src/logger.js";
import { eventually, getToken } from "../../helpers/emulator.js";
import { inboundCallYaml } from "../../helpers/seeds.js";

describe("emulator seed files and the emulator command", () => {
  let dir: string;
  const write = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "emulator-seed-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("loads YAML and JSON seeds", async () => {
    const yaml = await write(
      "ok.yaml",
      "orgs:\n  - name: dev\n    clients: [{ id: a, secret: b }]\n    queues: [{ name: Support }]\n",
    );
    expect(await loadSeedFile(yaml)).toMatchObject({
      orgs: [{ name: "dev", queues: [{ name: "Support" }] }],
    });
    const json = await write(
      "ok.json",
      JSON.stringify({ orgs: [{ name: "prod", dataActions: [{ category: "C", name: "A" }] }] }),
    );
    expect(await loadSeedFile(json)).toMatchObject({ orgs: [{ name: "prod" }] });
  });

  it.each([
    [
      "missing-secret.yaml",
      "orgs:\n  - name: dev\n    clients: [{ id: a }]\n",
      /missing-secret\.yaml: orgs\[0\]\.clients\[0\]\.secret: /,
    ],
    [
      "bad-ttl.yaml",
      "orgs:\n  - name: dev\n    clients: [{ id: a, secret: b, tokenTtlSeconds: 10 }]\n",
      /orgs\[0\]\.clients\[0\]\.tokenTtlSeconds: /,
    ],
    ["typo.yaml", "orgs:\n  - name: dev\n    queus: [{ name: Support }]\n", /typo\.yaml: orgs\[0\]: .*queus/],
    [
      "dup.yaml",
      "orgs:\n  - { name: a, clients: [{ id: c, secret: s }] }\n  - { name: b, clients: [{ id: c, secret: s }] }\n",
      /orgs\[1\]\.clients\[0\]\.id: duplicate client id 'c'/,
    ],
    [
      "bad-fault.yaml",
      "orgs:\n  - name: dev\n    faults: { errorRate: 2 }\n",
      /orgs\[0\]\.faults\.errorRate: /,
    ],
    ["broken.yaml", "orgs: [unclosed\n", /broken\.yaml: not valid YAML: /],
    ["broken.json", "{ not json", /broken\.json: not valid JSON: /],
  ])("refuses %s with a one-line error naming the file and field", async (name, text, pattern) => {
    const path = await write(name, text);
    const error = await loadSeedFile(path).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    const message = error instanceof Error ? error.message : "";
    expect(message).toMatch(pattern);
    expect(message).toContain(path);
    expect(message).not.toContain("\n");
    expect(error).toMatchObject({ code: "EmulatorSeedInvalid", reason: "Stalled" });
  });

  it("names a missing file", async () => {
    await expect(loadSeedFile(join(dir, "absent.yaml"))).rejects.toThrow(
      /absent\.yaml: cannot read seed file: no such file/,
    );
  });

  it("refuses a seed flow that cannot be published, naming it", async () => {
    const seed = {
      orgs: [{ name: "dev", flows: [{ yaml: inboundCallYaml("Needs Queue", { queue: "Missing" }) }] }],
    };
    await expect(startEmulator({ seed })).rejects.toThrow(/orgs\[0\]\.flows\[0\]: .*queue 'Missing'/);
  });

  it("runs `ivr-promoter emulator --port 0 --state FILE`, prints the URL and stops on abort", async () => {
    const state = await write(
      "cli.yaml",
      "orgs:\n  - name: dev\n    clients: [{ id: cli-client, secret: cli-secret }]\n",
    );
    const stdout = new PassThrough();
    let printed = "";
    stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    const controller = new AbortController();
    const ctx = {
      env: loadEnvConfig({}),
      logger: silentLogger(),
      stdout,
      stderr: new PassThrough(),
      signal: controller.signal,
    };
    const running = emulatorCommand.run(["--port", "0", "--state", state], ctx);
    const url = await eventually(async () => /listening on (http:\/\/\S+)/.exec(printed)?.[1]);
    expect(printed).toContain("org dev: clients cli-client");
    expect(printed).not.toContain("cli-secret");
    expect(await getToken(url, { id: "cli-client", secret: "cli-secret" })).toEqual(expect.any(String));
    controller.abort();
    expect(await running).toBe(0);
    await expect(fetch(`${url}/__admin/health`)).rejects.toThrow();
  });

  it("refuses a bad port as a usage error", async () => {
    const ctx = {
      env: loadEnvConfig({}),
      logger: silentLogger(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      signal: new AbortController().signal,
    };
    await expect(emulatorCommand.run(["--port", "99999"], ctx)).rejects.toMatchObject({ name: "UsageError" });
    await expect(emulatorCommand.run(["--nope"], ctx)).rejects.toMatchObject({ name: "UsageError" });
  });
});
