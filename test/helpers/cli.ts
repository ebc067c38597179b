import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadEnvConfig, type EnvConfig } from "../../src/config.js";
import type { Command, CommandContext } from "../../src/cli/command.js";
import { silentLogger } from "../../src/logger.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a command printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in-process with captured output; `env` are environment variables as a user would set them. */
export async function runCommand(
  command: Command,
  argv: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on("data", (c: Buffer) => out.push(c.toString()));
  stderr.on("data", (c: Buffer) => err.push(c.toString()));
  const config: EnvConfig = loadEnvConfig(env);
  const ctx: CommandContext = {
    env: config,
    logger: silentLogger(),
    stdout,
    stderr,
    signal: new AbortController().signal,
  };
  const code = await command.run(argv, ctx);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** tsx's loader by path: `--import tsx` would be resolved from the child's working directory. */
const TSX = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Runs `ivr-promoter ARGV` as a separate process (through tsx), as a user would; `cwd` defaults to the project. */
export function spawnCli(
  argv: string[],
  env: Record<string, string> = {},
  options: { cwd?: string } = {},
): {
  done: Promise<CliResult>;
  pid: number | undefined;
  kill: (signal?: NodeJS.Signals) => void;
  /** What it printed on stdout so far. */
  stdout: () => string;
} {
  const child = spawn(process.execPath, ["--import", TSX, join(ROOT, "src", "main.ts"), ...argv], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => err.push(c.toString()));
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout: out.join(""), stderr: err.join("") }),
    );
  });
  return {
    done,
    pid: child.pid,
    kill: (signal = "SIGTERM") => void child.kill(signal),
    stdout: () => out.join(""),
  };
}
