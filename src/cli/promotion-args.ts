import { join, resolve } from "node:path";
import type { PromotionRequest } from "../engine/promote.js";
import { loadDesired, type LoadedFlowSet } from "../engine/load.js";
import type { LockPolicy } from "../engine/preflight.js";
import { defaultStateDir } from "../config.js";
import { GitSource } from "../source/index.js";
import { workTreeRevision } from "../source/work-tree-revision.js";
import { UsageError, type CommandContext } from "./command.js";
import { cliSecrets } from "./secrets.js";
import { withSearchedDir } from "./searched.js";
import { journalFor, readInventory } from "./state.js";
import { TARGET_HELP, TARGET_OPTIONS, targetFromFlags, type CliTarget } from "./target.js";

/** Options shared by `plan` and `apply`. */
export const PROMOTION_OPTIONS = {
  ...TARGET_OPTIONS,
  dir: { type: "string" },
  repo: { type: "string" },
  branch: { type: "string" },
  tag: { type: "string" },
  commit: { type: "string" },
  path: { type: "string", default: "." },
  env: { type: "string" },
  "state-dir": { type: "string" },
  prune: { type: "boolean", default: false },
  "lock-policy": { type: "string", default: "Fail" },
  "cycle-policy": { type: "string", default: "Reject" },
  concurrency: { type: "string", default: "8" },
  output: { type: "string", short: "o", default: "text" },
  help: { type: "boolean", short: "h" },
} as const;

/** Help text for {@link PROMOTION_OPTIONS}. */
export const PROMOTION_HELP = `flow set (one of):
  --dir DIR                 a local checkout (revision = its HEAD commit; when modified, the branch
                            commit the work tree equals, e.g. export's, else HEAD+dirty)
  --repo URL                a Git repository, with --branch B | --tag T | --commit SHA
  --path P                  the flow set inside the repository (default .)
  --env NAME                the environment whose values are substituted (environments/NAME.yaml)
${TARGET_HELP}
behaviour:
  --state-dir DIR           where the inventory and apply journal are kept, per org
                            (default $XDG_STATE_HOME/ivr-promoter, else ~/.local/state/ivr-promoter)
  --prune                   delete flows this tool applied before that left the set
  --lock-policy P           Fail (default) or ForceUnlock for flows locked by someone else
  --cycle-policy P          Reject (default) or BreakWithStubs for flows that reference each other
  --concurrency N           imports in flight at once (default 8)
  -o, --output text|json    text (default), or one JSON document on stdout whatever the outcome`;

type Values = { [K in keyof typeof PROMOTION_OPTIONS]?: string | boolean };

/** Everything plan and apply need, built from the flags. */
export interface PreparedPromotion {
  target: CliTarget;
  org: { id: string; name: string };
  loaded: LoadedFlowSet;
  request: PromotionRequest;
  stateDir: string;
}

/** Reads the flow set, connects to the target, and loads what was applied before. */
export async function preparePromotion(values: Values, ctx: CommandContext): Promise<PreparedPromotion> {
  const str = (k: keyof Values): string | undefined =>
    typeof values[k] === "string" ? (values[k] as string) : undefined;
  const env = str("env");
  if (!env) throw new UsageError("missing --env NAME");
  const lockPolicy = str("lock-policy") ?? "Fail";
  if (lockPolicy !== "Fail" && lockPolicy !== "ForceUnlock") {
    throw new UsageError(`--lock-policy must be Fail or ForceUnlock, got '${lockPolicy}'`);
  }
  const cyclePolicy = str("cycle-policy") ?? "Reject";
  if (cyclePolicy !== "Reject" && cyclePolicy !== "BreakWithStubs") {
    throw new UsageError(`--cycle-policy must be Reject or BreakWithStubs, got '${cyclePolicy}'`);
  }
  const concurrency = Number(str("concurrency") ?? "8");
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError("--concurrency must be an integer from 1 to 32");
  }
  const { root, revision } = await checkoutFlowSet(values, ctx);
  const path = str("path") ?? ".";
  const loaded = await loadDesired(root, path, env, cliSecrets(ctx.env.flowSecrets), { cyclePolicy }).catch(
    (err: unknown) => {
      throw withSearchedDir(err, str("repo") ?? root, path, env);
    },
  );
  const target = targetFromFlags(values as Record<string, string>, ctx.env, ctx.logger);
  const org = await target.client.organization();
  const stateDir = resolve(str("state-dir") ?? defaultStateDir(ctx.env));
  const request: PromotionRequest = {
    revision,
    target: `${org.name} (${org.id})`,
    desired: loaded.desired,
    inventory: await readInventory(stateDir, org.id),
    prune: values.prune === true,
    lockPolicy: lockPolicy as LockPolicy,
    selfClientId: target.clientId,
    concurrency,
    journal: journalFor(stateDir, org.id),
    logger: ctx.logger,
    signal: ctx.signal,
  };
  return { target, org, loaded, request, stateDir };
}

async function checkoutFlowSet(
  values: Values,
  ctx: CommandContext,
): Promise<{ root: string; revision: string }> {
  const str = (k: keyof Values): string | undefined =>
    typeof values[k] === "string" ? (values[k] as string) : undefined;
  const dir = str("dir");
  const repo = str("repo");
  if (dir && repo) throw new UsageError("give --dir or --repo, not both");
  if (repo) {
    const refs = (["branch", "tag", "commit"] as const).filter((k) => str(k) !== undefined);
    if (refs.length > 1) throw new UsageError("give one of --branch, --tag, --commit");
    const source = new GitSource({
      cacheDir: ctx.env.cacheDir ?? join(resolve(str("state-dir") ?? defaultStateDir(ctx.env)), "cache"),
      logger: ctx.logger,
      env: ctx.env.childEnv,
      // The CLI runs as its user, with that user's own reach (and no Git credentials): the tenancy
      // lockdown on http and file:// is the operator's, where one process serves many teams.
      policy: { allowInsecureHttp: true, allowLocal: true },
    });
    const ref = refs[0] ? { [refs[0]]: str(refs[0]) } : {};
    const checkout = await source.checkout({ url: repo, ref });
    return { root: checkout.dir, revision: checkout.revision };
  }
  const root = resolve(dir ?? ".");
  return { root, revision: await workTreeRevision(root, ctx.env.childEnv) };
}
