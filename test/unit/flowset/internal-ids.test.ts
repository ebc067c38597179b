import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatFinding } from "../../../src/flowset/findings.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";
import { hardCodedIdHint, internalIdRule } from "../../../src/flowset/id-rules.js";
import { CORPUS_DIR, CORPUS_PRESENT, CORPUS_SKIP_MESSAGE } from "./corpus.js";

/** A fresh designer-style id per call, deterministic so the test output is stable. */
let counter = 0;
const uuid = (): string => `0000${(counter++).toString(16).padStart(4, "0")}-aaaa-4bbb-8ccc-123456789abc`;

/**
 * The corpus bot files as the Architect designer exports them: every intent, utterance, entity and
 * entity type carries an `id` (the corpus copies had them stripped), and intents reference entities by id.
 */
function withDesignerIds(text: string): string {
  const at = text.indexOf("settingsNaturalLanguageUnderstanding:");
  const nlu = text
    .slice(at)
    .replace(/^(\s*)- (utterances|segments|name):/gm, (_m, indent: string, key: string) => {
      return `${indent}- id: ${uuid()}\n${indent}  ${key}:`;
    })
    .replace(/^(\s*)entityNameReferences: \[\]/gm, (_m, indent: string) => {
      return `${indent}entityNameReferences: []\n${indent}entityIds:\n${indent}  - ${uuid()}`;
    });
  return text.slice(0, at) + nlu;
}

/** A value for every placeholder of `text`, so the file renders. */
function valuesFor(text: string): Record<string, string> {
  const keys = [...text.matchAll(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g)].map((m) => m[1]!);
  return Object.fromEntries(keys.map((k) => [k, `Value ${k}`]));
}

const BOTS = ["dr-webmessaging/MyChatBot.yaml", "aws-pipeline-cx-as-code/BasicBot.yaml"];

describe.skipIf(!CORPUS_PRESENT)("flow-internal ids in bot flows", () => {
  if (!CORPUS_PRESENT) console.warn(CORPUS_SKIP_MESSAGE);
  it.each(BOTS)("%s with designer ids has no HardCodedUuid finding", (file) => {
    const text = withDesignerIds(readFileSync(join(CORPUS_DIR, file), "utf8"));
    const ids = (text.match(/-aaaa-4bbb-8ccc-/g) ?? []).length;
    expect(ids).toBeGreaterThanOrEqual(2);
    const set = buildFlowSet({ files: [{ path: file, text }], values: valuesFor(text) });
    expect(set.flows).toHaveLength(1);
    expect(set.findings.filter((f) => f.code === "HardCodedUuid").map(formatFinding)).toEqual([]);
  });

  it("still flags an org id in the same bot file (a queue outside the NLU settings)", () => {
    const text = readFileSync(join(CORPUS_DIR, BOTS[1]!), "utf8").replace(
      /^botFlow:\n/m,
      "botFlow:\n  knowledgeBaseId: 3fa85f64-5717-4562-b3fc-2c963f66afa6\n",
    );
    const set = buildFlowSet({ files: [{ path: "bot.yaml", text }], values: valuesFor(text) });
    expect(set.findings.filter((f) => f.code === "HardCodedUuid").map((f) => f.field)).toEqual([
      "botFlow.knowledgeBaseId",
    ]);
  });
});

describe("id rules per field path", () => {
  it.each([
    ["botFlow.settingsNaturalLanguageUnderstanding.nluDomainVersion.intents[0].id", true],
    ["digitalBot.settingsNaturalLanguageUnderstanding.nluDomainVersion.entities[2].entityTypeId", true],
    ["botFlow.settingsNaturalLanguageUnderstanding.nluDomainVersion.intents[0].entityIds[1]", true],
    ["botFlow.settingsNaturalLanguageUnderstanding.nluDomainVersion.intents[0].name", false],
    ["botFlow.tasks[0].actions[0].transferToAcd.targetQueue.lit", false],
    ["inboundCall.id", false],
  ])("%s is flow-internal: %s", (path, internal) => {
    expect(internalIdRule(path) !== undefined).toBe(internal);
  });

  it("suggests a placeholder, not a name, for a data action input", () => {
    const path = "inboundCall.tasks[0].actions[0].callData.category.C.dataAction.A.inputs.queueId.lit";
    expect(hardCodedIdHint(path)).toMatch(/data action input is passed as is.*\{\{placeholder\}\}/);
    expect(hardCodedIdHint("inboundCall.x.targetQueue.lit")).toMatch(/reference the object by name/);
  });
});
