import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { defaultStateDir } from "../config.js";
import { exportFromOrg, type ExportedFile } from "../engine/export.js";
import { loadDesired } from "../engine/load.js";
import { parseLayoutFile } from "../flowset/layout-file.js";
import { EnvironmentFileSchema } from "../flowset/layout-schema.js";
import { UsageError, parseCommandArgs, type Command } from "./command.js";
import { commitToBranch } from "./export-commit.js";
import { checkStateDir, mergeInventory } from "./state.js";
import { ConfigError } from "./exit-codes.js";
import { PromoterError } from "../errors.js";
import { simpleGit } from "simple-git";
import { TARGET_HELP, TARGET_OPTIONS, targetFromFlags } from "./target.js";

const HELP = `usage: ivr-promoter export --dir REPO --env NAME (--flow NAME... | --type T... | --all) TARGET [options]

Captures published flows from an org into Git: runs export jobs, turns the environment's values back
into {{key}} placeholders (so the YAML is portable to other environments), records each flow's
dependencies in a header comment, writes the files in the repository layout, and commits them to a branch.
  --dir REPO                a Git work tree (the files go under <path>/flows/)
  --path P                  the flow set inside the repository (default .)
  --env NAME                whose values to reverse-substitute (environments/NAME.yaml)
  --flow NAME               a flow to export (repeatable)
  --type T                  every published flow of this type (repeatable; e.g. inboundcall)
  --all                     every published flow
  --branch B                commit to this branch (default ivr-export/<env>; created from HEAD if absent)
                            without switching to it: HEAD and the index stay as they are
  --message M               commit message
  --no-commit               write the files only
  --allow-unknown-dependencies   export flows whose dependencies dependency-tracking could not tell
  --state-dir DIR           where the exported flows are recorded as applied, so 'plan' right after
                            shows no change (default as for plan)
${TARGET_HELP}`;

/** `ivr-promoter export`: org → Git. */
export const exportCommand: Command = {
  name: "export",
  summary: "capture flows from an org into Git, with placeholders put back",
  async run(argv, ctx) {
    const values = parse(argv);
    if (values.help) {
      ctx.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (!values.dir) throw new UsageError("missing --dir REPO");
    if (!values.env) throw new UsageError("missing --env NAME");
    const root = resolve(values.dir);
    const path = values.path ?? ".";
    const envValues = await readEnvironmentValues(join(root, path, "environments", `${values.env}.yaml`));
    if (!values["no-commit"]) await requireWorkTree(root);
    const target = targetFromFlags(values, ctx.env, ctx.logger);
    const stateDir = resolve(values["state-dir"] ?? defaultStateDir(ctx.env));
    await checkStateDir(stateDir);
    const files = await exportFromOrg(
      target.client,
      { names: values.flow, types: values.type, all: values.all === true },
      envValues,
      { allowUnknownDependencies: values["allow-unknown-dependencies"] === true, signal: ctx.signal },
    );
    const existing = await existingFiles(root, path, values.env);
    const written: string[] = [];
    for (const file of files) {
      const rel = existing.get(file.key) ?? defaultFile(file);
      await mkdir(dirname(join(root, path, rel)), { recursive: true });
      await writeFile(join(root, path, rel), file.text);
      written.push(join(path, rel));
      const literal = file.literalKeys.length ? ` (left literal: ${file.literalKeys.join(", ")})` : "";
      ctx.stdout.write(`exported ${file.key} → ${join(path, rel)}${literal}\n`);
    }
    const org = await target.client.organization();
    // Recorded as applied (merged into what was there), so a plan right after shows no change.
    await mergeInventory(
      stateDir,
      org,
      files.map((f) => f.inventory),
    );
    if (values["no-commit"]) return 0;
    const branch = values.branch ?? `ivr-export/${values.env}`;
    const message = values.message ?? `Export ${files.length} flow(s) from ${org.name} (${values.env})`;
    const result = await commitToBranch(root, branch, written, message).catch((err: unknown) => {
      throw new PromoterError(
        "ExportCommitFailed",
        "Stalled",
        `committing to ${branch} failed (the files are in the work tree): ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    });
    ctx.stdout.write(
      result.commit
        ? `committed ${result.commit.slice(0, 12)} on ${branch} (HEAD unchanged; the files are also in the work tree)\n`
        : `no changes to commit on ${branch}\n`,
    );
    if (result.commit && !result.onHead) {
      // `git merge` alone refuses: the work tree holds the same files, untracked or modified.
      const flows = join(path, "flows");
      ctx.stdout.write(`take it with: git checkout ${branch} -- ${flows} && git merge ${branch}\n`);
    }
    return 0;
  },
};

function parse(argv: string[]) {
  return parseCommandArgs("export", argv, {
    ...TARGET_OPTIONS,
    dir: { type: "string" },
    path: { type: "string" },
    env: { type: "string" },
    flow: { type: "string", multiple: true },
    type: { type: "string", multiple: true },
    all: { type: "boolean" },
    branch: { type: "string" },
    message: { type: "string" },
    "no-commit": { type: "boolean" },
    "allow-unknown-dependencies": { type: "boolean" },
    "state-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  }).values;
}

/** The environment's plain values (secret values are never reverse-substituted: they must not be exported). */
async function readEnvironmentValues(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new UsageError(`cannot read ${file}: the environment file is needed to put placeholders back`);
  }
  const env = parseLayoutFile(EnvironmentFileSchema, text, file);
  return Object.fromEntries(Object.entries(env.values).map(([k, v]) => [k, String(v)]));
}

/** Where each flow already lives in the repository, so an export updates that file instead of adding one. */
async function existingFiles(root: string, path: string, env: string): Promise<Map<string, string>> {
  try {
    const loaded = await loadDesired(root, path, env);
    return new Map(loaded.desired.map((f) => [f.key, f.file]));
  } catch {
    return new Map(); // an empty or broken set: write new files
  }
}

function defaultFile(file: ExportedFile): string {
  const safeName = file.name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "flow";
  return `flows/${file.type.toLowerCase()}/${safeName}.yaml`;
}

/** Without --no-commit the export is committed: a directory outside Git is refused before any export job. */
async function requireWorkTree(root: string): Promise<void> {
  let inside = false;
  try {
    inside = (await simpleGit(root).raw(["rev-parse", "--is-inside-work-tree"])).trim() === "true";
  } catch {
    // not a directory simple-git can use, or git says it is not in a repository
  }
  if (!inside)
    throw new ConfigError(
      "NotAGitWorkTree",
      `--dir ${root} is not a Git work tree: give a checkout, or --no-commit to write the files only`,
    );
}
