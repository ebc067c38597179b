import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { isPromoterError } from "../errors.js";
import { buildFlowSet, type FlowSet } from "../flowset/flow-set.js";
import { formatFinding, type Finding } from "../flowset/findings.js";
import { loadRepoLayout } from "../flowset/layout.js";
import { cliSecrets } from "./secrets.js";
import { oneLine } from "../redact.js";
import { UsageError, type Command, type CommandContext } from "./command.js";
import { errorObject, outputFormat, reporting, requestedOutput } from "./failure.js";
import { withSearchedDir } from "./searched.js";
import { exitCodeFor } from "./exit-codes.js";

const HELP = `usage: ivr-promoter lint PATH --env NAME [--output text|json]

Renders the flow set at PATH (flows/**/*.yaml, environments/<env>.yaml, optional ivr-promoter.yaml)
for one environment and checks it without talking to Genesys: placeholders, YAML, flow types,
hard-coded ids and other environments' values, duplicates, flow-to-flow references and cycles.
  --env NAME       environment to render for (environments/NAME.yaml)
  --output FORMAT  text (default): one line per finding, then a summary; json: everything as JSON
Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error or unreadable layout
(missing environment file, invalid manifest).`;

interface LintArgs {
  path: string;
  env: string;
  output: "text" | "json";
}

function parseLintArgs(argv: string[]): LintArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        env: { type: "string", short: "e" },
        output: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(`lint: ${err instanceof Error ? err.message : String(err)}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1)
    throw new UsageError("lint: expected exactly one PATH (the flow set directory)");
  if (!values.env) throw new UsageError("lint: --env NAME is required");
  return { path: positionals[0]!, env: values.env, output: outputFormat("lint", values.output) };
}

/** `N errors, M warnings; F flows in L levels` — the last line of text output. */
function summary(set: FlowSet): string {
  const errors = set.findings.filter((f) => f.severity === "error").length;
  const warnings = set.findings.length - errors;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const levels = set.order.length > 0 ? ` in ${plural(set.order.length, "level")}` : "";
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}; ${plural(set.flows.length, "flow")}${levels}`;
}

function asJson(args: LintArgs, set: FlowSet): string {
  const report = {
    environment: args.env,
    ok: !set.findings.some((f) => f.severity === "error"),
    findings: set.findings,
    flows: set.flows.map((f) => ({
      path: f.path,
      name: f.flow.name,
      type: f.flow.apiType,
      contentHash: f.contentHash,
      references: f.flow.references,
    })),
    order: set.order.map((level) => level.map((f) => f.path)),
    edges: set.edges.map((e) => ({ from: e.from, to: e.to, via: e.via })),
    external: set.external.map((e) => ({ ...e.reference, usedBy: e.usedBy })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** A problem reading the layout (no environment file, unreadable manifest) as a finding-shaped line. */
function layoutFinding(path: string, err: unknown): Finding {
  const code = isPromoterError(err) ? err.code : "Layout";
  return {
    severity: "error",
    code: "Layout",
    file: path,
    message: `${code}: ${oneLine(err instanceof Error ? err.message : String(err))}`,
  };
}

/** `ivr-promoter lint PATH --env NAME [--output json]`: every finding of the flow set, exit 1 on errors. */
export const lintCommand: Command = {
  name: "lint",
  summary: "check a flow set for one environment without touching Genesys (placeholders, references, cycles)",
  run(argv, ctx) {
    return reporting(requestedOutput(argv), ctx, () => lint(argv, ctx));
  },
};

async function lint(argv: string[], ctx: CommandContext): Promise<number> {
  const args = parseLintArgs(argv);
  if (args === "help") {
    ctx.stdout.write(`${HELP}\n`);
    return 0;
  }
  let set: FlowSet;
  try {
    const layout = await loadRepoLayout(resolve(args.path), ".", args.env, cliSecrets(ctx.env.flowSecrets));
    set = buildFlowSet({ ...layout, environment: args.env, valuesFile: layout.environment.file });
  } catch (err) {
    if (!isPromoterError(err)) throw err;
    const shown = withSearchedDir(err, resolve(args.path), ".", args.env);
    const finding = layoutFinding(args.path, shown);
    if (args.output === "json") {
      const report = { environment: args.env, ok: false, findings: [finding], error: errorObject(shown) };
      ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      ctx.stdout.write(`${formatFinding(finding)}\n`);
    }
    // The set could not even be read (no environment file, unreadable manifest): a config error.
    return exitCodeFor(err);
  }
  if (args.output === "json") {
    ctx.stdout.write(asJson(args, set));
  } else {
    for (const finding of set.findings) ctx.stdout.write(`${formatFinding(finding)}\n`);
    ctx.stdout.write(`${summary(set)}\n`);
  }
  return set.findings.some((f) => f.severity === "error") ? 1 : 0;
}
