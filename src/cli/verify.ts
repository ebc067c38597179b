import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { VerificationSpecSchema, type VerificationSpec } from "../api/verification.js";
import { PromoterError } from "../errors.js";
import { promotedFlows, type PromotionOutcome } from "../engine/promote.js";
import type { JournalStore } from "../engine/journal.js";
import type { GenesysPort } from "../engine/port.js";
import type { AnalyticsPort } from "../engine/verify/figures.js";
import { rollBackRelease } from "../engine/verify/rollback.js";
import { startVerification, verifyUntilVerdict } from "../engine/verify/run.js";
import type { CommandContext } from "./command.js";
import { ConfigError } from "./exit-codes.js";

/**
 * `apply --verify`: after the apply, the CLI runs the same verification as the operator (engine/verify),
 * in the foreground: it prints each check, and on a failed verdict rolls the whole group back from the
 * run's kept journal and backup, then exits 3 like any failed apply (the org is as before).
 */

/** Flags of `apply` that configure verification. */
export const VERIFY_OPTIONS = {
  verify: { type: "boolean", default: false },
  "verify-file": { type: "string" },
  "verify-window": { type: "string" },
  "verify-interval": { type: "string" },
  "verify-min-calls": { type: "string" },
} as const;

/** Help text for {@link VERIFY_OPTIONS}. */
export const VERIFY_HELP = `verification after promotion (see README "Verification after promotion"):
  --verify                  watch the new versions' live calls, roll back if a check fails
  --verify-file FILE        the checks and settings, as spec.verification (YAML or JSON)
  --verify-window D         how long to watch (default 15m)
  --verify-interval D       how often to check (default 1m)
  --verify-min-calls N      calls each verified flow needs before a verdict (default 100)
  Without --verify-file: failed outcomes at most 5% and +2 points over the baseline, system/error
  disconnects at most +2 points over the baseline.`;

/** The default checks of `--verify` without a file. */
const DEFAULT_CHECKS = {
  failedOutcomes: { maxPercent: 5, maxIncreasePoints: 2 },
  abnormalDisconnects: { maxIncreasePoints: 2 },
};

/** A release that failed verification (rolled back), or was left unverified for lack of traffic. */
export class VerificationFailedError extends PromoterError {
  constructor(
    code: "VerificationFailed" | "VerificationInconclusive",
    message: string,
    /** Version ids of the flows restored by re-import, for the CLI's state file. */
    readonly restoredVersions: Readonly<Record<string, string>> = {},
  ) {
    super(code, "Stalled", message);
  }
}

type Values = { [K in keyof typeof VERIFY_OPTIONS]?: string | boolean };

/** The verification settings from the flags, or undefined without --verify; ConfigError when invalid. */
export async function verificationFromFlags(values: Values): Promise<VerificationSpec | undefined> {
  if (!values.verify) return undefined;
  const file = typeof values["verify-file"] === "string" ? values["verify-file"] : undefined;
  let base: Record<string, unknown> = { checks: DEFAULT_CHECKS };
  if (file) {
    const text = await readFile(file, "utf8").catch((err: unknown) => {
      throw new ConfigError("VerifyFileRead", `${file}: ${err instanceof Error ? err.message : String(err)}`);
    });
    const doc: unknown = parseYaml(text);
    base = (doc ?? {}) as Record<string, unknown>;
  }
  const over: Record<string, unknown> = {};
  if (typeof values["verify-window"] === "string") over.window = values["verify-window"];
  if (typeof values["verify-interval"] === "string") over.interval = values["verify-interval"];
  if (typeof values["verify-min-calls"] === "string") over.minCalls = Number(values["verify-min-calls"]);
  const parsed = VerificationSpecSchema.safeParse({ ...base, ...over });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = file ? `${file}: ` : "";
    throw new ConfigError(
      "VerifySpecInvalid",
      `${where}${issue?.path.join(".") || "verification"}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

/** Verifies the promotion in the foreground; resolves when it passed, throws when it did not. */
export async function verifyPromotion(input: {
  spec: VerificationSpec;
  outcome: PromotionOutcome;
  revision: string;
  client: GenesysPort & AnalyticsPort;
  journal: JournalStore;
  target: string;
  ctx: CommandContext;
  text: boolean;
}): Promise<{ message: string }> {
  const { spec, outcome, ctx } = input;
  const flows = promotedFlows(outcome);
  const state = startVerification({ spec, revision: input.revision, flows, now: new Date() });
  if (state.flows.length === 0) {
    await input.journal.clear();
    return { message: "no promoted flow takes calls; nothing to verify" };
  }
  const say = (line: string): void => {
    if (input.text) ctx.stdout.write(`${line}\n`);
  };
  say(
    `verifying ${state.flows.map((f) => `${f.name} ${f.version}`).join(", ")} for ${spec.window} (check every ${spec.interval})`,
  );
  const result = await verifyUntilVerdict(
    { client: input.client, spec, egress: () => undefined, subject: { name: input.target } },
    state,
    {
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      // The verdict itself is printed once, by apply (passed) or as the error (failed).
      onCheck: (o) => {
        if (o.decision.kind === "continue" || o.decision.kind === "unavailable")
          say(`  ${o.decision.summary}`);
      },
    },
  );
  const verdict = result.decision.summary;
  if (result.state.phase === "Passed") {
    await input.journal.clear();
    return { message: verdict };
  }
  if (result.state.phase === "Inconclusive")
    throw new VerificationFailedError(
      "VerificationInconclusive",
      `${verdict}; the release stays in the org, unverified`,
    );
  say("  verification failed: rolling back the whole group");
  const back = await rollBackRelease(input.client, input.journal, input.revision, {});
  if (back.errors.length > 0)
    throw new VerificationFailedError(
      "VerificationFailed",
      `${verdict}; rollback incomplete: ${back.errors.join("; ")}; run apply again to finish it`,
      back.versions,
    );
  throw new VerificationFailedError(
    "VerificationFailed",
    `${verdict}; rolled back (${back.restored.length} flow(s) restored)`,
    back.versions,
  );
}
