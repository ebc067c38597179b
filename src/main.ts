#!/usr/bin/env node
import { loadEnvConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { COMMANDS } from "./cli/registry.js";
import { UsageError, type CommandContext } from "./cli/command.js";
import { errorObject, requestedOutput } from "./cli/failure.js";
import { EXIT, exitCodeFor } from "./cli/exit-codes.js";
import { isPromoterError } from "./errors.js";
import { oneLine } from "./redact.js";

const USAGE = `usage: ivr-promoter <command> [options]

commands: ${Object.keys(COMMANDS).join(", ")}
run 'ivr-promoter <command> --help' for a command's options`;

/** Secret values known to this process, scrubbed from any error text printed at the end. */
let knownSecrets: string[] = [];

/** Entry point: builds config, logger and the abort signal once, then runs one command. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    const message = `unknown command '${name}'`;
    if (requestedOutput(rest) === "json")
      process.stdout.write(`${JSON.stringify({ error: errorObject(new UsageError(message)) }, null, 2)}\n`);
    process.stderr.write(`ivr-promoter: ${message}\n${USAGE}\n`);
    return 2;
  }
  const env = loadEnvConfig();
  knownSecrets = [env.genesysClientSecret ?? ""].filter(Boolean);
  // The operator's logs are its output; a CLI command's output is for people, so only warnings and
  // errors are logged there unless asked (IVR_PROMOTER_LOG_LEVEL).
  const level = env.logLevel ?? (name === "operator" ? "info" : "warn");
  const logger = createLogger({ level, destination: process.stderr });
  const controller = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => controller.abort(new Error(`received ${sig}`)));
  }
  const ctx: CommandContext = {
    env,
    logger,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  };
  const command = await load();
  return command.run(rest, ctx);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const secrets = knownSecrets;
    const message = oneLine(err instanceof Error ? err.message : String(err), 2000, secrets);
    const code = exitCodeFor(err);
    process.exitCode = code;
    if (code === EXIT.internal) {
      process.stderr.write(`ivr-promoter: internal error (this is a bug): ${message}\n`);
      if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    } else if (code === EXIT.failed && isPromoterError(err)) {
      process.stderr.write(`ivr-promoter: ${err.code}: ${message}\n`);
    } else {
      process.stderr.write(`ivr-promoter: ${message}\n`);
    }
  },
);
