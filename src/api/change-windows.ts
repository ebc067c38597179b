import { Cron } from "croner";
import { z } from "zod";
import { exactlyOneOf } from "./cel.js";
import { durationString } from "./duration.js";

/**
 * `spec.changeWindows`: when the operator may write to the org (Argo CD's sync windows, for a contact
 * center's peak hours and freezes). Each window is a weekly schedule or a cron expression that opens it,
 * plus how long it stays open, read in an IANA time zone. The shape (one of weekly/cron, the duration
 * range, the look of a cron expression and a zone name) is checked at admission; whether the expression
 * parses and the zone exists is checked by zod (so by the controller, which reports a Stalled InvalidSpec
 * naming the field, and by the CLI), because CEL knows neither cron nor the tz database.
 */

/** Admission range of a window's duration: at least a minute, at most a year (a long freeze). */
export const WINDOW_DURATION_RANGE = { min: "1m", max: "8784h" };

/** Days of the week, as in a weekly schedule; index = cron day-of-week number (Sun = 0). */
export const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

/** The cron grammar croner reads with 5 or 6 fields (seconds first when 6), or a macro. */
export const CRON_PATTERN =
  "^(@(yearly|annually|monthly|weekly|daily|hourly)|[0-9A-Za-z*,/?#-]+( [0-9A-Za-z*,/?#-]+){4,5})$";
const ZONE_PATTERN = "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$";

/** The croner options every window is read with: 5 or 6 fields, Vixie's OR of day-of-month and weekday. */
export const CRON_OPTIONS = { mode: "5-or-6-parts", paused: true } as const;

/** The message of a cron expression croner refuses, or undefined when it parses. */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, CRON_OPTIONS);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.replace(/^CronPattern: /, "") : String(err);
  }
}

/** True when Node's tz database (ICU) knows `zone`. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const timeZone = (what: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(new RegExp(ZONE_PATTERN), { message: 'must be an IANA time zone such as "Europe/Berlin"' })
    .refine(isKnownTimeZone, { message: "is not a time zone Node's tz database knows", abort: true })
    .describe(what);

/** A weekly schedule: the window opens at `start` on each of `days`. */
export const WeeklyScheduleSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .describe("Days of the week the window opens on: Sun, Mon, Tue, Wed, Thu, Fri, Sat."),
    start: z
      .string()
      .regex(/^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$/, { message: 'must be "HH:MM" or "HH:MM:SS"' })
      .describe(
        'Local time the window opens, "HH:MM" or "HH:MM:SS" (24h). A time skipped by a DST change opens ' +
          "the window when the clock jumps; a time that occurs twice opens it at the first.",
      ),
  })
  .describe("Opens the window at a local time on some days of the week.");

/** One allow or deny window. */
export const ChangeWindowSchema = exactlyOneOf(
  z.object({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z0-9]([-A-Za-z0-9_. ]*[A-Za-z0-9])?$/)
      .optional()
      .describe("Name shown in status and Events (e.g. weeknights, black-friday-freeze)."),
    weekly: WeeklyScheduleSchema.optional(),
    cron: z
      .string()
      .min(1)
      .max(256)
      .regex(new RegExp(CRON_PATTERN), {
        message: "must be a cron expression of 5 fields (6 with seconds first) or @daily-style macro",
      })
      .refine((text) => cronProblem(text) === undefined, {
        message: "is not a valid cron expression",
        abort: true,
      })
      .optional()
      .describe(
        'Cron expression that opens the window ("0 22 * * 1-4": 22:00 Monday to Thursday), 5 fields or 6 ' +
          "with seconds first; day-of-month and day-of-week are OR-ed as in Vixie cron.",
      ),
    duration: durationString(
      "How long the window stays open once it opens (elapsed time).",
      WINDOW_DURATION_RANGE,
    ),
    timeZone: timeZone("IANA time zone of this window; defaults to spec.changeWindows.timeZone.").optional(),
  }),
  ["weekly", "cron"],
  "exactly one of weekly or cron must be set",
).describe("A window: a weekly schedule or a cron expression that opens it, and a duration.");
/** One window. */
export type ChangeWindow = z.infer<typeof ChangeWindowSchema>;

/** `spec.changeWindows`. */
export const ChangeWindowsSchema = z
  .object({
    timeZone: timeZone('IANA time zone the windows are read in (e.g. "Europe/Berlin"); default UTC.').default(
      "UTC",
    ),
    allow: z
      .array(ChangeWindowSchema)
      .max(32)
      .optional()
      .describe("When any is set, the org is written to only inside one of these windows."),
    deny: z
      .array(ChangeWindowSchema)
      .max(32)
      .optional()
      .describe("The org is never written to inside these windows; they override allow windows."),
  })
  .describe(
    "When the operator may write to the org (imports, publishes, prunes, drift corrections). Outside an " +
      "allowed window it still fetches, plans and checks, holds the plan (Reconciling, reason " +
      "OutsideChangeWindow) and applies it when the next window opens. Rollbacks are never held.",
  );
/** `spec.changeWindows` as stored (defaults applied). */
export type ChangeWindows = z.infer<typeof ChangeWindowsSchema>;
