import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { ChangeWindowsSchema, type ChangeWindows } from "../api/change-windows.js";
import { ChangeWindowSchedule, formatInZone, relativeTime } from "../engine/change-window.js";
import { isWrite, type Plan } from "../engine/model.js";
import { PromoterError } from "../errors.js";
import { oneLine } from "../redact.js";
import type { CommandContext } from "./command.js";
import { ConfigError } from "./exit-codes.js";

/**
 * `apply --change-windows FILE`: the operator's `spec.changeWindows` for a person or a pipeline running
 * the CLI, so both keep to one freeze calendar. Off unless the flag is given: the CLI is run on purpose.
 * FILE is an IvrPromotion manifest (its spec.changeWindows is read) or the changeWindows object itself.
 */

/** The flags, for parseArgs. */
export const CHANGE_WINDOW_OPTIONS = {
  "change-windows": { type: "string" },
  "override-change-window": { type: "string" },
} as const;

/** Their help lines. */
export const CHANGE_WINDOW_HELP = `  --change-windows FILE     write only inside these windows (an IvrPromotion manifest or its
                            spec.changeWindows); outside, nothing is written and the exit status is 3
  --override-change-window REASON
                            write outside the windows anyway (an emergency); REASON is printed`;

/** Outside every window the flags allow: nothing was written. */
export class OutsideChangeWindowCliError extends PromoterError {
  constructor(message: string) {
    super("OutsideChangeWindow", "Waiting", message);
  }
}

/** Reads `--change-windows FILE`; a bad file is a one-line ConfigError naming the file and field. */
export async function loadChangeWindows(file: string): Promise<ChangeWindows> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, "utf8"));
  } catch (err) {
    throw new ConfigError("ChangeWindowsInvalid", `--change-windows ${file}: ${oneLine(String(err), 300)}`);
  }
  const manifest = doc as { kind?: unknown; spec?: { changeWindows?: unknown } } | null;
  const windows = manifest?.kind === "IvrPromotion" ? manifest.spec?.changeWindows : doc;
  const prefix = manifest?.kind === "IvrPromotion" ? "spec.changeWindows" : "";
  const parsed = ChangeWindowsSchema.safeParse(windows ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".") || "(top level)";
    throw new ConfigError("ChangeWindowsInvalid", `--change-windows ${file}: ${path}: ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * An `onPlan` check: throws {@link OutsideChangeWindowCliError} when the plan writes outside the windows
 * and no override reason was given; with one, says on stderr that the windows were overridden and why.
 */
export function windowCheck(
  windows: ChangeWindows | undefined,
  override: string | undefined,
  ctx: CommandContext,
  now: () => Date = () => new Date(),
): (plan: Plan) => void {
  const schedule = windows ? new ChangeWindowSchedule(windows) : undefined;
  return (plan) => {
    if (!schedule || schedule.unrestricted || !plan.actions.some(isWrite)) return;
    const at = now();
    const verdict = schedule.evaluate(at);
    if (verdict.open) return;
    if (override !== undefined && override.trim() !== "") {
      ctx.stderr.write(`warning: writing ${verdict.why} (change windows overridden: ${oneLine(override)})\n`);
      return;
    }
    const next = verdict.nextOpen
      ? `the next window opens ${formatInZone(verdict.nextOpen, verdict.timeZone)} ${verdict.timeZone} (${relativeTime(verdict.nextOpen, at)})`
      : "no window opens within 400 days";
    throw new OutsideChangeWindowCliError(
      `plan ${plan.hash} not applied, ${verdict.why}: nothing was written; ${next}; ` +
        "--override-change-window REASON writes anyway",
    );
  };
}
