import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArchyFlow } from "../../../src/flowset/archy.js";
import {
  apiCaller,
  getToken,
  importYaml,
  startTestEmulator,
  type TestEmulator,
} from "../../helpers/emulator.js";
import { DEV_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";

const QUEUE_ID = "6f0c3c1e-8a7b-4d55-9b7e-2b1a4f0e9d11";

/** An inbound call flow whose only references sit in expressions the promoter's extractor does not read. */
const flowYaml = (name: string, expression: string): string => `inboundCall:
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
                      exp: ${expression}
          - disconnect:
              name: Disconnect
`;

/**
 * The import job resolves references with the emulator's own reader (src/emulator/archy), not the
 * promoter's parser, so a reference our extractor misses still fails the import, as Archy's would.
 */
describe("the import job's own reference resolver", () => {
  let emu: TestEmulator;
  let token: string;
  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
    token = await getToken(emu.url, DEV_CLIENT);
  });
  afterAll(() => emu.close());

  it("fails the job on a FindQueueById literal id (which the extractor now reports too, by id)", async () => {
    const yaml = flowYaml("Unknown queue id", `FindQueueById("${QUEUE_ID}")`);
    expect(parseArchyFlow(yaml).references.filter((r) => r.kind !== "division")).toEqual([
      expect.objectContaining({ byId: true, name: QUEUE_ID }),
    ]);
    const done = await importYaml(emu.url, token, yaml);
    expect(done.status).toBe("Failure");
    expect(done.messages?.map((m) => m.text)).toEqual([
      expect.stringContaining(
        `Unable to resolve the queue with id '${QUEUE_ID}' referenced at inboundCall.tasks[0]`,
      ),
    ]);
  });

  it.each([
    ["a FindUser literal name", 'FindUser("Nobody Here")', "user 'Nobody Here'"],
    ["a FindScheduleById literal id", `FindScheduleById("${QUEUE_ID}")`, `schedule with id '${QUEUE_ID}'`],
  ])("fails the job on %s the extractor does not know", async (_what, expression, named) => {
    const yaml = flowYaml(`Unknown ref ${named}`, expression);
    // The promoter would not have warned (its only reference is the flow's division, Home).
    expect(parseArchyFlow(yaml).references.map((r) => r.kind)).toEqual(["division"]);
    const done = await importYaml(emu.url, token, yaml);
    expect(done.status).toBe("Failure");
    expect(done.messages?.map((m) => m.text)).toEqual([
      expect.stringContaining(`Unable to resolve the ${named} referenced at inboundCall.tasks[0]`),
    ]);
  });

  it("fails the job on a division the org does not have, and publishes into one it has", async () => {
    const yaml = flowYaml("In a division", "ToQueue(NOT_SET)").replace(
      "division: Home",
      "division: Outsourcers",
    );
    const done = await importYaml(emu.url, token, yaml);
    expect(done.status).toBe("Failure");
    expect(done.messages?.map((m) => m.text)).toEqual([
      expect.stringContaining(
        "Unable to resolve the division 'Outsourcers' referenced at inboundCall.division",
      ),
    ]);
    const [added] = await emu.admin.addObjects("dev", { divisions: [{ name: "Outsourcers" }] });
    const done2 = await importYaml(emu.url, token, yaml);
    expect(done2).toMatchObject({ status: "Success" });
    // The flow now lives in that division, and the flow listing's divisionId filter says so.
    const api = apiCaller(emu.url, token);
    const flow = await api("GET", `/api/v2/flows/${done2.flow?.id ?? ""}`);
    expect(flow.body).toMatchObject({
      division: {
        id: added?.id,
        name: "Outsourcers",
        selfUri: `/api/v2/authorization/divisions/${added?.id}`,
      },
    });
    const inIt = await api("GET", `/api/v2/flows?divisionId=${added?.id ?? ""}`);
    expect((inIt.body as { entities: Array<{ name: string }> }).entities.map((f) => f.name)).toEqual([
      "In a division",
    ]);
  });

  it("publishes once the object with that id exists in the org", async () => {
    await emu.admin.addObjects("dev", { queues: [{ id: QUEUE_ID, name: "By Id" }] });
    const done = await importYaml(emu.url, token, flowYaml("By id ok", `FindQueueById("${QUEUE_ID}")`));
    expect(done).toMatchObject({ status: "Success", command: "Create" });
  });
});
