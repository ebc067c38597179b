import type { SeedObjects } from "../src/emulator/index.js";
import { desiredFromFlowSet } from "../src/engine/desired.js";
import type { DesiredFlow } from "../src/engine/model.js";
import { computeLevels } from "../src/engine/plan.js";
import { buildFlowSet } from "../src/flowset/flow-set.js";
import {
  callCommonModuleAction,
  callDataAction,
  evaluateScheduleGroupAction,
} from "../test/helpers/archy-actions.js";

/**
 * Generates a realistic flow set of N flows as a dependency DAG of five levels, written as real Archy
 * YAML (the shapes of test/helpers/seeds.ts and the corpus):
 *
 * - level 0 (~45%): shared common modules, in-queue call flows and voice bot flows (the leaves);
 * - level 1 (~10%): composite common modules, each calling two shared modules;
 * - level 2 (~30%): service lines (inbound call), each using a composite module, a queue with an
 *   in-queue flow override, sometimes a bot, a data action and a schedule group;
 * - level 3 (~12%): department menus, each transferring to 3–5 service lines;
 * - level 4 (~3%, at least 2): the top-level numbers, each transferring to 2–4 menus.
 *
 * Generation is deterministic (no randomness), so every run measures the same set.
 */

/** Org objects every generated set references by name; seed them into every org the set goes to. */
export const DAG_OBJECTS: SeedObjects = {
  queues: Array.from({ length: 12 }, (_, i) => ({ name: `Queue ${pad(i + 1)}` })),
  dataActions: [
    { category: "Web Services", name: "Lookup Account" },
    { category: "Web Services", name: "Check Balance" },
    { category: "CRM", name: "Open Case" },
  ],
  scheduleGroups: [{ name: "Business Hours" }, { name: "Weekend Hours" }],
  userPrompts: [{ name: "Welcome_Prompt" }, { name: "Hold_Prompt" }],
};

/** Environment values the templates use ({{...}} placeholders, rendered by buildFlowSet). */
export const DAG_VALUES = { division: "Home", main_queue: "Queue 01" };

