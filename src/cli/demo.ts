import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { simpleGit } from "simple-git";
import { loadSeedFile, startEmulator, type EmulatorSeed } from "../emulator/index.js";
import { applyCommand } from "./apply.js";
import { verifiedReleases } from "./demo-verify.js";
import { parseCommandArgs, type Command, type CommandContext } from "./command.js";
import { planCommand } from "./plan.js";
import { bold, colorEnabled } from "./style.js";

const HELP = `usage: ivr-promoter demo [--examples DIR] [--keep]

Starts the embedded Genesys Cloud emulator with a dev and a prod org (examples/emulator-seed.yaml),
commits examples/ to a throw-away Git repository, and promotes it dev → prod with the same engine the
operator runs: plan, live progress, result, then a second plan showing that nothing is left to do;
a release whose import fails is rolled back, and a release whose new Main Menu fails 40% of its calls
is caught by verification after promotion (--verify) and rolled back on its own.
  --examples DIR   the example repository layout (default: the examples/ folder of this project)
  --keep           keep the emulator running afterwards (Ctrl-C to stop)`;

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** `ivr-promoter demo`: the whole product on one machine, no cluster and no Genesys org needed. */
export const demoCommand: Command = {
  name: "demo",
  summary: "promote examples/ dev → prod on the embedded emulator",
  async run(argv, ctx) {
    const { values } = parseCommandArgs("demo", argv, {
      examples: { type: "string" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) {
      ctx.stdout.write(`${HELP}\n`);
      return 0;
    }
    const examples = resolve(values.examples ?? join(PROJECT_ROOT, "examples"));
    const seed = await loadSeedFile(join(examples, "emulator-seed.yaml"));
    const emulator = await startEmulator({ seed, logger: ctx.logger.child({ component: "emulator" }) });
    const work = await mkdtemp(join(tmpdir(), "ivr-promoter-demo-"));
    const say = (text: string): void =>
      void ctx.stdout.write(`\n${bold(`== ${text}`, colorEnabled(ctx.stdout, ctx.env))}\n`);
    try {
      say(
        `Genesys Cloud emulator at ${emulator.url} with orgs ${(seed.orgs ?? []).map((o) => o.name).join(", ")}`,
      );
      const repo = join(work, "repo");
      const sha = await commitExamples(examples, repo);
      ctx.stdout.write(`committed ${examples} to ${repo} at ${sha.slice(0, 12)}\n`);
      for (const envName of ["dev", "prod"]) {
        const org = (seed.orgs ?? []).find((o) => o.name === envName);
        const client = org?.clients?.[0];
        if (!client) throw new Error(`emulator-seed.yaml has no org '${envName}' with a client`);
        const orgCtx: CommandContext = { ...ctx, env: { ...ctx.env, genesysClientSecret: client.secret } };
        const args = ["--dir", repo, "--env", envName, "--emulator", emulator.url, "--client-id", client.id];
        args.push("--state-dir", join(work, "state"));
        say(`Promoting to ${envName}`);
        const code = await applyCommand.run(args, orgCtx);
        if (code !== 0) return code;
        if (envName === "prod") {
          say("Planning prod again: a no-op reconcile writes nothing");
          await planCommand.run(args, orgCtx);
        }
      }
      await failedRelease(repo, emulator.url, seed, work, ctx);
      await verifiedReleases(repo, emulator.url, seed, work, ctx);
      if (values.keep) {
        say(
          `Emulator still running at ${emulator.url} (admin state: ${emulator.url}/__admin/state); Ctrl-C to stop`,
        );
        await new Promise<void>((done) => ctx.signal.addEventListener("abort", () => done(), { once: true }));
      }
      return 0;
    } finally {
      await emulator.close();
      await rm(work, { recursive: true, force: true });
    }
  },
};

/**
 * The part no other tool does: release 2 changes every flow, prod's import of the last one fails
 * (a fault injected in the emulator), and the six flows already published are put back. Then the
 * fault is cleared and the same release goes through.
 */
async function failedRelease(
  repo: string,
  url: string,
  seed: EmulatorSeed,
  work: string,
  ctx: CommandContext,
): Promise<void> {
  const say = (text: string): void =>
    void ctx.stdout.write(`\n${bold(`== ${text}`, colorEnabled(ctx.stdout, ctx.env))}\n`);
  const client = (seed.orgs ?? []).find((o) => o.name === "prod")?.clients?.[0];
  if (!client) return;
  const git = simpleGit(repo);
  const files = (await git.raw(["ls-files", "flows"])).split("\n").filter((f) => f.endsWith(".yaml"));
  for (const file of files) {
    const text = await readFile(join(repo, file), "utf8");
    await writeFile(join(repo, file), text.replace(/^( {2}description: .*)$/m, "$1 (release 2)"));
  }
  await git.add(".");
  await git.commit("release 2: reword every flow description");
  const faults = (body: unknown): Promise<Response> =>
    fetch(`${url}/__admin/orgs/prod/faults`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  await faults({ failJobsForFlows: ["Main Menu IVR"] });
  say("Release 2 to prod, with the import of Main Menu IVR made to fail: the whole group is rolled back");
  const orgCtx: CommandContext = { ...ctx, env: { ...ctx.env, genesysClientSecret: client.secret } };
  const args = ["--dir", repo, "--env", "prod", "--emulator", url, "--client-id", client.id];
  args.push("--state-dir", join(work, "state"));
  try {
    await applyCommand.run(args, orgCtx);
  } catch (err) {
    ctx.stdout.write(`apply failed as intended: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  say("Fault cleared: release 2 goes through");
  await faults({});
  await applyCommand.run(args, orgCtx);
}

/** Commits a copy of `examples` into a new repository, so the promotion has a real revision. */
async function commitExamples(examples: string, repo: string): Promise<string> {
  await cp(examples, repo, { recursive: true });
  const git = simpleGit(repo);
  await git.init(["--initial-branch=main"]);
  await git.addConfig("user.email", "demo@ivr-promoter.dev").addConfig("user.name", "ivr-promoter demo");
  await git.addConfig("commit.gpgsign", "false");
  await git.add(".");
  await git.commit("examples");
  return (await git.revparse(["HEAD"])).trim();
}
