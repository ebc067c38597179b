import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

/** Field paths that may carry secrets; pino replaces their values before anything is written. */
export const REDACT_PATHS = [
  "password",
  "secret",
  "clientSecret",
  "token",
  "accessToken",
  "access_token",
  "authorization",
  "headers.authorization",
  "*.password",
  "*.secret",
  "*.clientSecret",
  "*.token",
  "*.accessToken",
  "*.access_token",
  "*.authorization",
  "*.headers.authorization",
  "*.headers.Authorization",
  "req.headers.authorization",
];

/** Options for {@link createLogger}; built by `config.ts` and passed in from `main.ts`. */
export interface LoggerConfig {
  level: string;
  /** Where JSON lines go; defaults to stdout. Tests pass a stream to inspect output. */
  destination?: NodeJS.WritableStream;
}

/** Builds the single root logger of the process. Components take `logger.child({ component })`. */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level,
    redact: { paths: REDACT_PATHS, censor: "***" },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const root = config.destination ? pino(options, config.destination) : pino(options);
  return withMergedChildBindings(root.child.bind(root), root);
}

/**
 * pino appends a child's bindings to its parent's serialized ones, so a child that sets `component`
 * again would write the key twice in one JSON line (which most log stores reject or mangle). Each
 * child is therefore built from the root with the merged bindings: the innermost value wins, once.
 */
function withMergedChildBindings(rootChild: Logger["child"], logger: Logger): Logger {
  const child = (bindings: Record<string, unknown>, opts?: Parameters<Logger["child"]>[1]): Logger =>
    withMergedChildBindings(
      rootChild,
      rootChild({ ...logger.bindings(), ...bindings }, opts) as unknown as Logger,
    );
  return Object.assign(logger, { child }) as Logger;
}

/** A logger that discards everything, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
