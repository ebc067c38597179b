import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArchyFlow } from "../../../src/flowset/archy.js";
import { placeholderKeys, renderFlowText } from "../../../src/flowset/render.js";
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  CORPUS_SKIP_MESSAGE,
  corpusFiles,
  corpusText,
  loadCorpusFlow,
  provenance,
  sampleValues,
  withSampleValues,
} from "./corpus.js";

if (!CORPUS_PRESENT) console.warn(CORPUS_SKIP_MESSAGE);

/**
 * The Platform API flow type of each Archy key PROVENANCE.md uses, written out here rather than taken
 * from src/flowset/flow-types.ts so the test does not check that code against itself. (The SDK's
 * index.d.ts types `Flow.type` as a plain string, so the values are the API's documented enum.) A flow
 * type new to the corpus fails the per-file test until its API type is added here.
 */
const API_TYPE: Readonly<Record<string, string>> = {
  botFlow: "BOT",
  commonModule: "COMMONMODULE",
  inboundCall: "INBOUNDCALL",
  inboundChat: "INBOUNDCHAT",
  inboundEmail: "INBOUNDEMAIL",
  inboundShortMessage: "INBOUNDSHORTMESSAGE",
  inqueueCall: "INQUEUECALL",
  outboundCall: "OUTBOUNDCALL",
  surveyInvite: "SURVEYINVITE",
  workflow: "WORKFLOW",
};

describe.skipIf(!CORPUS_PRESENT)(
  CORPUS_PRESENT ? "Archy corpus (../shared/corpus/archy-flows)" : CORPUS_SKIP_MESSAGE,
  () => {
    const entries = provenance();
    const files = entries.map((e) => e.file);

    it("holds exactly the flow files PROVENANCE.md lists (.yaml and .yml)", () => {
      const onDisk = corpusFiles();
      const listed = new Set(files);
      expect({
        "in the folder but not in PROVENANCE.md": onDisk.filter((f) => !listed.has(f)),
        "in PROVENANCE.md but not in the folder": files.filter((f) => !onDisk.includes(f)),
      }).toEqual({
        "in the folder but not in PROVENANCE.md": [],
        "in PROVENANCE.md but not in the folder": [],
      });
      expect(files.length).toBeGreaterThan(0);
    });

    it("agrees with the file count PROVENANCE.md states in prose", () => {
      const text = readFileSync(join(CORPUS_DIR, "PROVENANCE.md"), "utf8");
      const stated = /This folder: (\d+) flow files/.exec(text)?.[1];
      // The sentence is prose and may be reworded; when present, it must not contradict the table.
      if (stated !== undefined) expect(Number(stated)).toBe(entries.length);
    });

    it.each(entries.map((e) => [e.file, e] as const))(
      "%s renders with generated values, parses, and has PROVENANCE.md's type, name and keys",
      (file, entry) => {
        expect(placeholderKeys(corpusText(file))).toEqual(entry.substitutionKeys);
        const flow = loadCorpusFlow(file);
        expect(flow.archyType).toBe(entry.flowType);
        expect(API_TYPE[entry.flowType], `API type of ${entry.flowType} (add it to API_TYPE)`).toBeDefined();
        expect(flow.apiType).toBe(API_TYPE[entry.flowType]);
        expect(flow.name).toBe(withSampleValues(entry.flowName));
        expect(flow.name).not.toContain("{{");
      },
    );

    // Values that would break a blind text replace: a colon-space, a comment marker, quotes, a leading `&`.
    const nasty = (key: string): string => `&${key}: "it's" #1`;
    it.each(files)("%s stays valid YAML with values that need quoting", (file) => {
      const text = corpusText(file);
      const values = Object.fromEntries(Object.keys(sampleValues(text)).map((k) => [k, nasty(k)]));
      const rendered = renderFlowText(text, values, { file });
      expect(rendered.findings).toEqual([]);
      const flow = parseArchyFlow(rendered.text, file);
      if (/^\s*name: ["']?\{\{\s*flow_name\s*\}\}/m.test(text)) expect(flow.name).toBe(nasty("flow_name"));
      expect(rendered.text.split("\n")).toHaveLength(text.split("\n").length);
    });
  },
);
