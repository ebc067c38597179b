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
  return config.destination ? pino(options, config.destination) : pino(options);
}

/** A logger that discards everything, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
