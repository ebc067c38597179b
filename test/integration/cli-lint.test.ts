import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lintCommand } from "../../src/cli/lint.js";
import type { CommandContext } from "../../src/cli/command.js";
import { UsageError } from "../../src/cli/command.js";
import { silentLogger } from "../../src/logger.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A flow set on disk in the repository layout: flows/**, environments/<env>.yaml, ivr-promoter.yaml. */
async function writeSet(root: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** Runs the command in-process and captures stdout. */
async function lint(argv: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (c: Buffer) => chunks.push(c));
  const ctx: CommandContext = {
    env: { logLevel: "silent", childEnv: {}, flowSecrets: {} },
    logger: silentLogger(),
    stdout,
    stderr: new PassThrough(),
    signal: new AbortController().signal,
  };
  const code = await lintCommand.run(argv, ctx);
  return { code, out: Buffer.concat(chunks).toString("utf8") };
}

const MAIN = `inboundCall:
  name: {{main_flow}}
  startUpRef: ./menus/menu[m]
  menus:
    - menu:
        name: Main
        refId: m
        choices:
          - menuTransferToAcd:
              name: Support
              targetQueue:
                lit:
                  name: {{support_queue}}
              overrideInQueueFlow:
                name: {{hold_flow}}
`;
const HOLD = `inqueueCall:
  name: {{hold_flow}}
  settingsInQueueCall:
    holdMusic:
      lit:
        name: PromptSystem.on_hold_music
`;

describe("ivr-promoter lint", () => {
  let tmp: string;
  let clean: string;
  let broken: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "ivr-lint-"));
    const envs = {
      "environments/dev.yaml":
        "values:\n  main_flow: Main IVR (dev)\n  hold_flow: Hold (dev)\n  support_queue: Support Dev\n",
      "environments/prod.yaml":
        "values:\n  main_flow: Main IVR\n  hold_flow: Hold\n  support_queue: Support\n",
    };
    clean = await writeSet(join(tmp, "clean"), {
      ...envs,
      "flows/voice/main.yaml": MAIN,
      "flows/voice/hold.yaml": HOLD,
    });
    broken = await writeSet(join(tmp, "broken"), {
      ...envs,
      "environments/dev.yaml": `${envs["environments/dev.yaml"]}  unused_key: x\n`,
      "flows/voice/main.yaml": MAIN.replace("{{support_queue}}", "Support"),
      "flows/voice/hold.yaml": HOLD.replace("{{hold_flow}}", "{{hold_flw}}"),
      "flows/wfm/schedule.yaml": "schedule:\n  name: Week 12\n",
    });
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("passes a clean set, ordering the in-queue flow first", async () => {
    const { code, out } = await lint([clean, "--env", "dev"]);
    expect(out).toBe("0 errors, 0 warnings; 2 flows in 2 levels\n");
    expect(code).toBe(0);
    const json = await lint([clean, "--env", "dev", "--output", "json"]);
    const report = JSON.parse(json.out) as {
      ok: boolean;
      order: string[][];
      external: Array<{ name: string }>;
    };
    expect(report.ok).toBe(true);
    expect(report.order).toEqual([["flows/voice/hold.yaml"], ["flows/voice/main.yaml"]]);
    expect(report.external.map((e) => e.name)).toEqual(["Support Dev"]);
  });

  it("prints every finding as file:line: severity code: message and exits 1 on errors", async () => {
    const { code, out } = await lint([broken, "--env", "dev"]);
    expect(code).toBe(1);
    expect(out.trimEnd().split("\n")).toEqual([
      'environments/dev.yaml: warning UnusedKey: substitution key "support_queue" of environment "dev" is not used by any flow file (field support_queue)',
      'environments/dev.yaml: warning UnusedKey: substitution key "unused_key" of environment "dev" is not used by any flow file (field unused_key)',
      'flows/voice/hold.yaml:2: error UnknownKey: placeholder {{hold_flw}} has no value in environment "dev" (known keys: hold_flow, main_flow, support_queue, unused_key) (field hold_flw)',
      'flows/voice/main.yaml:13: error OtherEnvironmentValue: "Support" is the environment "prod" value of {{support_queue}}, hard-coded in a file rendered for "dev"; use {{support_queue}} instead (flow "Main IVR (dev)", field inboundCall.menus[0].menu.choices[0].menuTransferToAcd.targetQueue.lit.name)',
      "flows/wfm/schedule.yaml:1: error NotAFlow: not an Architect flow: top-level key(s) schedule are not flow types (expected one top-level key among inboundCall, inboundChat, inboundEmail, inboundShortMessage, inqueueCall, inqueueEmail, inqueueShortMessage, outboundCall, secureCall, botFlow, digitalBot, commonModule, workflow, workitem, voicemail, surveyInvite, voiceSurvey, speech, voice, emailSend, businessProcess)",
      "3 errors, 2 warnings; 1 flow in 1 level",
    ]);
  });

  it.each([
    [["--env", "dev"], "lint: expected exactly one PATH (the flow set directory)"],
    [["somewhere"], "lint: --env NAME is required"],
    [["somewhere", "--env", "dev", "--output", "xml"], "lint: --output must be text or json, got 'xml'"],
  ])("rejects bad usage %j", async (argv, message) => {
    await expect(lint(argv)).rejects.toThrow(new UsageError(message));
  });

  it("works through the real entry point: exit 1 on errors, 2 on usage errors", async () => {
    const run = (args: string[]) =>
      promisify(execFile)("npx", ["tsx", "src/main.ts", "lint", ...args], {
        cwd: REPO,
        env: { ...process.env },
      }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({
          code: e.code,
          stdout: e.stdout,
          stderr: e.stderr,
        }),
      );
    const failing = await run([broken, "--env", "dev"]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain("3 errors, 2 warnings; 1 flow in 1 level");
    const usage = await run([broken]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("lint: --env NAME is required");
  });
});