/** A generated set: files, the rendered desired flows, and its shape. */
export interface GeneratedDag {
  files: Record<string, string>;
  desired: DesiredFlow[];
  /** Number of dependency levels (the critical path, in imports). */
  levels: number;
  /** Flows per level, level 0 first. */
  perLevel: number[];
  /** Flows by API type. */
  byType: Record<string, number>;
  /** In-set dependency edges. */
  edges: number;
  /** The flow the engine applies last (highest level, last key): where the rollback bench injects its fault. */
  lastFlow: { key: string; name: string };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** The sizes of each tier for N flows (they always add up to N). */
export function tierSizes(n: number): Record<"top" | "menu" | "service" | "composite" | "leaf", number> {
  // Below ~30 flows the leaf tier has too few flows to hold every leaf type.
  if (n < 30) throw new Error(`bench dag: need at least 30 flows, got ${n}`);
  const top = Math.max(2, Math.round(n * 0.03));
  const menu = Math.max(2, Math.round(n * 0.12));
  const service = Math.max(3, Math.round(n * 0.3));
  const composite = Math.max(2, Math.round(n * 0.1));
  return { top, menu, service, composite, leaf: n - top - menu - service - composite };
}

/**
 * Generates the files of an N-flow set. `revision` goes into every description, so two revisions
 * differ in every flow (the rollback bench promotes one over the other).
 */
export function generateDagFiles(n: number, revision = "r1"): Record<string, string> {
  const size = tierSizes(n);
  const files: Record<string, string> = {};
  const leafModules: string[] = [];
  const inQueue: string[] = [];
  const bots: string[] = [];
  for (let i = 0; i < size.leaf; i++) {
    const kind = i % 20 < 8 ? "module" : i % 20 < 15 ? "inqueue" : "bot";
    if (kind === "module") {
      const name = `Shared Module ${pad(leafModules.length + 1, 3)}`;
      leafModules.push(name);
      files[`modules/shared-${pad(leafModules.length, 3)}.yaml`] = compositeModuleYaml(name, revision, []);
    } else if (kind === "inqueue") {
      const name = `Hold ${pad(inQueue.length + 1, 3)}`;
      inQueue.push(name);
      files[`inqueue/hold-${pad(inQueue.length, 3)}.yaml`] = inQueueYaml(name, revision);
    } else {
      const name = `Bot ${pad(bots.length + 1, 3)}`;
      bots.push(name);
      files[`bots/bot-${pad(bots.length, 3)}.yaml`] = botYaml(name, revision);
    }
  }
  const composites: string[] = [];
  for (let i = 0; i < size.composite; i++) {
    const name = `Composite Module ${pad(i + 1, 3)}`;
    composites.push(name);
    const calls = [pick(leafModules, i * 2), pick(leafModules, i * 2 + 1)];
    files[`modules/composite-${pad(i + 1, 3)}.yaml`] = compositeModuleYaml(name, revision, calls);
  }
  const services: string[] = [];
  for (let i = 0; i < size.service; i++) {
    const name = `Service Line ${pad(i + 1, 3)}`;
    services.push(name);
    files[`services/line-${pad(i + 1, 3)}.yaml`] = inboundYaml(name, revision, {
      module: pick(composites, i),
      queue: i % 3 === 0 ? "{{main_queue}}" : pick(DAG_OBJECTS.queues ?? [], i).name,
      inQueueFlow: pick(inQueue, i),
      bot: i % 2 === 0 && bots.length > 0 ? pick(bots, i) : undefined,
      dataAction: pick(DAG_OBJECTS.dataActions ?? [], i),
      scheduleGroup: pick(DAG_OBJECTS.scheduleGroups ?? [], i).name,
    });
  }
  const menus: string[] = [];
  let next = 0;
  for (let i = 0; i < size.menu; i++) {
    const name = `Department Menu ${pad(i + 1, 3)}`;
    menus.push(name);
    const fanOut = 3 + (i % 3);
    const targets = Array.from({ length: fanOut }, () => pick(services, next++));
    files[`menus/menu-${pad(i + 1, 3)}.yaml`] = inboundYaml(name, revision, {
      module: pick(leafModules, i),
      transfers: [...new Set(targets)],
      prompt: "Welcome_Prompt",
    });
  }
  next = 0;
  for (let i = 0; i < size.top; i++) {
    const name = `Main Number ${pad(i + 1)}`;
    const fanOut = 2 + (i % 3);
    const targets = Array.from({ length: fanOut }, () => pick(menus, next++));
    files[`main/number-${pad(i + 1)}.yaml`] = inboundYaml(name, revision, {
      transfers: [...new Set(targets)],
      scheduleGroup: "Business Hours",
      prompt: "Welcome_Prompt",
    });
  }
  return files;
}

function pick<T>(list: readonly T[], i: number): T {
  const item = list[i % list.length];
  if (item === undefined) throw new Error("bench dag: empty tier");
  return item;
}

/** Generates, renders and checks an N-flow set; throws on any lint error (the bench must import cleanly). */
export function generateDag(n: number, revision = "r1"): GeneratedDag {
  const files = generateDagFiles(n, revision);
  const set = buildFlowSet({
    files: Object.entries(files).map(([path, text]) => ({ path, text })),
    values: DAG_VALUES,
  });
  const errors = set.findings.filter((f) => f.severity === "error");
  if (errors.length > 0) throw new Error(`bench dag: generated set is invalid: ${JSON.stringify(errors[0])}`);
  if (set.flows.length !== n) throw new Error(`bench dag: expected ${n} flows, got ${set.flows.length}`);
  const desired = desiredFromFlowSet(set);
  const levels = computeLevels(desired);
  const depth = Math.max(...levels.values()) + 1;
  const perLevel = Array.from(
    { length: depth },
    (_, l) => [...levels.values()].filter((v) => v === l).length,
  );
  const byType: Record<string, number> = {};
  for (const f of desired) byType[f.type] = (byType[f.type] ?? 0) + 1;
  const last = [...desired].sort(
    (a, b) => (levels.get(a.key) ?? 0) - (levels.get(b.key) ?? 0) || a.key.localeCompare(b.key),
  )[desired.length - 1];
  if (!last) throw new Error("bench dag: empty set");
  return {
    files,
    desired,
    levels: depth,
    perLevel,
    byType,
    edges: set.edges.length,
    lastFlow: { key: last.key, name: last.name },
  };
}

/** Desired flows in a dependency order (level by level): the order a one-at-a-time import must follow. */
export function dependencyOrder(desired: readonly DesiredFlow[]): DesiredFlow[] {
  const levels = computeLevels(desired);
  return [...desired].sort(
    (a, b) => (levels.get(a.key) ?? 0) - (levels.get(b.key) ?? 0) || a.key.localeCompare(b.key),
  );
}

function inQueueYaml(name: string, revision: string): string {
  return `inqueueCall:
  name: ${JSON.stringify(name)}
  description: ${JSON.stringify(`Hold treatment ${name} (${revision})`)}
  division: {{division}}
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  settingsInQueueCall:
    holdMusic:
      lit:
        name: PromptSystem.on_hold_music
  startUpTaskActions:
    - holdMusic:
        name: Hold Music
        playStyle:
          entirePrompt: true
        bargeInEnabled:
          lit: false
        prompt:
          exp: ToAudio(Prompt.Hold_Prompt)
`;
}

function botYaml(name: string, revision: string): string {
  return `botFlow:
  name: ${JSON.stringify(name)}
  description: ${JSON.stringify(`Voice bot ${name} (${revision})`)}
  division: {{division}}
  startUpRef: "/botFlow/bots/bot[Default Bot_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  variables:
    - stringVariable:
        name: Slot.AccountNumber
        initialValue:
          noValue: true
        isInput: true
        isOutput: true
  bots:
    - bot:
        name: Default Bot
        refId: Default Bot_10
        actions:
          - exitBotFlow:
              name: Exit Bot Flow
`;
}

/** A common module (the shape of seeds.ts commonModuleYaml) that calls `calls` in order. */
function compositeModuleYaml(name: string, revision: string, calls: readonly string[]): string {
  const actions = calls.map(
    (module, i) => `          - callCommonModule:
              name: Step ${i + 1}
              commonModule:
                ${JSON.stringify(module)}:
                  ver_latestPublished:
                    inputs: {}`,
  );
  return `commonModule:
  name: ${JSON.stringify(name)}
  description: ${JSON.stringify(`Module ${name} (${revision})`)}
  division: {{division}}
  startUpRef: "/commonModule/tasks/task[Start_10]"
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
${actions.map((a) => `${a}\n`).join("")}          - endTask:
              name: End
`;
}

interface InboundRefs {
  module?: string;
  queue?: string;
  inQueueFlow?: string;
  bot?: string;
  dataAction?: { category: string; name: string };
  scheduleGroup?: string;
  transfers?: string[];
  prompt?: string;
}

/** An inbound call flow: a start task with the by-name actions `refs` asks for, then a menu. */
function inboundYaml(name: string, revision: string, refs: InboundRefs): string {
  const actions: string[] = [];
  if (refs.scheduleGroup) actions.push(evaluateScheduleGroupAction(refs.scheduleGroup));
  if (refs.dataAction) actions.push(callDataAction(refs.dataAction.category, refs.dataAction.name));
  if (refs.module) actions.push(callCommonModuleAction(refs.module));
  if (refs.bot)
    actions.push(`          - callBotFlow:
              name: Self Service
              botFlow:
                ${JSON.stringify(refs.bot)}:
                  ver_latestPublished:
                    inputs: {}`);
  actions.push(`          - jumpToMenu:
              name: To menu
              targetMenuRef: "/inboundCall/menus/menu[Menu_20]"`);
  const choices: string[] = [];
  for (const [i, target] of (refs.transfers ?? []).entries())
    choices.push(`          - menuTransferToFlow:
              name: ${JSON.stringify(`Option ${i + 1}`)}
              dtmf: digit_${i + 1}
              targetFlow:
                name: ${JSON.stringify(target)}`);
  if (refs.queue)
    choices.push(`          - menuTransferToAcd:
              name: Agent
              dtmf: digit_0
              targetQueue:
                lit:
                  name: ${refs.queue.startsWith("{{") ? refs.queue : JSON.stringify(refs.queue)}${
                    refs.inQueueFlow
                      ? `\n              overrideInQueueFlow:\n                name: ${JSON.stringify(refs.inQueueFlow)}`
                      : ""
                  }`);
  choices.push(`          - menuDisconnect:
              name: Goodbye
              dtmf: digit_9`);
  return `inboundCall:
  name: ${JSON.stringify(name)}
  description: ${JSON.stringify(`Flow ${name} (${revision})`)}
  division: {{division}}
  startUpRef: "/inboundCall/tasks/task[Start_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  initialGreeting:
    ${refs.prompt ? `exp: ToAudio(Prompt.${refs.prompt})` : "tts: Welcome"}
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
${actions.join("\n")}
  menus:
    - menu:
        name: Main Menu
        refId: Menu_20
        audio:
          tts: Please choose an option.
        choices:
${choices.join("\n")}
`;
}
