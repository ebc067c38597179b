import { describe, expect, it } from "vitest";
import { ChangeWindowsSchema, type ChangeWindows } from "../../../src/api/change-windows.js";
import {
  ChangeWindowSchedule,
  cronOf,
  formatInZone,
  relativeTime,
} from "../../../src/engine/change-window.js";

/** Windows as a user writes them, parsed (defaults applied) the way the controller reads them. */
function schedule(input: unknown): ChangeWindowSchedule {
  return new ChangeWindowSchedule(ChangeWindowsSchema.parse(input) as ChangeWindows);
}

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

/** Weeknights in Berlin: Monday to Thursday, 22:00 for 6 hours (so into the next morning). */
const WEEKNIGHTS = {
  timeZone: "Europe/Berlin",
  allow: [
    { name: "weeknights", weekly: { days: ["Mon", "Tue", "Wed", "Thu"], start: "22:00" }, duration: "6h" },
  ],
};

describe("change windows: weekly allow windows", () => {
  const s = schedule(WEEKNIGHTS);

  it("is open inside a window and names it", () => {
    // Tuesday 2026-12-01 23:00 in Berlin (CET, +01:00) is 22:00Z.
    expect(s.evaluate(at("2026-12-01T22:00:00Z"))).toMatchObject({
      open: true,
      why: 'inside allow window "weeknights"',
    });
  });

  it("is closed outside, with the next opening", () => {
    const v = s.evaluate(at("2026-12-01T11:00:00Z"));
    expect(v).toMatchObject({ open: false, why: "outside every allow window", timeZone: "Europe/Berlin" });
    expect(iso(v.nextOpen)).toBe("2026-12-01T21:00:00.000Z");
    expect(formatInZone(v.nextOpen ?? new Date(0), v.timeZone)).toBe("2026-12-01T22:00:00+01:00");
  });

  it("crosses midnight: open until 04:00 the next morning, closed from 04:00 on (the end is exclusive)", () => {
    expect(s.evaluate(at("2026-12-02T02:59:59Z")).open).toBe(true); // Wed 03:59:59 Berlin
    const end = s.evaluate(at("2026-12-02T03:00:00Z")); // Wed 04:00 Berlin
    expect(end.open).toBe(false);
    expect(iso(end.nextOpen)).toBe("2026-12-02T21:00:00.000Z");
    // Thursday's window runs into Friday morning, though Friday is not a listed day.
    expect(s.evaluate(at("2026-12-04T01:00:00Z")).open).toBe(true);
  });

  it("skips the days not listed: from Friday morning the next window is Monday 22:00", () => {
    const v = s.evaluate(at("2026-12-04T10:00:00Z"));
    expect(v.open).toBe(false);
    expect(iso(v.nextOpen)).toBe("2026-12-07T21:00:00.000Z");
  });

  it("opens exactly at the start time, with second precision", () => {
    const t = schedule({ allow: [{ weekly: { days: ["Wed"], start: "10:15:30" }, duration: "1m" }] });
    expect(t.evaluate(at("2026-12-02T10:15:29.999Z")).open).toBe(false);
    expect(iso(t.evaluate(at("2026-12-02T10:15:29.999Z")).nextOpen)).toBe("2026-12-02T10:15:30.000Z");
    expect(t.evaluate(at("2026-12-02T10:15:30Z")).open).toBe(true);
    expect(t.evaluate(at("2026-12-02T10:16:30Z")).open).toBe(false);
  });

  it("reads a weekly schedule as the cron expression s m h * * days", () => {
    expect(cronOf({ weekly: { days: ["Thu", "Mon", "Mon"], start: "22:05" }, duration: "1h" })).toBe(
      "0 5 22 * * 1,4",
    );
    expect(cronOf({ weekly: { days: ["Sun", "Sat"], start: "06:00:30" }, duration: "1h" })).toBe(
      "30 0 6 * * 0,6",
    );
  });
});

