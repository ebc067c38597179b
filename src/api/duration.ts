import { z } from "zod";
import { withCel } from "./cel.js";

/**
 * Go-style duration strings ("90s", "5m", "1h30m", "1.5h"), the form Flux and every Kubernetes API
 * use for intervals. Kept to units that make sense for a reconcile loop (ms, s, m, h), so one
 * regular expression serves zod, the CRD `pattern` (RE2: no lookarounds) and {@link parseDuration}.
 * At most 6 digits per part and 16 characters: no string that passes can overflow CEL's
 * `duration()` (int64 nanoseconds), so the range rule always evaluates instead of erroring.
 */
export const DURATION_PATTERN = "^([0-9]{1,6}(\\.[0-9]{1,9})?(ms|s|m|h))+$";
/** Longest duration string. */
export const DURATION_MAX_LENGTH = 16;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** Bounds of a duration field, as duration strings (`"10s"`, `"24h"`). */
export interface DurationRange {
  min: string;
  max: string;
}

/**
 * A zod string that must be a Go duration within `range`; `what` becomes the `kubectl explain` text.
 * The range is a CEL rule too, so the API server refuses `interval: 0s` or `9999h` at admission.
 */
export function durationString(what: string, range: DurationRange): z.ZodString {
  const [min, max] = [parseDuration(range.min), parseDuration(range.max)];
  const base = z
    .string()
    .max(DURATION_MAX_LENGTH)
    .regex(DURATION_RE, { message: 'must be a Go duration such as "30s", "5m" or "1h30m"' });
  // The pattern guard keeps a malformed value to the pattern's own message, without a CEL error beside it.
  const rule =
    `!self.matches('${DURATION_PATTERN.replace(/\\/g, "\\\\")}') || ` +
    `(duration(self) >= duration('${range.min}') && duration(self) <= duration('${range.max}'))`;
  const message = `must be between ${range.min} and ${range.max}`;
  return withCel(base, [{ rule, message }], (text) => {
    if (!DURATION_RE.test(text)) return true; // the pattern's own message says what is wrong
    const ms = parseDuration(text);
    return ms >= min && ms <= max;
  }).describe(
    `${what} A Go duration string such as "30s", "5m" or "1h30m" (units ms, s, m, h), ` +
      `from ${range.min} to ${range.max}.`,
  );
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
