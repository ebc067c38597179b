import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { desiredFromFlowSet } from "../../../src/engine/desired.js";
import type { InventoryEntry } from "../../../src/engine/model.js";
import { promote } from "../../../src/engine/promote.js";
import { readFlowDocument } from "../../../src/emulator/archy/parse.js";
import type { EmulatorSeed, SeedObjects } from "../../../src/emulator/index.js";
import { kindInfo } from "../../../src/emulator/kinds.js";
import { buildFlowSet } from "../../../src/flowset/flow-set.js";
import { placeholderKeys, renderFlowText } from "../../../src/flowset/render.js";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import {
  CORPUS_PRESENT,
  CORPUS_SKIP_MESSAGE,
  corpusDivision,
  corpusFiles,
  corpusText,
  provenance,
} from "../../unit/flowset/corpus.js";
import type { ProvenanceEntry } from "../../unit/flowset/provenance.js";
import { derivedReferences } from "../../unit/flowset/provenance-references.js";
import { clientFor, request } from "./fixture.js";

/**
 * Every corpus flow, promoted through the engine into an emulator org seeded with what it references.
 * Each source repository (corpus folder) gets its own org, the way it was deployed; the values are the
 * repository's keys with generated values, wired together where PROVENANCE.md's chains say Terraform
 * passes one flow's name to another.
 *
 * The org is seeded from two sources that are NOT the promoter's extractor: PROVENANCE.md's reference
 * columns and the emulator's own reference reader (src/emulator/archy). So a reference the extractor
 * misses still has to resolve in the import job, and one it invents makes preflight fail.
 */

/** Values that are the same for every flow: the division that every org has, and the language. */
const COMMON_VALUES: Readonly<Record<string, string>> = {
  division: "Home",
  division_name: "Home",
  home_division_name: "Home",
  default_language: "en-us",
};

/** Per file: the values Terraform wires from one flow to another (PROVENANCE.md "Cross-flow dependency chains"). */
const WIRING: Readonly<Record<string, Record<string, string>>> = {
  "call-park/call-park-agent-inbound-flow.yaml": {
    in_queue_flow_name: "InQueue - Orbit Call Park Hold - CX",
  },
  "call-park/in-queue-orbit-call-park-hold.yaml": { flow_name: "InQueue - Orbit Call Park Hold - CX" },
  "aws-pipeline-cx-as-code/BasicMessageFlow.yaml": { bot_flow_name: "BasicBot" },
  "aws-pipeline-cx-as-code/BasicBot.yaml": { bot_name: "BasicBot" },
  "merge-ephemeral-contact/MergeExternalContactMessageFlow.yaml": {
    bot_flow_name: "Merge External Contact Bot",
    common_module_name: "Resolve Contact",
  },
  "merge-ephemeral-contact/MergeExternalContactBot.yaml": { bot_name: "Merge External Contact Bot" },
  "merge-ephemeral-contact/ResolveContact.yaml": { module_name: "Resolve Contact" },
  "send-transcript-by-email/send-message-transcript-to-customer-by-email.yaml": {
    common_module_name: "Resolve Contact",
  },
  "send-transcript-by-email/resolve-contact.yaml": { common_module_name: "Resolve Contact" },
  "webchat-chatbot-lambda/DudesWheresMyStuffBot.yaml": { flow_name: "DudesWheresMyStuffBot" },
  "webmessaging-chatbot-lambda/DudesWheresMyStuffBot.yaml": { flow_name: "DudesWheresMyStuffBot" },
  "webmessaging-knowledge-base/DevOpsKnowledgeChatBot_v2-0.yaml": { flow_name: "DevOpsKnowledgeChatBot" },
  "webmessaging-triage-bot/quick-response-bot.yaml": { flow_name: "web-messaging-quick-response-bot" },
  "dr-webmessaging/MyChatBot.yaml": { flow_name: "MyChatBot" },
};

/**
 * Lint errors that are real (PROVENANCE.md's per-file notes say why); every other corpus flow must
 * lint with zero errors. Such flows are still imported (the engine is given the rendered flows) so the
 * import job shows they deploy as their repositories deploy them.
 */
const HARSH_QUEUE_IDS = [
  "6c8df324-c48d-4da1-9d72-8561f9d19bee",
  "c5a7d937-8f79-4a01-8c04-9db453c0c4e4",
  "f7a1fbaf-53ff-4154-a3c6-d6aebad50395",
];
const REAL_ERRORS: Readonly<Record<string, readonly string[]>> = {
  // "Each queue is referenced twice: by id literal as the QUEUE_ID input of the data action and by
  // name in transferToAcd": the ids are those of the exporter's org and exist in no other org.
  "doctorhcode-ci-cd2/HarshTestFlow-INBOUNDCALL-c973b27c-487e-4c58-beb1-b5315cb84bf9.yaml":
    HARSH_QUEUE_IDS.map((id) => `HardCodedUuid ${id}`),
  "doctorhcode-ci-cd2/myTestFlow.yaml": HARSH_QUEUE_IDS.map((id) => `HardCodedUuid ${id}`),
};

const UUID_IN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const folderOf = (file: string): string => file.slice(0, file.indexOf("/"));
const stem = (file: string): string => file.slice(file.lastIndexOf("/") + 1).replace(/\.ya?ml$/, "");

/** The file's values: wiring, then common ones, then `<key> <file stem>` (unique per file). */
function valuesOf(file: string): Record<string, string> {
  const keys = placeholderKeys(corpusText(file));
  return Object.fromEntries(
    keys.map((k) => [k, WIRING[file]?.[k] ?? COMMON_VALUES[k] ?? `${k} ${stem(file)}`]),
  );
}

