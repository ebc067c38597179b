import { z } from "zod";
import { durationString } from "./duration.js";

/**
 * `spec.verification` and `status.verification`: the canary gate after a promotion (Flagger's analysis
 * for contact-center flows). After a group is published, the NEW versions of the promoted flows are
 * measured over `window` against a baseline: the PREVIOUS versions of the same flows over the same
 * length of time just before the release. A check that fails rolls the whole group back.
 */

const percent = (what: string) => z.number().min(0).max(100).describe(what);

/** A ratio check: an absolute ceiling and/or a ceiling on the increase over the baseline (points). */
const RatioCheckSchema = (what: string) =>
  z
    .object({
      maxPercent: percent(`Highest ${what} the new versions may have, in percent (e.g. 5 = 5%).`).optional(),
      maxIncreasePoints: percent(
        `Highest increase of the ${what} over the baseline, in percentage points (e.g. 2: 0.6% → 2.6% passes, 2.7% fails).`,
      ).optional(),
    })
    .refine((c) => c.maxPercent !== undefined || c.maxIncreasePoints !== undefined, {
      message: "set maxPercent, maxIncreasePoints or both",
    })
    .describe(`Check of the ${what}.`);

/** The checks, each optional; at least one must be set (see the refinement on the spec). */
export const VerificationChecksSchema = z
  .object({
    failedOutcomes: RatioCheckSchema(
      "share of flow outcomes that are failed (nFlowOutcomeFailed / nFlowOutcome)",
    ).optional(),
    abnormalDisconnects: RatioCheckSchema(
      "share of calls that end by a system or error disconnect (tFlowDisconnect by disconnectType / nFlow)",
    ).optional(),
    flowTime: z
      .object({
        maxSeconds: z
          .number()
          .min(0)
          .max(86_400)
          .optional()
          .describe("Highest mean time in the flow (tFlow), seconds."),
        maxIncreasePercent: z
          .number()
          .min(0)
          .max(10_000)
          .optional()
          .describe("Highest increase of the mean flow time over the baseline, in percent (50 = 1.5×)."),
      })
      .refine((c) => c.maxSeconds !== undefined || c.maxIncreasePercent !== undefined, {
        message: "set maxSeconds, maxIncreasePercent or both",
      })
      .optional()
      .describe("Check of the mean time callers spend in the flow (a loop shows as a longer time)."),
    milestones: z
      .array(
        z
          .object({
            id: z.string().min(1).max(128).describe("flowMilestoneId of the milestone."),
            name: z.string().max(128).optional().describe("Its name, for messages."),
            minPercent: percent("Lowest share of calls that must reach it, in percent.").optional(),
            maxDecreasePoints: percent(
              "Highest drop of the reach ratio below the baseline, in percentage points.",
            ).optional(),
          })
          .refine((c) => c.minPercent !== undefined || c.maxDecreasePoints !== undefined, {
            message: "set minPercent, maxDecreasePoints or both",
          }),
      )
      .max(16)
      .optional()
      .describe("Milestones whose reach ratio (nFlowMilestone / nFlow) must hold."),
  })
  .describe("What must hold for the new versions; each check compares with the baseline where asked.");
/** The checks. */
export type VerificationChecks = z.infer<typeof VerificationChecksSchema>;

/** A Flagger-style webhook: POSTed at every check; anything but a 2xx fails the check. */
export const VerificationWebhookSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .describe("Name, for messages."),
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/)
      .describe(
        "http(s) URL; must be allowed by the operator's --allowed-endpoints. No credentials are sent.",
      ),
    timeout: durationString("Bound of one call.", { min: "1s", max: "5m" }).default("10s"),
  })
  .describe("An external test (e.g. a synthetic test-call harness) that must answer 2xx.");

/** `spec.verification`. */
export const VerificationSpecSchema = z
  .object({
    window: durationString("How long the new versions are watched after publishing.", {
      min: "5s",
      max: "24h",
    }).default("15m"),
    interval: durationString("How often the figures are checked during the window.", {
      min: "1s",
      max: "1h",
    }).default("1m"),
    minCalls: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(100)
      .describe(
        "Calls each verified flow's new version must have taken before a verdict (a sample too small says nothing).",
      ),
    maxExtension: durationString(
      "How long the window is extended while a verified flow has fewer than minCalls calls.",
      { min: "0s", max: "24h" },
    ).default("15m"),
    onInsufficientTraffic: z
      .enum(["Hold", "Fail", "Pass"])
      .default("Hold")
      .describe(
        "Too few calls by the end of the extension: Hold (keep the release, report Ready=False " +
          "VerificationInconclusive and wait for a person: a retry request or a new revision), Fail (roll back), " +
          "or Pass (accept the release unverified).",
      ),
    dataTimeout: durationString(
      "How long analytics may stay unavailable before Ready=False AnalyticsUnavailable (never a rollback; checks go on).",
      { min: "10s", max: "24h" },
    ).default("5m"),
    failureThreshold: z
      .int()
      .min(1)
      .max(100)
      .default(2)
      .describe(
        "Consecutive failing checks (with at least minCalls) that roll the release back; 2 rides out a " +
          "single bad minute, a clearly broken release is still rolled back a check later.",
      ),
    flowTypes: z
      .array(z.string().min(1).max(64))
      .max(16)
      .default(["INBOUNDCALL"])
      .describe(
        "Flow types measured; other promoted flows (common modules, ...) take no calls of their own.",
      ),
    checks: VerificationChecksSchema,
    webhooks: z
      .array(VerificationWebhookSchema)
      .max(8)
      .optional()
      .describe("External tests called at every check (Flagger-style webhooks)."),
  })
  .describe(
    "Verification after promotion: watch the new versions' live call outcomes for a window against the " +
      "previous versions' baseline, and roll the whole group back when a check fails.",
  );
