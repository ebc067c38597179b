import { PromoterError, isPromoterError } from "../errors.js";
import { UsageError } from "./command.js";

/**
 * The CLI's exit codes, one meaning each across commands (the README's table is generated from the
 * same meanings). As with `flux diff` and `terraform plan -detailed-exitcode`, 1 means "there is a
 * difference" rather than "it broke", so scripts can tell a pending change from a failure.
 */
export const EXIT = {
  /** Done; plan / dry-run: nothing to change; lint: no errors. */
  ok: 0,
  /** plan / apply --dry-run: there are changes; lint: errors found. */
  changes: 1,
  /** The command as typed cannot run: bad flags, missing files, unknown region, unusable URL, port taken. */
  usage: 2,
  /** It ran and failed: preflight, import, Git fetch, auth; an apply that failed left the org as before. */
  failed: 3,
  /** A bug. */
  internal: 4,
} as const;

/**
 * A problem with what the user gave (a file, a port, a kubeconfig), found before any work started.
 * Exit code 2, printed as one line without a stack.
 */
export class ConfigError extends PromoterError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, "Stalled", message, options);
  }
}

/** Codes of errors raised elsewhere that mean the input is wrong, not that the run failed. */
const CONFIG_CODES = new Set([
  "FlowSetLayout",
  "FlowSetRead",
  "PathEscape",
  "GenesysUnknownRegion",
  "GitSpecInvalid",
  "GitUrlNotAllowed",
  "EmulatorSeedInvalid",
  "EndpointNotAllowed",
  "EnvConfigInvalid",
]);

/** The exit code for an error that reached `main.ts`. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError) return EXIT.usage;
  if (isPromoterError(err)) return CONFIG_CODES.has(err.code) ? EXIT.usage : EXIT.failed;
  return EXIT.internal;
}

/** Node's "address in use" as a {@link ConfigError} naming the address and the flag that sets it. */
export function portError(err: unknown, where: string, flag: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE")
    return new ConfigError("PortInUse", `${where} is already in use: choose another with ${flag}`, {
      cause: err,
    });
  if (code === "EACCES")
    return new ConfigError("PortNotPermitted", `${where}: permission denied: choose another with ${flag}`, {
      cause: err,
    });
  return err;
}
