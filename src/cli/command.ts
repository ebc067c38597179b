import { parseArgs, type ParseArgsConfig } from "node:util";
import type { EnvConfig } from "../config.js";
import type { Logger } from "../logger.js";

/** What every CLI command receives from `main.ts`: built once, passed in. */
export interface CommandContext {
  env: EnvConfig;
  logger: Logger;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM; long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
}

/** A CLI command: parses its own arguments and returns the process exit code. */
export interface Command {
  name: string;
  summary: string;
  run(argv: string[], ctx: CommandContext): Promise<number>;
}

/** A usage error: printed as one line with the command's help hint, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * node:util parseArgs for a command, with no positionals allowed; a bad flag becomes a one-line
 * UsageError naming the command (exit code 2).
 */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: O,
) {
  try {
    return parseArgs<{ args: string[]; options: O; allowPositionals: false; strict: true }>({
      args,
      options,
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${command}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
