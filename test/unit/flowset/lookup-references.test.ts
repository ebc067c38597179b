import { describe, expect, it } from "vitest";
import { formatFinding } from "../../../src/flowset/findings.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";

const ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const TEXT = [
  "inboundCall:",
  "  name: Main",
  "  description:",
  `    exp: 'ToString(FindQueueById("${ID}"))'`,
  "  startUpRef: ./tasks/task[t]",
  "  tasks:",
  "    - task:",
  "        name: T",
  "        refId: t",
  "        actions:",
  "          - updateData:",
  "              name: U",
  "              statements:",
  "                - queue:",
  "                    variable: Flow.q",
  "                    value:",
  "                      exp: FindQueue(Flow.queueName)",
  "          - findQueue:",
  "              name: F",
  "              findName:",
  "                exp: Flow.other",
  "          - disconnect:",
  "              name: D",
  "",
].join("\n");

describe("lookups the extractor reports", () => {
  const set = buildFlowSet({ files: [{ path: "f.yaml", text: TEXT }], values: {} });

  it("flags a literal id in FindQueueById as a hard-coded id and reports it as a by-id reference", () => {
    const uuid = set.findings.filter((f) => f.code === "HardCodedUuid");
    expect(uuid.map((f) => [f.severity, f.line])).toEqual([["error", 4]]);
    expect(set.external.map((e) => e.reference)).toContainEqual({
      kind: "queue",
      name: ID,
      byId: true,
      line: 4,
      path: "inboundCall.description.exp",
    });
  });

  it("reports names reached only through a variable as dynamic, not checked", () => {
    expect(set.findings.filter((f) => f.code === "DynamicReference").map(formatFinding)).toEqual([
      'f.yaml:17: warning DynamicReference: FindQueue(Flow.queueName) looks an object up by a value known only at run time: dynamic, not checked before promotion (flow "Main", field inboundCall.tasks[0].task.actions[0].updateData.statements[0].queue.value.exp)',
      'f.yaml:21: warning DynamicReference: findName is an expression (Flow.other): the name is known only at run time; dynamic, not checked before promotion (flow "Main", field inboundCall.tasks[0].task.actions[1].findQueue.findName.exp)',
    ]);
  });
});
