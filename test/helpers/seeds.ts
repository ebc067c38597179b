import type { EmulatorSeed, SeedObjects } from "../../src/emulator/index.js";
import { callCommonModuleAction, callDataAction, evaluateScheduleGroupAction } from "./archy-actions.js";

/** OAuth client of the `dev` org in {@link twoOrgSeed}. */
export const DEV_CLIENT = { id: "dev-client", secret: "dev-secret", name: "CI promoter" } as const;
/** OAuth client of the `prod` org in {@link twoOrgSeed}. */
export const PROD_CLIENT = { id: "prod-client", secret: "prod-secret", name: "CI promoter" } as const;

/** Objects both orgs have under the same names (each org gives them its own ids). */
export const SHARED_OBJECTS: SeedObjects = {
  queues: [{ name: "Support" }, { name: "Sales" }],
  dataActions: [{ category: "Web Services", name: "Lookup Account" }],
  scheduleGroups: [{ name: "Business Hours" }],
  schedules: [{ name: "Weekdays" }],
  userPrompts: [{ name: "Welcome_Prompt" }],
  emergencyGroups: [{ name: "Evacuation" }],
  dataTables: [{ name: "Holidays" }],
  contactLists: [{ name: "Callbacks" }],
  wrapupCodes: [{ name: "Resolved" }],
  knowledgeBases: [{ name: "FAQ" }],
  skills: [{ name: "Billing" }],
  languages: [{ name: "English" }],
};

/**
 * Two orgs, `dev` and `prod`, each with one OAuth client, the same object names, and short job
 * durations so import jobs finish in tens of milliseconds. `overrides` are merged into both orgs.
 */
export function twoOrgSeed(
  overrides: { jobDurationMs?: number; rateLimit?: { requests: number; windowSeconds: number } } = {},
): EmulatorSeed {
  const org = (name: string, region: string, client: { id: string; secret: string; name: string }) => ({
    name,
    region,
    clients: [{ ...client }],
    jobDurationMs: overrides.jobDurationMs ?? 20,
    ...(overrides.rateLimit ? { rateLimit: overrides.rateLimit } : {}),
    ...structuredClone(SHARED_OBJECTS),
  });
  return { orgs: [org("dev", "us-east-1", DEV_CLIENT), org("prod", "eu-west-1", PROD_CLIENT)] };
}

/** By-name references an {@link inboundCallYaml} flow can carry. */
export interface FlowRefs {
  queue?: string;
  dataAction?: { category: string; name: string };
  scheduleGroup?: string;
  /** A user prompt used as `Prompt.<name>` in an expression. */
  prompt?: string;
  /** A common module called with `callCommonModule`. */
  commonModule?: string;
  /** A flow (any type) reached with `transferToFlow`. */
  transferToFlow?: string;
  description?: string;
}

/** A small but real Archy inbound call flow named `name` that references what `refs` lists. */
export function inboundCallYaml(name: string, refs: FlowRefs = {}): string {
  const actions: string[] = [];
  if (refs.dataAction) actions.push(callDataAction(refs.dataAction.category, refs.dataAction.name));
  if (refs.commonModule) actions.push(callCommonModuleAction(refs.commonModule));
  if (refs.scheduleGroup) actions.push(evaluateScheduleGroupAction(refs.scheduleGroup));
  if (refs.transferToFlow) {
    actions.push(`          - transferToFlow:
              name: Transfer
              targetFlow:
                name: ${JSON.stringify(refs.transferToFlow)}`);
  }
  if (refs.queue) {
    actions.push(`          - transferToAcd:
              name: Transfer to ACD
              targetQueue:
                lit:
                  name: ${JSON.stringify(refs.queue)}${refs.prompt ? `\n              preTransferAudio:\n                exp: ToAudio(Prompt.${refs.prompt})` : ""}`);
  }
  actions.push(`          - disconnect:
              name: Disconnect`);
  return `inboundCall:
  name: ${JSON.stringify(name)}
  description: ${JSON.stringify(refs.description ?? `Flow ${name}`)}
  division: Home
  startUpRef: "/inboundCall/tasks/task[Start_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  initialGreeting:
    tts: Welcome
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
${actions.join("\n")}
`;
}

/** A minimal Archy common module named `name`. */
export function commonModuleYaml(name: string): string {
  return `commonModule:
  name: ${JSON.stringify(name)}
  division: Home
  startUpRef: "/commonModule/tasks/task[Start_10]"
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
          - endTask:
              name: End
`;
}
