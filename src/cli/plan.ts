import { planPromotion } from "../engine/promote.js";
import { parseCommandArgs, type Command } from "./command.js";
import { outputFormat, reporting, requestedOutput } from "./failure.js";
import { PROMOTION_HELP, PROMOTION_OPTIONS, preparePromotion } from "./promotion-args.js";
import { hasChanges, renderPlan } from "./render-plan.js";

const HELP = `usage: ivr-promoter plan --env NAME (--dir DIR | --repo URL [--branch B]) TARGET [options]

Shows what apply would do (like 'flux diff'), after the same preflight apply runs: every by-name
reference checked in the target org, locks checked. Writes nothing to the org.
Exit status: 0 no changes, 1 changes, 2 usage or config error, 3 the target or preflight failed.

${PROMOTION_HELP}
  --verbose                 list unchanged flows too`;

/** `ivr-promoter plan`: observe, plan, preflight; print the diff; exit 0 (no change) or 1 (changes). */
export const planCommand: Command = {
  name: "plan",
  summary: "show what apply would change in the target org",
  async run(argv, ctx) {
    return reporting(requestedOutput(argv), ctx, async () => {
      const { values } = parse(argv);
      if (values.help) {
        ctx.stdout.write(`${HELP}\n`);
        return 0;
      }
      outputFormat("plan", values.output);
      const prepared = await preparePromotion(values, ctx);
      const planned = await planPromotion(prepared.target.client, prepared.request, { check: true });
      if (values.output === "json") {
        const warnings = [...prepared.loaded.warnings, ...(planned.preflight?.warnings ?? [])];
        ctx.stdout.write(`${JSON.stringify({ plan: planned.plan, warnings }, null, 2)}\n`);
      } else {
        for (const w of planned.preflight?.warnings ?? [])
          ctx.stderr.write(`warning: ${w.flow}: ${w.message}\n`);
        ctx.stdout.write(renderPlan(planned.plan, { verbose: values.verbose === true }));
      }
      return hasChanges(planned.plan) ? 1 : 0;
    });
  },
};

function parse(argv: string[]) {
  return parseCommandArgs("plan", argv, {
    ...PROMOTION_OPTIONS,
    verbose: { type: "boolean", default: false },
  });
}
