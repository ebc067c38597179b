import { describe, expect, it } from "vitest";
import { ChangeWindowsSchema, cronProblem, isKnownTimeZone } from "../../../src/api/change-windows.js";
import { IvrPromotionSpecSchema } from "../../../src/api/ivr-promotion.js";

/** The first issue of parsing `changeWindows` inside a spec, as the controller reports it: "path: message". */
function problem(changeWindows: unknown): string | undefined {
  const spec = {
    source: { url: "https://example.com/flows.git", ref: { branch: "main" } },
    path: ".",
    environment: "prod",
    target: { region: "eu-central-1", credentialsSecretRef: { name: "genesys" } },
    changeWindows,
  };
  const parsed = IvrPromotionSpecSchema.safeParse(spec);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue?.path.join(".")}: ${issue?.message}`;
}

describe("spec.changeWindows validation", () => {
  it("accepts weekly and cron windows, and defaults the time zone to UTC", () => {
    const parsed = ChangeWindowsSchema.parse({
      allow: [{ weekly: { days: ["Mon"], start: "22:00" }, duration: "6h" }],
      deny: [{ name: "black friday", cron: "0 0 27 11 *", duration: "72h", timeZone: "America/Chicago" }],
    });
    expect(parsed.timeZone).toBe("UTC");
    expect(
      problem({ timeZone: "Europe/Berlin", allow: [{ cron: "@daily", duration: "1h" }] }),
    ).toBeUndefined();
  });

  it.each([
    [
      { allow: [{ cron: "61 * * * *", duration: "1h" }] },
      "changeWindows.allow.0.cron: is not a valid cron expression",
    ],
    [
      { allow: [{ cron: "0 22 * *", duration: "1h" }] },
      "changeWindows.allow.0.cron: must be a cron expression",
    ],
    [{ timeZone: "Europe/Berln" }, "changeWindows.timeZone: is not a time zone Node's tz database knows"],
    [
      { deny: [{ cron: "0 1 * * *", duration: "1h", timeZone: "Mars/Olympus" }] },
      "changeWindows.deny.0.timeZone: is not a time zone",
    ],
    [
      { deny: [{ cron: "0 1 * * *", duration: "0s" }] },
      "changeWindows.deny.0.duration: must be between 1m and 8784h",
    ],
    [
      { allow: [{ weekly: { days: ["Mon"], start: "24:00" }, duration: "1h" }] },
      "changeWindows.allow.0.weekly.start: must be",
    ],
    [
      { allow: [{ weekly: { days: [], start: "10:00" }, duration: "1h" }] },
      "changeWindows.allow.0.weekly.days",
    ],
    [
      { allow: [{ weekly: { days: ["Mon"], start: "10:00" }, cron: "0 1 * * *", duration: "1h" }] },
      "changeWindows.allow.0: exactly one of weekly or cron must be set",
    ],
    [{ allow: [{ duration: "1h" }] }, "changeWindows.allow.0: exactly one of weekly or cron must be set"],
  ])("reports %j naming the field", (windows, expected) => {
    expect(problem(windows)).toContain(expected);
    // One line: the controller puts it into a condition message as it is.
    expect(problem(windows)).not.toContain("\n");
  });

  it("cronProblem and isKnownTimeZone say why", () => {
    expect(cronProblem("0 22 * * 1-5")).toBeUndefined();
    expect(cronProblem("0 22 * * 9")).toMatch(/day/i);
    expect(isKnownTimeZone("Asia/Kolkata")).toBe(true);
    expect(isKnownTimeZone("Asia/Bombay2")).toBe(false);
  });
});
