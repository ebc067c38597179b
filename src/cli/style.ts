import type { EnvConfig } from "../config.js";

/**
 * Whether to style output written to `out`, by the usual conventions: `FORCE_COLOR` (not `0`) wins,
 * then `NO_COLOR` (no-color.org), then whether `out` is a terminal. Files and pipes get plain text.
 */
export function colorEnabled(
  out: NodeJS.WritableStream,
  env: Pick<EnvConfig, "noColor" | "forceColor">,
): boolean {
  if (env.forceColor !== undefined) return env.forceColor !== "0" && env.forceColor !== "false";
  if (env.noColor !== undefined) return false;
  return (out as NodeJS.WriteStream).isTTY === true;
}

/** `text` in bold when styling is on. */
export function bold(text: string, on: boolean): string {
  return on ? `\x1b[1m${text}\x1b[0m` : text;
}
