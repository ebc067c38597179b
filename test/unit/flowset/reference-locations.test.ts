import { describe, expect, it } from "vitest";
import { desiredFromFlowSet } from "../../../src/engine/desired.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";

const flow = (name: string, pad: number): string =>
  `inboundCall:\n  name: ${name}\n${"  # padding\n".repeat(pad)}  startUpRef: ./menus/menu[m]\n  menus:\n    - menu:\n        name: M\n        refId: m\n        choices:\n          - menuTransferToAcd:\n              targetQueue:\n                lit:\n                  name: Shared Queue\n`;

describe("references made by several flows", () => {
  it("each flow's external reference names that flow's own line and path", () => {
    const set = buildFlowSet({
      files: [
        { path: "flows/a.yaml", text: flow("A", 0) },
        { path: "flows/b.yaml", text: flow("B", 4) },
      ],
      values: {},
    });
    const ext = set.external.find((e) => e.reference.name === "Shared Queue");
    expect(ext?.usedBy).toEqual(["flows/a.yaml", "flows/b.yaml"]);
    const desired = desiredFromFlowSet(set);
    const lines = desired.map((d) => [d.file, d.external.find((r) => r.kind === "queue")?.line]);
    expect(lines).toEqual([
      ["flows/a.yaml", 12],
      ["flows/b.yaml", 16],
    ]);
  });
});
