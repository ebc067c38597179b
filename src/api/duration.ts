import { z } from "zod";

/**
 * Go-style duration strings ("90s", "5m", "1h30m", "1.5h"), the form Flux and every Kubernetes API
 * use for intervals. Kept to units that make sense for a reconcile loop (ms, s, m, h), so one
 * regular expression serves zod, the CRD `pattern` (RE2: no lookarounds) and {@link parseDuration}.
 */
export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** A zod string that must be a Go duration; `what` becomes the `kubectl explain` text. */
export function durationString(what: string): z.ZodString {
  return z
    .string()
    .regex(DURATION_RE, { message: 'must be a Go duration such as "30s", "5m" or "1h30m"' })
    .describe(`${what} A Go duration string such as "30s", "5m" or "1h30m" (units ms, s, m, h).`);
}

/** Milliseconds in a duration string already validated by {@link durationString}; throws on anything else. */
export function parseDuration(text: string): number {
  if (!DURATION_RE.test(text)) throw new RangeError(`invalid duration "${text}"`);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART_RE)) {
    total += Number(amount) * (UNIT_MS[unit ?? ""] ?? Number.NaN);
  }
  return Math.round(total);
}