/** `spec.verification` with defaults applied. */
export type VerificationSpec = z.infer<typeof VerificationSpecSchema>;

/** Counts of one flow version over a window, from flow aggregates. */
export const FiguresSchema = z
  .object({
    calls: z.int().min(0).describe("nFlow."),
    outcomes: z.int().min(0).describe("nFlowOutcome."),
    failedOutcomes: z.int().min(0).describe("nFlowOutcomeFailed."),
    abnormalDisconnects: z.int().min(0).describe("Calls that ended by a system or error disconnect."),
    flowMsSum: z.number().min(0).describe("Sum of tFlow, ms."),
    flowMsCount: z.int().min(0).describe("Count of tFlow."),
    milestones: z.record(z.string(), z.int().min(0)).optional().describe("nFlowMilestone by milestone id."),
  })
  .describe("Figures of one flow version.");
/** Figures of one flow version. */
export type Figures = z.infer<typeof FiguresSchema>;

/** One verified flow. */
export const VerifiedFlowSchema = z.object({
  type: z.string().describe("Platform API flow type, e.g. INBOUNDCALL."),
  name: z.string().describe("Flow name in the org."),
  id: z.string().describe("Flow id in the org."),
  version: z.string().describe("The new published version."),
  previousVersion: z
    .string()
    .optional()
    .describe("The version it replaced (absent: created by the release)."),
  baseline: FiguresSchema.optional().describe("The previous version over the baseline window, once read."),
});
/** A verified flow. */
export type VerifiedFlow = z.infer<typeof VerifiedFlowSchema>;

/** `status.verification`: enough for any replica to resume a verification where another left it. */
export const VerificationStatusSchema = z
  .object({
    revision: z.string().describe("The revision being (or last) verified."),
    phase: z
      .enum(["Verifying", "Passed", "Failed", "Inconclusive", "Abandoned"])
      .describe(
        "Verifying, Passed, Failed (rolled back), Inconclusive (held: too little traffic) or Abandoned " +
          "(spec.verification was removed while verifying; the release stands).",
      ),
    startedAt: z.iso.datetime().describe("When the window started (the group was published)."),
    baselineFrom: z.iso.datetime().describe("Start of the baseline window (publish time - window)."),
    baselineTo: z.iso.datetime().describe("End of the baseline window (the publish time)."),
    previousRevision: z.string().optional().describe("The revision restored if verification fails."),
    flows: z.array(VerifiedFlowSchema).max(256).describe("The promoted flows being measured."),
    previousInventory: z
      .array(
        z.object({
          type: z.string().describe("Platform API flow type."),
          name: z.string().describe("Flow name."),
          id: z.string().describe("Flow id."),
          publishedVersion: z.string().describe("Version published before the release."),
          contentHash: z.string().describe("sha256 of the content applied before the release."),
          file: z.string().optional().describe("Source file, relative to spec.path."),
        }),
      )
      .max(1024)
      .optional()
      .describe("The inventory entries of the promoted flows before the release, restored with a rollback."),
    checks: z.int().min(0).describe("Checks run so far."),
    consecutiveFailures: z
      .int()
      .min(0)
      .default(0)
      .describe("Failing checks in a row (see failureThreshold)."),
    dataUnavailableSince: z.iso.datetime().optional().describe("Since when analytics has not answered."),
    finishedAt: z.iso.datetime().optional().describe("When the verdict was reached."),
    rolledBack: z
      .boolean()
      .optional()
      .describe(
        "After a failed verdict: true once the group is restored; false while the rollback is retried.",
      ),
    message: z.string().max(2048).optional().describe("The last check's summary, or the verdict."),
    retryHandled: z.string().optional().describe("The retry-verification annotation value acted on."),
    extendedUntil: z.iso.datetime().optional().describe("Set once the window is extended for low traffic."),
  })
  .describe("Verification after promotion: progress and verdict of the last promoted revision.");
/** `status.verification`. */
export type VerificationStatus = z.infer<typeof VerificationStatusSchema>;