describe("change windows: deny windows", () => {
  it("override allow windows; the next opening is where the deny window ends", () => {
    const s = schedule({
      timeZone: "Europe/Berlin",
      allow: [{ name: "evenings", cron: "0 18 * * *", duration: "6h" }],
      deny: [{ name: "campaign", cron: "0 17 * * *", duration: "2h" }],
    });
    const v = s.evaluate(at("2026-12-02T17:30:00Z")); // 18:30 Berlin: allowed, but denied until 19:00
    expect(v).toMatchObject({ open: false, why: 'inside deny window "campaign"' });
    expect(iso(v.nextOpen)).toBe("2026-12-02T18:00:00.000Z");
    expect(s.evaluate(at("2026-12-02T18:00:00Z")).open).toBe(true);
  });

  it("alone, allow every time outside them", () => {
    const s = schedule({
      timeZone: "America/New_York",
      deny: [
        {
          name: "peak-hours",
          weekly: { days: ["Mon", "Tue", "Wed", "Thu", "Fri"], start: "08:00" },
          duration: "10h",
        },
      ],
    });
    // Wednesday 2026-12-02 09:00 in New York (EST, -05:00) is 14:00Z.
    const v = s.evaluate(at("2026-12-02T14:00:00Z"));
    expect(v.open).toBe(false);
    expect(formatInZone(v.nextOpen ?? new Date(0), "America/New_York")).toBe("2026-12-02T18:00:00-05:00");
    expect(s.evaluate(at("2026-12-05T14:00:00Z"))).toMatchObject({
      open: true,
      why: "outside every deny window",
    });
  });

  it("a deny window ending inside another keeps writes out until the last one ends", () => {
    const s = schedule({
      deny: [
        { name: "a", cron: "0 10 * * *", duration: "2h" },
        { name: "b", cron: "0 11 * * *", duration: "3h" },
      ],
    });
    expect(iso(s.evaluate(at("2026-12-02T10:30:00Z")).nextOpen)).toBe("2026-12-02T14:00:00.000Z");
  });

  it("a freeze on dates: a yearly cron with a long duration", () => {
    const s = schedule({
      timeZone: "Europe/Berlin",
      deny: [{ name: "christmas", cron: "0 0 23 12 *", duration: "96h" }],
    });
    expect(s.evaluate(at("2026-12-25T12:00:00Z")).open).toBe(false);
    expect(
      formatInZone(s.evaluate(at("2026-12-25T12:00:00Z")).nextOpen ?? new Date(0), "Europe/Berlin"),
    ).toBe("2026-12-27T00:00:00+01:00");
    expect(s.evaluate(at("2026-12-20T12:00:00Z")).open).toBe(true);
  });
});

describe("change windows: cron windows and overlaps", () => {
  it("a window longer than its period is always open once it fired", () => {
    const s = schedule({ allow: [{ cron: "0 * * * *", duration: "90m" }] });
    expect(s.evaluate(at("2026-12-02T10:59:00Z")).open).toBe(true);
  });

  it("a schedule that never fires never opens, and says so (no next opening)", () => {
    const s = schedule({ allow: [{ cron: "0 0 30 2 *", duration: "1h" }] });
    const v = s.evaluate(at("2026-12-02T10:00:00Z"));
    expect(v.open).toBe(false);
    expect(v.nextOpen).toBeUndefined();
  });

  it("a deny window covering every minute ends the search, bounded, without an opening", () => {
    const s = schedule({
      allow: [{ cron: "@daily", duration: "24h" }],
      deny: [{ cron: "* * * * *", duration: "1m" }],
    });
    const started = performance.now();
    expect(s.evaluate(at("2026-12-02T10:00:00Z")).nextOpen).toBeUndefined();
    // A bound on work, not a timing test: a thousand steps is far below a second even on a loaded machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("with no window at all, writes are never held", () => {
    const s = schedule({ timeZone: "Europe/Berlin" });
    expect(s.unrestricted).toBe(true);
    expect(s.evaluate(at("2026-12-02T10:00:00Z")).open).toBe(true);
  });

  it("a window's own time zone wins over the block's", () => {
    const s = schedule({
      timeZone: "Europe/Berlin",
      allow: [{ cron: "0 9 * * *", duration: "1h", timeZone: "Asia/Tokyo" }],
    });
    // 09:00 in Tokyo (+09:00) is 00:00Z.
    expect(s.evaluate(at("2026-12-02T00:30:00Z")).open).toBe(true);
    expect(s.evaluate(at("2026-12-02T08:30:00Z")).open).toBe(false);
  });
});

