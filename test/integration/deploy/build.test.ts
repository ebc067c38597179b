import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../../src/cli/registry.js";
import { run } from "../../helpers/deploy-tools.js";
import { buildImageLayout, imageEnv, type ImageLayout } from "../../helpers/image-layout.js";

/**
 * `npm run build` output, laid out as the Dockerfile's runtime stage lays it out (dist/, production
 * dependencies only, package.json, examples/), runs: every command loads, and the emulator — which the
 * kind e2e runs from the same image — serves and logs in.
 */

let layout: ImageLayout;

beforeAll(async () => {
  layout = await buildImageLayout();
}, 300_000);

afterAll(async () => {
  await layout?.cleanup();
});

const node = (args: string[]) =>
  run(process.execPath, [layout.main, ...args], { cwd: layout.dir, env: imageEnv(layout) });

describe("the built image layout", () => {
  it("compiles without errors", () => {
    expect(layout.tsc.output).toBe("");
    expect(layout.tsc.code).toBe(0);
  });

  it("prints the usage with every command (the image's `--help`)", async () => {
    const res = await node(["--help"]);
    expect(res.code, res.stderr).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(res.stdout).toContain(name);
  });

  it("loads every command with production dependencies only (`<command> --help`)", async () => {
    for (const name of Object.keys(COMMANDS)) {
      const res = await node([name, "--help"]);
      expect(res.code, `${name}: ${res.stderr}`).toBe(0);
      expect(res.stdout, name).toMatch(/usage: ivr-promoter/);
    }
  });

  it("serves the emulator from examples/emulator-seed.yaml, as the kind e2e runs it", async () => {
    const child = spawn(
      process.execPath,
      [layout.main, "emulator", "--port", "0", "--state", "examples/emulator-seed.yaml"],
      { cwd: layout.dir, env: imageEnv(layout), stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8");
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`emulator exited ${code}: ${out}`)));
      });
      const res = await fetch(`${url}/oauth/token`, {
        method: "POST",
        headers: {
          Authorization: `Basic ${Buffer.from("demo-dev-client-id:demo-dev-client-secret-NOT-A-REAL-SECRET").toString("base64")}`,
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: "grant_type=client_credentials",
      });
      expect(res.status).toBe(200);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
