import { PreflightFailedError } from "../engine/errors.js";
import { PromoterError, isPromoterError } from "../errors.js";
import { oneLine } from "../redact.js";
import type { CommandContext } from "./command.js";

/** An error whose details the command already printed; main.ts prints only this short message. */
export class ReportedError extends PromoterError {
  constructor(original: PromoterError, message: string) {
    super(original.code, original.reason, message, { cause: original });
  }
}

/**
 * Runs a command body so that every outcome is reported as asked: with `--output json` a failure is
 * still one JSON document on stdout (`{"error": {code, reason, message, findings}}`), so a script can
 * always parse stdout; in text, preflight findings are listed one per line under their flow instead
 * of one cut-off line. The error is rethrown for main.ts to set the exit code.
 */
export async function reporting<T>(output: unknown, ctx: CommandContext, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (output === "json") {
      const error = {
        code: isPromoterError(err) ? err.code : "Internal",
        reason: isPromoterError(err) ? err.reason : "Transient",
        message: oneLine(err instanceof Error ? err.message : String(err), 4000),
        ...(err instanceof PreflightFailedError ? { findings: err.findings } : {}),
      };
      ctx.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
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
