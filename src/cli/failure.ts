import { PreflightFailedError } from "../engine/errors.js";
import { PromoterError, isPromoterError } from "../errors.js";
import { oneLine } from "../redact.js";
import { UsageError, type CommandContext } from "./command.js";
import { exitCodeFor } from "./exit-codes.js";

/** An error whose details the command already printed; main.ts prints only this short message. */
export class ReportedError extends PromoterError {
  constructor(original: PromoterError, message: string) {
    super(original.code, original.reason, message, { cause: original });
  }
}

/**
 * The `--output` (or `-o`) a command line asks for, read from the raw arguments: a flag the parser
 * refuses must still be reported as JSON when JSON was asked for (as `kubectl -o json` does).
 */
export function requestedOutput(argv: readonly string[]): string | undefined {
  let output: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") break;
    if (arg === "--output" || arg === "-o") output = argv[++i];
    else if (arg.startsWith("--output=")) output = arg.slice("--output=".length);
    else if (/^-o[^-]/.test(arg)) output = arg.slice(2).replace(/^=/, "");
  }
  return output;
}

/** `text` or `json`, else a usage error naming the command. */
export function outputFormat(command: string, value: unknown): "text" | "json" {
  const output = value ?? "text";
  if (output === "text" || output === "json") return output;
  throw new UsageError(`${command}: --output must be text or json, got '${String(output)}'`);
}

/** The `error` object of a JSON failure document: what failed, in which class, and the exit status. */
export function errorObject(err: unknown) {
  return {
    code: isPromoterError(err) ? err.code : err instanceof UsageError ? "UsageError" : "InternalError",
    reason: isPromoterError(err) ? err.reason : err instanceof UsageError ? "Stalled" : "Transient",
    message: oneLine(err instanceof Error ? err.message : String(err), 4000),
    exitCode: exitCodeFor(err),
    ...(err instanceof PreflightFailedError ? { findings: err.findings } : {}),
  };
}

/**
 * Runs a command body so that every outcome is reported as asked: with `--output json` a failure is
 * still one JSON document on stdout (`{"error": {code, reason, message, exitCode, findings}}`), bad
 * flags included (give the body the parsing, and `requestedOutput(argv)` as `output`), so a script
 * can always parse stdout; in text, preflight findings are listed one per line under their flow
 * instead of one cut-off line. The error is rethrown for main.ts to set the exit code.
 */
export async function reporting<T>(output: unknown, ctx: CommandContext, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (output === "json") {
      ctx.stdout.write(`${JSON.stringify({ error: errorObject(err) }, null, 2)}\n`);
    } else if (err instanceof PreflightFailedError) {
      ctx.stderr.write(preflightText(err));
      throw new ReportedError(
        err,
        `preflight failed with ${err.findings.length} finding(s); nothing was written`,
      );
    }
    throw err;
  }
}

/** `FLOW (file):` then one indented line per finding of that flow. */
export function preflightText(err: PreflightFailedError): string {
  const byFlow = new Map<string, string[]>();
  for (const f of err.findings) {
    const head = `${f.flow}${f.file ? ` (${f.file})` : ""}`;
    byFlow.set(head, [...(byFlow.get(head) ?? []), `  ${f.code}: ${oneLine(f.message)}`]);
  }
  const lines = [`Preflight found ${err.findings.length} problem(s) in the target org:`];
  for (const [head, items] of byFlow) lines.push(head, ...items);
  return `${lines.join("\n")}\n`;
}
