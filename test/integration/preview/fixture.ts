import { makeRepo, type RepoFiles, type TestRepo } from "../../helpers/git-repo.js";

/**
 * A flow repository made for the preview tests: two environments (dev, prod; dev has a secret key),
 * a main menu, a billing IVR with two tasks and a common module. Each change class is one commit on a
 * branch of its own, so `diff --base main --head <class>` shows exactly that change.
 */

export const SECRET_VALUES = {
  IVR_SECRET_CRM_TOKEN: "s3cr3t-crm-token-old",
  IVR_SECRET_CRM_TOKEN_2025: "s3cr3t-crm-token-new",
};

const env = (name: string, queues: string, greeting: string, secrets: string[]): string =>
  [
    `description: ${name}`,
    "values:",
    "  division: Home",
    `  support_queue: Support - ${queues}`,
    `  sales_queue: Sales - ${queues}`,
    `  billing_queue: Billing - ${queues}`,
    `  greeting: ${greeting}`,
    secrets.length > 0 ? `secretValues:\n${secrets.map((s) => `  - ${s}`).join("\n")}` : "",
    "",
  ].join("\n");

const choice = (type: string, name: string, digit: number, body: string): string =>
  `          - ${type}:
              name: ${name}
              dtmf: digit_${digit}
              globalDtmf: false
              globalSpeechRecTerms: false
${body}`;

const toQueue = (queue: string): string => `              targetQueue:
                lit:
                  name: "${queue}"
`;

/** The main menu flow; `extraChoice` and `salesQueue` vary per change class. */
export function mainMenu(
  options: { extraChoice?: boolean; salesQueue?: string; token?: string } = {},
): string {
  const choices = [
    choice("menuTransferToAcd", "Technical Support", 1, toQueue("{{support_queue}}")),
    choice("menuTransferToAcd", "Sales", 2, toQueue(options.salesQueue ?? "{{sales_queue}}")),
    choice(
      "menuTask",
      "Billing",
      3,
      `              task:
                actions:
                  - transferToFlow:
                      name: To Billing IVR
                      targetFlow:
                        name: Billing IVR
                      failureOutputs:
                        errorType:
                          noValue: true
                        errorMessage:
                          noValue: true
`,
    ),
    ...(options.extraChoice
      ? [choice("menuTransferToAcd", "Callbacks", 4, toQueue("Callbacks - {{division}}"))]
      : []),
    choice("menuDisconnect", "Goodbye", 9, ""),
  ];
  return `inboundCall:
  name: Main Menu IVR
  division: "{{division}}"
  startUpRef: "/inboundCall/tasks/task[Greet_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  initialGreeting:
    tts: "{{greeting}}"
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_20
        audio:
          tts: For support press 1, for sales 2, for billing 3.
        choices:
${choices.join("")}  tasks:
    - task:
        name: Greet
        refId: Greet_10
        actions:
          - setParticipantData:
              name: Tag the CRM session
              attributes:
                - attribute:
                    name:
                      lit: CrmToken
                    value:
                      lit: "{{${options.token ?? "crm_token"}}}"
          - jumpToMenu:
              name: To main menu
              targetMenuRef: "/inboundCall/menus/menu[Main Menu_20]"
`;
}

/** The billing IVR: two tasks, the second (`Collections`) removable, a reference addable. */
export function billing(options: { name?: string; collections?: boolean; lookup?: boolean } = {}): string {
  const collections = `    - task:
        name: Collections
        refId: Collections_20
        actions:
          - transferToAcd:
              name: Transfer to collections
              targetQueue:
                lit:
                  name: Collections
              failureOutputs:
                errorType:
                  noValue: true
                errorMessage:
                  noValue: true
`;
  const lookup = `          - callCommonModule:
              name: Look up the account
              commonModule:
                Account Lookup:
                  ver_latestPublished:
                    inputs:
                      Common.Ani:
                        exp: Call.Ani
`;
  return `inboundCall:
  name: ${options.name ?? "Billing IVR"}
  division: "{{division}}"
  startUpRef: "/inboundCall/tasks/task[Billing_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  tasks:
    - task:
        name: Billing
        refId: Billing_10
        actions:
${options.lookup ? lookup : ""}          - transferToAcd:
              name: Transfer to billing
              targetQueue:
                lit:
                  name: "{{billing_queue}}"
              failureOutputs:
                errorType:
                  noValue: true
                errorMessage:
                  noValue: true
${options.collections === false ? "" : collections}`;
}

const lookupModule = `commonModule:
  name: Account Lookup
  division: "{{division}}"
  startUpRef: "/commonModule/tasks/task[Lookup_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      none: true
  tasks:
    - task:
        name: Lookup
        refId: Lookup_10
        actions:
          - endTask:
              name: Done
              outputPath:
                name: __DEFAULT__
`;

/** The base commit on `main`. */
export const BASE: RepoFiles = {
  "environments/dev.yaml": env("Development", "DEV", "Welcome to the dev line", ["crm_token"]),
  "environments/prod.yaml": env("Production", "PROD", "Welcome", ["crm_token"]),
  "flows/main-menu.yaml": mainMenu(),
  "flows/billing.yaml": billing(),
  "flows/account-lookup.yaml": lookupModule,
};

/** Each change class: the files its branch changes. */
export const CHANGE_CLASSES: Record<string, RepoFiles> = {
  "choice-added": { "flows/main-menu.yaml": mainMenu({ extraChoice: true }) },
  "transfer-target": { "flows/main-menu.yaml": mainMenu({ salesQueue: "{{support_queue}}" }) },
  "task-removed": { "flows/billing.yaml": billing({ collections: false }) },
  "reference-added": { "flows/billing.yaml": billing({ lookup: true }) },
  renamed: {
    "flows/billing.yaml": null,
    "flows/billing-payments.yaml": billing({ name: "Billing and Payments IVR" }),
  },
  "prod-value": { "environments/prod.yaml": env("Production", "PROD", "Welcome to ACME", ["crm_token"]) },
  "secret-changed": {
    "environments/dev.yaml": env("Development", "DEV", "Welcome to the dev line", ["crm_token_2025"]),
    "environments/prod.yaml": env("Production", "PROD", "Welcome", ["crm_token_2025"]),
    "flows/main-menu.yaml": mainMenu({ token: "crm_token_2025" }),
  },
};

/** The fixture repository: BASE on `main`, one branch per change class (each from main). */
export async function makePreviewRepo(): Promise<TestRepo> {
  const repo = await makeRepo(BASE);
  for (const [name, files] of Object.entries(CHANGE_CLASSES)) {
    await repo.switchTo("main");
    await repo.branch(name);
    await repo.commit(files, name);
  }
  await repo.switchTo("main");
  return repo;
}
