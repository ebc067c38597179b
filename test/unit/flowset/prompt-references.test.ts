import { describe, expect, it } from "vitest";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";

const TEXT = [
  "inboundCall:",
  "  name: Main",
  "  description:",
  "    exp: 'Append(ToString(Prompt.Welcome_Message), ToString(PromptSystem.beep), \"Prompt.InText\")'",
  "  initialGreeting:",
  "    lit:",
  "      name: Prompt.Opening",
  "  holdMusic:",
  "    lit:",
  "      name: PromptSystem.on_hold_music",
  "",
].join("\n");

describe("user prompts written as Prompt.Name", () => {
  it("are userPrompt references; PromptSystem.* and text inside string literals stay out", () => {
    const set = buildFlowSet({ files: [{ path: "f.yaml", text: TEXT }], values: {} });
    const prompts = set.external.filter((e) => e.reference.kind === "userPrompt");
    expect(prompts.map((e) => [e.reference.name, e.reference.line])).toEqual([
      ["Welcome_Message", 4],
      ["Opening", 7],
    ]);
  });
});
