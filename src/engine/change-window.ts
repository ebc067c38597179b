import { Cron } from "croner";
import { CRON_OPTIONS, WEEKDAYS, type ChangeWindow, type ChangeWindows } from "../api/change-windows.js";
import { parseDuration } from "../api/duration.js";

/**
 * Whether a write may happen at an instant, given `spec.changeWindows` (pure: the clock is an argument).
 * A window is open from each instant its schedule fires until `duration` of elapsed time later, so a
 * window across a DST change lasts its duration in real time, and an open window is found by one "next
 * fire after (t - duration)" per window, even when windows overlap or last longer than their period.
 * Writes are allowed when no allow window is declared or one is open, and no deny window is open.
 */

/** How far ahead the next opening is looked for; beyond, the schedule is reported as never opening. */
export const SEARCH_HORIZON_MS = 400 * 24 * 3_600_000;
/** Bound on the schedule events visited looking for the next opening (a deny window every minute, say). */
const MAX_STEPS = 256;

/** One window, compiled. */
interface Compiled {
  kind: "allow" | "deny";
  label: string;
  cron: Cron;
  durationMs: number;
  timeZone: string;
}

/** The verdict at an instant. */
export interface WindowVerdict {
  /** True when writes are allowed now. */
  open: boolean;
  /** Why, for people: the window that is open, or what keeps writes out. */
  why: string;
  /** When closed: the first instant writes are allowed again, if one comes within the horizon. */
  nextOpen?: Date;
  /** The time zone to show times in (spec.changeWindows.timeZone). */
  timeZone: string;
}

/** `spec.changeWindows`, compiled once per reconcile. */
export class ChangeWindowSchedule {
  private readonly allow: Compiled[];
  private readonly deny: Compiled[];

  constructor(private readonly spec: ChangeWindows) {
    this.allow = (spec.allow ?? []).map((w, i) => compile(w, "allow", i, spec.timeZone));
    this.deny = (spec.deny ?? []).map((w, i) => compile(w, "deny", i, spec.timeZone));
  }

  /** True when no window is declared: writes are never held. */
  get unrestricted(): boolean {
    return this.allow.length === 0 && this.deny.length === 0;
  }

  /** The verdict at `now`; see the module comment. */
  evaluate(now: Date): WindowVerdict {
    const t = now.getTime();
    const timeZone = this.spec.timeZone;
    const denied = this.deny.find((w) => openSince(w, t) !== undefined);
    const allowed = this.allow.find((w) => openSince(w, t) !== undefined);
    if (!denied && (this.allow.length === 0 || allowed)) {
      const why = allowed ? `inside allow window ${allowed.label}` : "outside every deny window";
      return { open: true, why, timeZone };
    }
    const why = denied ? `inside deny window ${denied.label}` : "outside every allow window";
    const next = this.nextOpen(t);
    return { open: false, why, timeZone, ...(next === undefined ? {} : { nextOpen: new Date(next) }) };
  }

  /** True when writes are allowed at `t` (ms). */
  private isOpen(t: number): boolean {
    if (this.deny.some((w) => openSince(w, t) !== undefined)) return false;
    return this.allow.length === 0 || this.allow.some((w) => openSince(w, t) !== undefined);
  }

  /**
   * The first instant after `from` when writes are allowed. Writes can only become allowed where an
   * allow window opens or a deny window closes, so those instants are visited in order, each checked.
   */
  private nextOpen(from: number): number | undefined {
    let cursor = from;
    for (let step = 0; step < MAX_STEPS; step++) {
      let next = Number.POSITIVE_INFINITY;
      for (const w of this.allow) next = Math.min(next, fireAfter(w, cursor) ?? next);
      for (const w of this.deny) {
        const start = fireAfter(w, cursor - w.durationMs);
        if (start !== undefined) next = Math.min(next, start + w.durationMs);
      }
      if (!Number.isFinite(next) || next - from > SEARCH_HORIZON_MS) return undefined;
      if (this.isOpen(next)) return next;
      // Nothing opens before every deny window open at `next` has closed: leap to just before the last end,
      // over the allow openings inside a freeze (a month's freeze is one step, not thirty).
      let leap = next;
      for (const w of this.deny) {
        const start = openSince(w, next);
        if (start !== undefined) leap = Math.max(leap, start + w.durationMs - 1);
      }
      cursor = leap;
    }
    return undefined;
  }
}

/** The cron expression a window is read as: a weekly schedule is `s m h * * days`. */
export function cronOf(window: ChangeWindow): string {
  if (window.cron !== undefined) return window.cron;
  const weekly = window.weekly;
  if (!weekly) throw new RangeError("a change window needs weekly or cron");
  const [h, m, s] = weekly.start.split(":").map(Number);
  const days = [...new Set(weekly.days.map((d) => WEEKDAYS.indexOf(d)))].sort().join(",");
  return `${s ?? 0} ${m ?? 0} ${h ?? 0} * * ${days}`;
}

function compile(window: ChangeWindow, kind: Compiled["kind"], index: number, zone: string): Compiled {
  const timeZone = window.timeZone ?? zone;
  const label = window.name ? `"${window.name}"` : `${kind}[${index}]`;
  const cron = new Cron(cronOf(window), { ...CRON_OPTIONS, timezone: timeZone });
  return { kind, label, cron, durationMs: parseDuration(window.duration), timeZone };
}

/** The first instant the window's schedule fires strictly after `t` (ms), if it ever does. */
function fireAfter(w: Compiled, t: number): number | undefined {
  return w.cron.nextRun(new Date(t))?.getTime();
}

/** The start of the window's opening that contains `t`, if it is open at `t`. */
function openSince(w: Compiled, t: number): number | undefined {
  const start = fireAfter(w, t - w.durationMs);
  return start !== undefined && start <= t ? start : undefined;
}

/**
 * `2026-12-02T22:00:00+01:00` in `timeZone`: the wall-clock time an operator in that zone reads, with
 * its offset, so it is also an exact instant.
 */
export function formatInZone(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "longOffset",
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const offset = get("timeZoneName").replace(/^GMT/, "") || "+00:00";
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}${offset}`;
}

/** "in 3h12m", "in 45s", "in 2d4h": how long until `then`, to a precision a person needs. */
export function relativeTime(then: Date, now: Date): string {
  let s = Math.max(0, Math.ceil((then.getTime() - now.getTime()) / 1000));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `in ${d}d${h}h`;
  if (h > 0) return `in ${h}h${m}m`;
  if (m > 0) return `in ${m}m${s}s`;
  return `in ${s}s`;
}