describe("change windows across DST transitions", () => {
  it("spring forward (Berlin, 2026-03-29): a start time skipped by the jump opens when the clock jumps", () => {
    const s = schedule({
      timeZone: "Europe/Berlin",
      allow: [{ weekly: { days: ["Sun"], start: "02:30" }, duration: "1h" }],
    });
    const v = s.evaluate(at("2026-03-28T12:00:00Z"));
    expect(formatInZone(v.nextOpen ?? new Date(0), "Europe/Berlin")).toBe("2026-03-29T03:00:00+02:00");
    // The week after, 02:30 exists again, now in summer time.
    expect(iso(s.evaluate(at("2026-03-30T12:00:00Z")).nextOpen)).toBe("2026-04-05T00:30:00.000Z");
  });

  it("a window across the spring jump lasts its duration in elapsed time", () => {
    const s = schedule({ timeZone: "Europe/Berlin", allow: [{ cron: "0 22 * * 6", duration: "8h" }] });
    // Saturday 22:00 CET = 21:00Z; 8 h later is 05:00Z = 07:00 CEST, not 06:00.
    expect(s.evaluate(at("2026-03-29T04:59:59Z")).open).toBe(true);
    expect(s.evaluate(at("2026-03-29T05:00:00Z")).open).toBe(false);
  });

  it("fall back (Berlin, 2026-10-25): a start time that occurs twice opens once, at the first", () => {
    const s = schedule({ timeZone: "Europe/Berlin", allow: [{ cron: "30 2 * * *", duration: "30m" }] });
    // 02:30 CEST = 00:30Z opens it; the repeated 02:30 (CET, 01:30Z) does not open it again.
    expect(s.evaluate(at("2026-10-25T00:45:00Z")).open).toBe(true);
    const second = s.evaluate(at("2026-10-25T01:45:00Z"));
    expect(second.open).toBe(false);
    expect(formatInZone(second.nextOpen ?? new Date(0), "Europe/Berlin")).toBe("2026-10-26T02:30:00+01:00");
  });

  it("New York's spring forward (2026-03-08): the offset in the message follows the zone", () => {
    const s = schedule({
      timeZone: "America/New_York",
      allow: [{ weekly: { days: ["Sun", "Mon"], start: "09:00" }, duration: "1h" }],
    });
    const v = s.evaluate(at("2026-03-07T12:00:00Z"));
    expect(formatInZone(v.nextOpen ?? new Date(0), "America/New_York")).toBe("2026-03-08T09:00:00-04:00");
    expect(iso(v.nextOpen)).toBe("2026-03-08T13:00:00.000Z");
  });
});

describe("relativeTime", () => {
  it.each([
    [0, "in 0s"],
    [45_000, "in 45s"],
    [125_000, "in 2m5s"],
    [3 * 3_600_000 + 12 * 60_000 + 30_000, "in 3h12m"],
    [2 * 86_400_000 + 4 * 3_600_000, "in 2d4h"],
  ])("%d ms is %s", (ms, text) => {
    const now = at("2026-12-02T00:00:00Z");
    expect(relativeTime(new Date(now.getTime() + ms), now)).toBe(text);
  });
});