const render = (file: string): string => renderFlowText(corpusText(file), valuesOf(file), { file }).text;

/**
 * Org objects the flow needs, by seed key: PROVENANCE.md's columns (names rendered with the file's
 * values), the emulator's own reader, and the flow's division.
 */
function objectsOf(entry: ProvenanceEntry, out: Map<string, Map<string, Record<string, string>>>): void {
  const values = valuesOf(entry.file);
  const fill = (name: string): string =>
    name.replace(/\{\{\s*([^}\s]+)\s*\}\}/g, (_m, k: string) => values[k] ?? `{{${k}}}`);
  const add = (kind: string, name: string, category?: string, id?: string): void => {
    if (kind === "flow") return; // flows come from the set itself
    const info = kindInfo(kind);
    if (!info) throw new Error(`${entry.file}: no emulator kind for ${kind}`);
    const list = out.get(info.seedKey) ?? new Map<string, Record<string, string>>();
    const object: Record<string, string> = id ? { id, name: `by id ${id}` } : { name };
    if (category !== undefined) object.category = category;
    list.set(`${category ?? ""}\u0000${id ?? name}`, object);
    out.set(info.seedKey, list);
  };
  for (const ref of derivedReferences(entry, fill).references) {
    const [kind = "", ...rest] = ref.split(" ");
    if (kind === "flow") continue;
    const text = rest.join(" ");
    if (kind === "dataAction") {
      const at = text.indexOf("/");
      add(kind, text.slice(at + 1), text.slice(0, at));
    } else add(kind, text);
  }
  for (const ref of readFlowDocument(render(entry.file)).references) {
    if (ref.byId) add(ref.kind, ref.name, undefined, ref.name);
    else add(ref.kind, ref.name, ref.category);
  }
  const division = corpusDivision(entry.file);
  if (division !== undefined) add("division", fill(division));
}

/**
 * The folder's files in runs: a file that defines a flow already in the run (a twin, an earlier
 * version) goes into a later run, which updates the flow in place.
 */
function runsOf(files: string[]): string[][] {
  const runs: Array<{ files: string[]; names: Set<string> }> = [];
  for (const file of files) {
    const doc = readFlowDocument(render(file));
    const key = `${doc.apiType}/${doc.name}`;
    let run = runs.find((r) => !r.names.has(key));
    if (!run) runs.push((run = { files: [], names: new Set() }));
    run.files.push(file);
    run.names.add(key);
  }
  return runs.map((r) => r.files);
}

const entries = provenance();
const folders = [...new Set(entries.map((e) => folderOf(e.file)))].sort();
const clientOf = (folder: string) => ({ id: `${folder}-client`, secret: `${folder}-secret` });

describe.skipIf(!CORPUS_PRESENT)(
  CORPUS_PRESENT ? "every corpus flow promoted into a seeded emulator org" : CORPUS_SKIP_MESSAGE,
  () => {
    let emulator: TestEmulator;
    /** Files promoted by the tests above the last one (tests of a file run in order). */
    const promoted = new Set<string>();
    beforeAll(async () => {
      const seed: EmulatorSeed = {
        orgs: folders.map((folder) => {
          const objects = new Map<string, Map<string, Record<string, string>>>();
          for (const e of entries.filter((x) => folderOf(x.file) === folder)) objectsOf(e, objects);
          const seedObjects = Object.fromEntries(
            [...objects].map(([key, list]) => [key, [...list.values()]]),
          ) as SeedObjects;
          return { name: folder, clients: [clientOf(folder)], jobDurationMs: 5, ...seedObjects };
        }),
      };
      emulator = await startTestEmulator(seed);
    });
    afterAll(async () => emulator?.close());

    it.each(folders)("%s: lints clean (or with its real errors) and every flow publishes", async (folder) => {
      const files = entries.map((e) => e.file).filter((f) => folderOf(f) === folder);
      let inventory: InventoryEntry[] = [];
      const client = clientFor(emulator, clientOf(folder));
      const expected = new Map<string, string>();
      for (const run of runsOf(files)) {
        const set = buildFlowSet({
          files: run.map((f) => ({ path: f, text: corpusText(f) })),
          values: {},
          fileValues: Object.fromEntries(run.map((f) => [f, valuesOf(f)])),
          environment: "corpus",
        });
        const errors = set.findings
          .filter((f) => f.severity === "error")
          .map((f) => `${f.file}: ${f.code} ${UUID_IN.exec(f.message)?.[0] ?? f.message}`);
        const known = run.flatMap((f) => (REAL_ERRORS[f] ?? []).map((m) => `${f}: ${m}`));
        expect(errors.sort()).toEqual(known.sort());
        expect(set.flows.map((f) => f.path).sort()).toEqual([...run].sort());
        const result = await promote(
          client,
          request(desiredFromFlowSet(set), inventory, {
            selfClientId: clientOf(folder).id,
            target: folder,
            revision: `run-${expected.size}`,
          }),
        );
        inventory = result.inventory;
        for (const f of set.flows) {
          expected.set(`${f.flow.apiType}/${f.flow.name}`, f.path);
          promoted.add(f.path);
        }
      }
      const org = await emulator.admin.org(folder);
      const published = org.flows
        .filter((f) => !f.deleted && f.publishedVersion)
        .map((f) => `${f.type}/${f.name}`)
        .sort();
      expect(published).toEqual([...expected.keys()].sort());
    });

    it("promoted every flow file in the corpus folder, as PROVENANCE.md lists them", () => {
      expect(promoted.size).toBeGreaterThan(0);
      expect([...promoted].sort()).toEqual(corpusFiles());
      expect([...promoted].sort()).toEqual(entries.map((e) => e.file).sort());
    });
  },
);
