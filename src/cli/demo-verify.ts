import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import type { EmulatorSeed } from "../emulator/index.js";
import { applyCommand } from "./apply.js";
import type { CommandContext } from "./command.js";
import { bold, colorEnabled } from "./style.js";

/**
 * The demo's verification part: the emulator's prod org takes calls (time-scaled: each real second
 * carries two minutes of traffic), release 3's new Main Menu version fails 40% of its outcomes, and
 * `apply --verify` catches it within the (scaled) window and rolls the group back on its own; release 4
 * then passes verification. Windows are seconds long so `npm run demo` stays fast.
 */
export async function verifiedReleases(
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
  const admin = async (method: string, path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${url}/__admin/orgs/prod/${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator admin ${path}: ${res.status} ${await res.text()}`);
  };
  // The last minute of calls counts as the baseline (backfill): the previous versions were healthy.
  await admin("PUT", "traffic", { timeScale: 120, backfillSeconds: 60, defaults: { callsPerMinute: 60 } });
  await admin("POST", "traffic/rules", { flow: "Main Menu IVR", version: "next", failedOutcomeRatio: 0.4 });
  const orgCtx: CommandContext = { ...ctx, env: { ...ctx.env, genesysClientSecret: client.secret } };
  const args = ["--dir", repo, "--env", "prod", "--emulator", url, "--client-id", client.id];
  args.push("--state-dir", join(work, "state"));
  args.push("--verify", "--verify-window", "5s", "--verify-interval", "1s", "--verify-min-calls", "100");

  await release(repo, "release 3: new main menu wording");
  say(
    "Release 3 to prod with --verify: its Main Menu IVR fails 40% of calls' outcomes (set in the emulator)",
  );
  try {
    await applyCommand.run(args, orgCtx);
  } catch (err) {
    ctx.stdout.write(`verification caught it: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  await release(repo, "release 4: the fixed main menu");
  say("Release 4 to prod with --verify: healthy calls, verification passes");
  await applyCommand.run(args, orgCtx);
}

/** Commits a change of Main Menu IVR, after a few seconds of calls on its current version (the baseline). */
async function release(repo: string, message: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const file = join(repo, "flows/voice/main-menu.yaml");
  const text = await readFile(file, "utf8");
  await writeFile(file, text.replace(/^( {2}description: .*)$/m, `$1 (${message.split(":")[0]})`));
  const git = simpleGit(repo);
  await git.add(".");
  await git.commit(message);
}
