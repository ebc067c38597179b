import { planPromotion, promote } from "../engine/promote.js";
import {
  CHANGE_WINDOW_HELP,
  CHANGE_WINDOW_OPTIONS,
  loadChangeWindows,
  windowCheck,
} from "./change-window-flags.js";
import { parseCommandArgs, type Command } from "./command.js";
import { outputFormat, reporting, requestedOutput } from "./failure.js";
import { progressPrinter } from "./progress.js";
import { PROMOTION_HELP, PROMOTION_OPTIONS, preparePromotion } from "./promotion-args.js";
import { hasChanges, renderPlan, shortRev } from "./render-plan.js";
import { checkStateDir, recordRestored, writeInventory } from "./state.js";
import { ApplyFailedError } from "../engine/errors.js";
import { EXIT } from "./exit-codes.js";
import { colorEnabled } from "./style.js";
import {
  VERIFY_HELP,
  VERIFY_OPTIONS,
  VerificationFailedError,
  verificationFromFlags,
  verifyPromotion,
} from "./verify.js";

const HELP = `usage: ivr-promoter apply --env NAME (--dir DIR | --repo URL [--branch B]) TARGET [options]

Promotes the flow set to the target org: plan, preflight (nothing is written if anything fails),
then imports in dependency order under the shared rate limiter. If any flow fails, every flow this
run changed is put back on its previous published version (created flows are deleted).
Exit status: 0 applied (or nothing to do; with --verify: and verified), 1 --dry-run with changes,
2 usage or config error, 3 failed (the org is as before; with --verify also: verification failed and
the group was rolled back, or too little traffic to verify: the release stays, unverified).

${PROMOTION_HELP}
  --dry-run                 plan and preflight only (same as 'plan', exit 1 when there are changes)
  --approve HASH            apply only if the plan's hash is HASH (from 'plan --output json')
${CHANGE_WINDOW_HELP}

${VERIFY_HELP}`;

/** `ivr-promoter apply`: the whole promotion, with live progress. */
export const applyCommand: Command = {
  name: "apply",
  summary: "promote the flow set to the target org (atomic: all or nothing)",
  async run(argv, ctx) {
    return reporting(requestedOutput(argv), ctx, async () => {
      const { values } = parse(argv);
      if (values.help) {
        ctx.stdout.write(`${HELP}\n`);
        return 0;
      }
      outputFormat("apply", values.output);
      const verification = await verificationFromFlags(values);
      const prepared = await preparePromotion(values, ctx);
      const { client } = prepared.target;
      // The total is known once the plan is; the printer is created lazily for that reason.
      let printer: ReturnType<typeof progressPrinter> | undefined;
      const progress: ReturnType<typeof progressPrinter> = (e) => {
        printer ??= progressPrinter(ctx.stdout, writes, colorEnabled(ctx.stdout, ctx.env));
        printer(e);
      };
      if (values["dry-run"]) {
        const planned = await planPromotion(client, prepared.request, { check: true });
        if (values.output === "json")
          ctx.stdout.write(`${JSON.stringify({ plan: planned.plan }, null, 2)}\n`);
        else ctx.stdout.write(renderPlan(planned.plan));
        // Exactly like plan: a dry run is a plan, and scripts test it the same way.
        return hasChanges(planned.plan) ? EXIT.changes : EXIT.ok;
      }
      await checkStateDir(prepared.stateDir);
      const text = values.output !== "json";
      const windows = values["change-windows"]
        ? await loadChangeWindows(values["change-windows"])
        : undefined;
      const inWindow = windowCheck(windows, values["override-change-window"], ctx);
      let writes = 0;
      const outcome = await promoteRecordingRestores(prepared.stateDir, prepared.org.id, () =>
        promote(
          client,
          {
            ...prepared.request,
            ...(verification ? { retainJournal: true } : {}),
            onPlan: (plan) => {
              inWindow(plan);
              writes = plan.actions.filter((a) => a.kind !== "unchanged" && a.kind !== "prune").length;
              if (text) ctx.stdout.write(renderPlan(plan));
            },
            onEvent: text ? (e) => progress(e) : undefined,
          },
          typeof values.approve === "string" ? values.approve : undefined,
        ),
      );
      const record = () =>
        writeInventory(prepared.stateDir, {
          org: prepared.org,
          revision: prepared.request.revision,
          inventory: outcome.inventory,
        });
      const s = outcome.plan.summary;
      if (text) {
        ctx.stdout.write(
          hasChanges(outcome.plan)
            ? `Applied revision ${shortRev(prepared.request.revision)} to ${prepared.request.target}: ${s.create} created, ${s.update + s.drifted} updated, ${s.prune} pruned, ${s.unchanged} unchanged.\n`
            : `Nothing to do: ${prepared.request.target} already matches revision ${shortRev(prepared.request.revision)}.\n`,
        );
      }
      let verified: { message: string } | undefined;
      if (verification && hasChanges(outcome.plan)) {
        try {
          verified = await verifyPromotion({
            spec: verification,
            outcome,
            revision: prepared.request.revision,
            client,
            journal: prepared.request.journal,
            target: prepared.request.target,
            ctx,
            text,
          });
        } catch (err) {
          // Rolled back: the state file keeps the previous inventory, with the restored version ids.
          if (err instanceof VerificationFailedError && err.code === "VerificationInconclusive")
            await record();
          if (err instanceof VerificationFailedError)
            await recordRestored(prepared.stateDir, prepared.org.id, err.restoredVersions);
          throw err;
        }
      }
      await record();
      if (values.output === "json") {
        ctx.stdout.write(
          `${JSON.stringify({ plan: outcome.plan, inventory: outcome.inventory, ...(verified ? { verification: verified.message } : {}) }, null, 2)}\n`,
        );
      } else if (verified) ctx.stdout.write(`${verified.message}\n`);
      return 0;
    });
  },
};

/** Runs `run`; when it fails after a rollback by re-import, records the restored versions first. */
async function promoteRecordingRestores<T>(
  stateDir: string,
  orgId: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ApplyFailedError) await recordRestored(stateDir, orgId, err.restoredVersions);
    throw err;
  }
}

function parse(argv: string[]) {
  return parseCommandArgs("apply", argv, {
    ...PROMOTION_OPTIONS,
    ...VERIFY_OPTIONS,
    "dry-run": { type: "boolean", default: false },
    approve: { type: "string" },
    ...CHANGE_WINDOW_OPTIONS,
  });
}
