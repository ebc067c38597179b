import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PreflightFailedError } from "../../../src/engine/errors.js";
import { promote } from "../../../src/engine/promote.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { SAMPLE_VALUES, clientFor, desiredOf, request } from "./fixture.js";

const QUEUE_ID = "0d5a2c77-3f0e-4b8e-9a51-6e4b8f2c1a90";
const TWIN_IDS = ["7c1f6a52-0b7e-4f3a-8a0e-3b9d2e5c4f11", "7c1f6a52-0b7e-4f3a-8a0e-3b9d2e5c4f22"];

/** An inbound call flow that looks a queue up by an id coming from the environment's values. */
const byIdFlow = (name: string): string => `inboundCall:
  name: ${JSON.stringify(name)}
  division: Home
  startUpRef: "/inboundCall/tasks/task[Start_10]"
  defaultLanguage: en-us
  initialGreeting:
    tts: Welcome
  tasks:
    - task:
        name: Start
        refId: Start_10
        actions:
          - updateData:
              name: Pick queue
              statements:
                - queue:
                    variable: Task.q
                    value:
                      exp: FindQueueById("{{callback_queue_id}}")
          - disconnect:
              name: Disconnect
`;

let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await startTestEmulator(twoOrgSeed());
});
afterEach(async () => {
  await emulator.close();
});

async function writes(): Promise<unknown[]> {
  return (await emulator.admin.requests("prod")).filter(
    (c) => /^(POST|PUT|DELETE|PATCH)$/.test(c.method) && c.route !== "/oauth/token",
  );
}

async function preflightFailure(files: Record<string, string>, values: Record<string, string>) {
  const client = clientFor(emulator, PROD_CLIENT);
  const error = await promote(client, request(desiredOf(files, { ...SAMPLE_VALUES, ...values }), [])).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PreflightFailedError);
  return (error as PreflightFailedError).findings;
}

describe("preflight against the emulator", () => {
  it("refuses a name several org objects carry, naming every candidate, instead of picking one", async () => {
    await emulator.admin.addObjects("prod", {
      queues: TWIN_IDS.map((id) => ({ id, name: "Twins" })),
    });
    // Only objects of that exact name are candidates, not "Twins Overflow".
    await emulator.admin.addObjects("prod", { queues: [{ name: "Twins Overflow" }] });
    const findings = await preflightFailure(
      { "flows/main.yaml": inboundCallYaml("Main", { queue: "{{queue}}" }) },
      { queue: "Twins" },
    );
    expect(findings).toEqual([
      {
        flow: "INBOUNDCALL/Main",
        file: "flows/main.yaml",
        code: "AmbiguousReference",
        message: expect.stringMatching(
          new RegExp(
            `^queue 'Twins' matches 2 objects in the target org \\(ids ${TWIN_IDS[0]}, ${TWIN_IDS[1]}\\); ` +
              `rename all but one \\(referenced at flows/main\\.yaml:\\d+, inboundCall\\..*targetQueue\\.lit\\.name\\)$`,
          ),
        ),
      },
    ]);
    expect(await writes()).toEqual([]);
  });

  it("checks a literal id of a lookup by id exists in the target org (GET by id)", async () => {
    const files = { "flows/callback.yaml": byIdFlow("Callback") };
    const findings = await preflightFailure(files, { callback_queue_id: QUEUE_ID });
    expect(findings).toEqual([
      {
        flow: "INBOUNDCALL/Callback",
        file: "flows/callback.yaml",
        code: "ReferenceNotFound",
        message: expect.stringMatching(
          new RegExp(
            `^queue with id '${QUEUE_ID}' not found in the target org \\(referenced at flows/callback\\.yaml:19, ` +
              `inboundCall\\.tasks\\[0\\].*\\.exp\\)$`,
          ),
        ),
      },
    ]);
    const lookups = (await emulator.admin.requests("prod")).filter((c) => c.method === "GET");
    expect(lookups.map((c) => c.route)).toContain("/api/v2/routing/queues/{id}");
    expect(await writes()).toEqual([]);

    await emulator.admin.addObjects("prod", { queues: [{ id: QUEUE_ID, name: "Callbacks" }] });
    const client = clientFor(emulator, PROD_CLIENT);
    const values: Record<string, string> = { ...SAMPLE_VALUES, callback_queue_id: QUEUE_ID };
    await promote(client, request(desiredOf(files, { ...SAMPLE_VALUES, ...values }), []));
    const org = await emulator.admin.org("prod");
    expect(org.flows.map((f) => [f.name, f.publishedVersion !== undefined])).toEqual([["Callback", true]]);
  });

  it("refuses a division the target org does not have", async () => {
    const yaml = inboundCallYaml("Main", { queue: "Support" }).replace(
      "division: Home",
      "division: {{division}}",
    );
    expect(yaml).toContain("{{division}}");
    const findings = await preflightFailure({ "flows/main.yaml": yaml }, { division: "Outsourcers" });
    expect(findings.map((f) => [f.code, f.message])).toEqual([
      [
        "ReferenceNotFound",
        "division 'Outsourcers' not found in the target org (referenced at flows/main.yaml:4, inboundCall.division)",
      ],
    ]);
  });
});
