import { realpath } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultStateDir } from "../config.js";
import { PreflightFailedError } from "../engine/errors.js";
import { observeFlows } from "../engine/observe.js";
import { LayoutError } from "../flowset/layout-file.js";
import { buildPlan } from "../engine/plan.js";
import { preflight } from "../engine/preflight.js";
import { buildReport, environmentNames, renderForPreview, type ParseCache } from "../preview/load.js";
import type { PreviewReport, TargetVerdict } from "../preview/model.js";
import { renderPreviewMarkdown } from "../preview/render-markdown.js";
import { renderPreviewText } from "../preview/render-text.js";
import { GitRefNotFoundError, GitSource, checkFlowPath, openLocalRepo } from "../source/index.js";
import { UsageError, parseCommandArgs, type Command, type CommandContext } from "./command.js";
import { EXIT } from "./exit-codes.js";
import { reporting, requestedOutput } from "./failure.js";
import { preparePromotion } from "./promotion-args.js";
import { colorEnabled } from "./style.js";
import { TARGET_HELP, TARGET_OPTIONS } from "./target.js";

const HELP = `usage: ivr-promoter diff [--dir DIR] [--base REV] [--head REV] [--env NAME] [--output text|markdown|json] [TARGET]

Shows what a change does to each environment's flows (a pull-request preview): per flow added,
removed, changed, renamed or unchanged; the semantic changes (menus, choices, tasks, actions,
settings, references); the rendered YAML diff per environment, secret values masked; a Mermaid
flowchart of each changed flow (markdown, json). Writes nothing anywhere.
Exit status: 0 no changes, 1 changes, 2 usage or config error, 3 the target or preflight failed.

revisions:
  --dir DIR                 the repository (default .); --path P is the flow set inside it (default .)
  --base REV                default: the merge base of HEAD with the default branch (origin/HEAD, main, master)
  --head REV                default: the working tree, uncommitted changes included
  --env NAME                one environment (default: every environments/*.yaml of either revision)
output:
  -o, --output FORMAT       text (colour on a terminal), markdown (a pull-request comment within
                            65,536 characters) or json (schemas/ivr-preview.schema.json)
against an org (optional; needs --env, and the secret values IVR_SECRET_<KEY> the environment names):
${TARGET_HELP}
  --state-dir DIR, --prune, --lock-policy P, --cycle-policy P, --concurrency N   as for plan`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  dir: { type: "string", default: "." },
  path: { type: "string", default: "." },
  base: { type: "string" },
  head: { type: "string" },
  env: { type: "string" },
  output: { type: "string", short: "o", default: "text" },
  "state-dir": { type: "string" },
  prune: { type: "boolean", default: false },
  "lock-policy": { type: "string", default: "Fail" },
  "cycle-policy": { type: "string", default: "Reject" },
  concurrency: { type: "string", default: "8" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parse>["values"];

/** `ivr-promoter diff`: the preview of a change between two revisions, per environment. */
export const diffCommand: Command = {
  name: "diff",
  summary: "preview what a change does to each environment's flows (for pull requests)",
  async run(argv, ctx) {
    // Parsed inside reporting(): a bad flag with --output json is still one JSON document on stdout.
    return reporting(requestedOutput(argv), ctx, async () => {
      const { values } = parse(argv);
      if (values.help) {
        ctx.stdout.write(`${HELP}\n`);
        return 0;
      }
      const output = values.output;
      if (output !== "text" && output !== "markdown" && output !== "json") {
        throw new UsageError(`diff: --output must be text, markdown or json, got '${output}'`);
      }
      const hasTarget = values.emulator !== undefined || values.region !== undefined;
      if (hasTarget && values.env === undefined) {
        throw new UsageError(
          "diff: a target org is one environment: give --env NAME with --emulator or --region",
        );
      }
      const { report, headDir } = await preview(values, ctx);
      if (hasTarget) {
        const env = report.environments.find((e) => e.environment === values.env);
        const verdict = await targetVerdict(values, headDir, ctx);
        if (env) env.target = verdict;
      }
      if (output === "json") ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (output === "markdown") ctx.stdout.write(renderPreviewMarkdown(report));
      else ctx.stdout.write(renderPreviewText(report, { color: colorEnabled(ctx.stdout, ctx.env) }));
      if (report.environments.some((e) => e.target && !e.target.preflight.ok)) return EXIT.failed;
      return report.changed ? EXIT.changes : EXIT.ok;
    });
  },
};

function parse(argv: string[]) {
  return parseCommandArgs("diff", argv, OPTIONS);
}

/** Reads both revisions through the Git source, renders every environment (masked) and compares. */
async function preview(
  values: Values,
  ctx: CommandContext,
): Promise<{ report: PreviewReport; headDir: string }> {
  const repo = await openLocalRepo(resolve(values.dir), ctx.env.childEnv).catch(asUsage);
  const here = relative(await realpath(repo.root), await realpath(resolve(values.dir)))
    .split(sep)
    .join("/");
  const path = [here, checkFlowPath(values.path)].filter((p) => p !== "").join("/") || ".";
  const source = new GitSource({
    cacheDir: ctx.env.cacheDir ?? join(resolve(values["state-dir"] ?? defaultStateDir(ctx.env)), "cache"),
    logger: ctx.logger,
    env: ctx.env.childEnv,
    policy: { allowLocal: true, allowInsecureHttp: true },
  });
  const snapshot = async (commit: string): Promise<string> =>
    (await source.checkout({ url: pathToFileURL(repo.root).href, ref: { commit } })).dir;
  const base =
    values.base !== undefined
      ? await repo.commitOf(values.base).catch(asUsage)
      : (await repo.defaultBase().catch(asUsage)).commit;
  const head = values.head !== undefined ? await repo.commitOf(values.head).catch(asUsage) : undefined;
  const baseDir = await snapshot(base);
  const headDir = head !== undefined ? await snapshot(head) : repo.root;
  const headRevision = head ?? (await repo.worktreeRevision());
  const names = async (dir: string): Promise<string[]> => environmentNames(dir, path).catch(() => []);
  const all = [...new Set([...(await names(baseDir)), ...(await names(headDir))])].sort();
  if (values.env !== undefined && !all.includes(values.env)) {
    throw new UsageError(
      `unknown environment "${values.env}" (environments/${values.env}.yaml is in neither revision; available: ${all.join(", ") || "none"})`,
    );
  }
  const environments = values.env !== undefined ? [values.env] : all;
  const cache: ParseCache = new Map();
  const baseFlows = await renderOrEmpty(baseDir, path, environments, cache);
  const headFlows = await renderForPreview(headDir, path, environments, cache);
  const report = buildReport({ base, head: headRevision, path }, baseFlows, headFlows, environments);
  return { report, headDir: join(headDir, path) };
}

/** A revision the user typed that names no commit is a usage error (exit 2), like a bad flag. */
function asUsage(err: unknown): never {
  if (err instanceof GitRefNotFoundError) throw new UsageError(err.message);
  throw err;
}

/** The base may predate the flow set or its flows (a first pull request): then every flow is added. */
async function renderOrEmpty(dir: string, path: string, environments: readonly string[], cache: ParseCache) {
  if ((await environmentNames(dir, path).catch(() => undefined)) === undefined) return new Map();
  return renderForPreview(dir, path, environments, cache).catch((err: unknown) => {
    if (err instanceof LayoutError && /no flow files/.test(err.message)) return new Map();
    throw err;
  });
}

/**
 * The plan and preflight verdict of the head against the target org, computed like `plan` but read-only:
 * no journal recovery (which would roll back an interrupted apply), no unlock, no import.
 */
async function targetVerdict(values: Values, headDir: string, ctx: CommandContext): Promise<TargetVerdict> {
  const prepared = await preparePromotion({ ...values, dir: headDir, path: "." }, ctx);
  const { request: req, target } = prepared;
  const types = new Set([...req.desired.map((f) => f.type), ...req.inventory.map((e) => e.type)]);
  const observed = await observeFlows(target.client, types);
  const plan = buildPlan({ ...req, observed });
  const verdict: TargetVerdict = {
    target: plan.target,
    plan: {
      hash: plan.hash,
      summary: plan.summary,
      actions: plan.actions.map((a) => ({ kind: a.kind, key: a.key, detail: a.detail })),
    },
    preflight: { ok: true, findings: [], warnings: [] },
  };
  try {
    const checked = await preflight(target.client, {
      plan,
      desired: req.desired,
      observed,
      lockPolicy: req.lockPolicy,
      selfClientId: req.selfClientId,
    });
    verdict.preflight.warnings = checked.warnings.map(finding);
  } catch (err) {
    if (!(err instanceof PreflightFailedError)) throw err;
    verdict.preflight = { ok: false, findings: err.findings.map(finding), warnings: [] };
  }
  return verdict;
}

function finding(f: { flow: string; code: string; message: string }) {
  return { flow: f.flow, code: f.code, message: f.message };
}
