import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { z } from "zod";
import { GROUP, NAMES, VERSION } from "../src/api/ivr-promotion.js";
import { commonModuleYaml } from "../test/helpers/seeds.js";

/**
 * The Kubernetes side of the operator bench: the flow sets of the teams (one Git repository, one
 * directory per IvrPromotion), the objects, readiness counting, and the operator child process run
 * either through tsx (as developers run it) or as precompiled JavaScript (as the image runs dist/).
 */

/** How the operator process is started. */
export type OperatorRuntime = "tsx" | "compiled";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

function pad3(i: number): string {
  return String(i + 1).padStart(3, "0");
}

/** Files of team `i`'s flow set: a common module, an in-queue flow and an inbound line using both. */
export function teamFiles(i: number): Record<string, string> {
  const dir = `teams/team-${pad3(i)}`;
  const queue = `Queue ${String((i % 12) + 1).padStart(2, "0")}`;
  return {
    [`${dir}/environments/bench.yaml`]: `values:\n  team: "Team ${pad3(i)}"\n  queue: "${queue}"\n`,
    [`${dir}/flows/module.yaml`]: commonModuleYaml("{{team}} Greeting"),
    [`${dir}/flows/hold.yaml`]: `inqueueCall:
  name: "{{team}} Hold"
  division: Home
  settingsInQueueCall:
    holdMusic:
      lit:
        name: PromptSystem.on_hold_music
`,
    [`${dir}/flows/line.yaml`]: `inboundCall:
  name: "{{team}} Line"
  division: Home
  startUpRef: "/inboundCall/tasks/task[Start_10]"
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
          - callCommonModule:
              name: Greeting
              commonModule:
                "{{team}} Greeting":
                  ver_latestPublished:
                    inputs: {}
          - jumpToMenu:
              name: To menu
              targetMenuRef: "/inboundCall/menus/menu[Menu_20]"
  menus:
    - menu:
        name: Main
        refId: Menu_20
        choices:
          - menuTransferToAcd:
              name: Agent
              dtmf: digit_0
              targetQueue:
                lit:
                  name: {{queue}}
              overrideInQueueFlow:
                name: "{{team}} Hold"
`,
  };
}

/** IvrPromotion `team-NNN` for team `i`, into the org whose credentials Secret is `secret`. */
export function promotionManifest(
  i: number,
  opts: { namespace: string; repoUrl: string; endpoint: string; secret: string; perMinute: number },
) {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: NAMES.kind,
    metadata: { name: `team-${pad3(i)}`, namespace: opts.namespace },
    spec: {
      source: { url: opts.repoUrl, ref: { branch: "main" } },
      path: `teams/team-${pad3(i)}`,
      environment: "bench",
      target: { endpoint: opts.endpoint, credentialsSecretRef: { name: opts.secret } },
      rateLimit: { requestsPerMinute: opts.perMinute },
    },
  };
}

const ListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ generation: z.number().optional() }),
      status: z
        .object({
          conditions: z
            .array(
              z.object({ type: z.string(), status: z.string(), observedGeneration: z.number().optional() }),
            )
            .optional(),
        })
        .optional(),
    }),
  ),
});

/** IvrPromotions of `namespace` whose Ready condition is True for their current generation. */
export async function countReady(objects: CustomObjectsApi, namespace: string): Promise<number> {
  const list = ListSchema.parse(
    await objects.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: NAMES.plural,
    }),
  );
  return list.items.filter((o) =>
    (o.status?.conditions ?? []).some(
      (c) =>
        c.type === "Ready" &&
        c.status === "True" &&
        (c.observedGeneration ?? 0) >= (o.metadata.generation ?? 0),
    ),
  ).length;
}

/**
 * Bundles src/main.ts into `dir` as one ESM file with packages left external (resolved through a
 * node_modules link), which is what `node dist/main.js` in the image loads minus tsc's file split.
 * esbuild comes with tsx. Undefined with the reason when it cannot be built.
 */
export function compileOperator(dir: string): { entry: string } | { error: string } {
  const esbuild = join(REPO_ROOT, "node_modules", ".bin", "esbuild");
  if (!existsSync(esbuild)) return { error: "esbuild (a tsx dependency) not found" };
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, "main.mjs");
  try {
    execFileSync(esbuild, [
      join(REPO_ROOT, "src", "main.ts"),
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      "--packages=external",
      `--outfile=${entry}`,
      "--log-level=error",
    ]);
    if (!existsSync(join(dir, "node_modules")))
      symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  } catch (err) {
    return { error: `esbuild failed: ${String(err).split("\n")[0]}` };
  }
  return { entry };
}

/** A running operator. */
export interface RunningOperator {
  child: ChildProcess;
  /** Base URL of /metrics, /healthz, /readyz. */
  url: string;
  logFile: string;
}

/** Starts the operator (node flags, then the entry, then `operator args`) and waits for its HTTP address. */
export async function spawnOperator(
  how: { runtime: OperatorRuntime; entry?: string; nodeArgs: readonly string[] },
  args: readonly string[],
  logFile: string,
): Promise<RunningOperator> {
  const { runtime } = how;
  const fd = openSync(logFile, "a");
  const argv = [
    ...how.nodeArgs,
    ...(runtime === "tsx" ? ["--import", "tsx", "src/main.ts"] : [how.entry ?? "dist/main.js"]),
    "operator",
    ...args,
  ];
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", fd],
    env: { ...process.env, ...(runtime === "compiled" ? { NODE_ENV: "production" } : {}) },
  });
  closeSync(fd);
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`operator printed no address:\n${out}`)), 90_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const match = /probes on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`operator exited (${code}):\n${logTail(logFile)}`));
    });
  });
  child.stdout?.resume();
  return { child, url, logFile };
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
