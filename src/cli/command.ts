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
