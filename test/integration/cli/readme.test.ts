import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleGit } from "simple-git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../../helpers/cli.js";

// Runs the README's CLI block as written, in order, from a copy of the project root (examples/ as a
// Git repository), so a README edit that breaks a command breaks this test.
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIN = join(ROOT, "bin", "ivr-promoter.mjs");

/** The lines of the first ```sh block under "## CLI", without comments; `export K=V` lines apart. */
export function readmeCliCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf("\n## CLI\n"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);
}

/** What each command of the block must do: exit code and a piece of its stdout. */
const EXPECTED: Array<{ starts: string; code: number; out: RegExp }> = [
  { starts: "npx ivr-promoter lint ", code: 0, out: /0 errors, 0 warnings; 7 flows in 3 levels/ },
  { starts: "npx ivr-promoter diff ", code: 0, out: /No changes\.\n$/ },
  { starts: "npx ivr-promoter emulator ", code: -1, out: /listening on http:\/\/127\.0\.0\.1:8787/ },
  { starts: "export GENESYS_CLIENT_SECRET=", code: -1, out: /^$/ },
  { starts: "npx ivr-promoter plan ", code: 1, out: /7 to create, 0 to update/ },
  { starts: "npx ivr-promoter apply ", code: 0, out: /7 created, 0 updated, 0 pruned, 0 unchanged/ },
  { starts: "npx ivr-promoter apply ", code: 0, out: /No changes\. 0 to create/ },
  { starts: "npx ivr-promoter export ", code: 0, out: /exported INBOUNDCALL\/Main Menu IVR → / },
];

let work: string;
let env: Record<string, string>;
let emulator: ReturnType<typeof spawn> | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ivr-readme-"));
  await cp(join(ROOT, "examples"), join(work, "examples"), { recursive: true });
  const git = simpleGit(join(work, "examples"));
  await git.init(["--initial-branch=main"]).add(".");
  await git.addConfig("user.email", "t@example.com").addConfig("user.name", "t");
  await git.commit("examples");
  env = { PATH: process.env["PATH"] ?? "", HOME: work, XDG_STATE_HOME: join(work, "state") };
});
afterAll(async () => {
  emulator?.kill("SIGTERM");
  await rm(work, { recursive: true, force: true });
});

/** Runs one README line through the bin shim, as `npx ivr-promoter` would. */
function run(line: string): Promise<CliResult> {
  const args = line.replace(/^npx ivr-promoter\s+/, "").split(/\s+/);
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: work,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => err.push(c.toString()));
  return new Promise((done) =>
    child.on("close", (code) => done({ code: code ?? 1, stdout: out.join(""), stderr: err.join("") })),
  );
}

describe("README CLI section", () => {
  it("runs every command as written, with the documented exit codes", async () => {
    const lines = readmeCliCommands(await readFile(join(ROOT, "README.md"), "utf8"));
    expect(lines.map((l, i) => l.startsWith(EXPECTED[i]?.starts ?? "?"))).toEqual(lines.map(() => true));
    expect(lines).toHaveLength(EXPECTED.length);
    for (const [i, line] of lines.entries()) {
      const want = EXPECTED[i]!;
      if (line.startsWith("export ")) {
        const [key, value] = line.slice("export ".length).split("=") as [string, string];
        env[key] = value;
        continue;
      }
      if (line.includes(" emulator ")) {
        const args = line.replace(/^npx ivr-promoter\s+/, "").split(/\s+/);
        const child = spawn(process.execPath, [BIN, ...args], {
          cwd: work,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        emulator = child;
        let seen = "";
        await new Promise<void>((ready, fail) => {
          child.stdout?.on("data", (c: Buffer) => {
            seen += c.toString();
            if (want.out.test(seen)) ready();
          });
          child.on("exit", (code) => fail(new Error(`emulator exited ${code}: ${seen}`)));
        });
        continue;
      }
      const result = await run(line);
      expect({ line, code: result.code, stderr: result.stderr }).toEqual({
        line,
        code: want.code,
        stderr: "",
      });
      expect(result.stdout).toMatch(want.out);
      // Output into a pipe carries no terminal escapes.
      expect(result.stdout).not.toContain("\x1b");
    }
    // The state went to XDG_STATE_HOME, not into the checkout.
    expect((await simpleGit(join(work, "examples")).status()).files.map((f) => f.path)).not.toContain(
      ".ivr-promoter/",
    );
  });
});
