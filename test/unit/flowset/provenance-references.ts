import { ProvenanceFormatError, type ProvenanceEntry } from "./provenance.js";

/**
 * Turns PROVENANCE.md's reference columns into the references the parser should report, in the
 * `kind category/name flowType` notation of corpus-references.test.ts. The notation (see the
 * "Reference notation" bullet of PROVENANCE.md) says how each name is written in the file; only names
 * Archy resolves when it publishes — or that a literal runtime lookup needs in the org — are
 * references. Expressions, ids and built-in prompts are not, and are returned as `unresolved` so a
 * test can say what the parser does not cover.
 */

/** What the columns of one row say. */
export interface DerivedReferences {
  /** References the parser must report (sorted). */
  references: string[];
  /** Entries that are not by-name references (expressions, ids, built-in prompts). */
  unresolved: Array<{ column: string; name: string; entry: string }>;
}

/** `Name [tag; detail]` → name and tags; entries without brackets (system prompts) have no tags. */
function splitEntry(entry: string): { name: string; tags: string[] } {
  const m = /^(.*?) ?\[([^\]]*)\]$/.exec(entry);
  if (!m) return { name: entry, tags: [] };
  return { name: m[1]!, tags: m[2]!.split(";").map((t) => t.trim()) };
}

/** Splits a cell on `; ` outside brackets (`a [lit; queue]; b [key]`). */
function entries(cell: string): string[] {
  return cell === "-" ? [] : cell.split(/;\s(?![^[]*\])/).map((e) => e.trim());
}

type Rule = (name: string, tags: string[]) => string | null | undefined;

/**
 * Per column: the reference an entry stands for, `null` when it is deliberately not a reference
 * (expression, id, built-in), `undefined` when the notation is new (the test then fails on it).
 */
const RULES: Readonly<Record<string, Rule>> = {
  Queues: (name, [how, what]) => {
    if (how === "exp" || what === "queue id (data action input)") return null;
    // A literal findQueue name must exist in the target org just like a transfer target.
    if (what === "queue" || what === "queue(runtime find)" || what === "queue(updateData)")
      return `queue ${name}`;
    return undefined;
  },
  "Data actions": (name, [how]) => {
    const at = name.indexOf(" / ");
    if (how !== "key" || at < 0) return undefined;
    return `dataAction ${name.slice(0, at)}/${name.slice(at + 3)}`;
  },
  "Data tables": (name, [how]) => (how === "key" ? `dataTable ${name}` : undefined),
  "Common modules": (name, [how]) => (how === "key" ? `flow ${name} COMMONMODULE` : undefined),
  "Other flows": (name, [, what]) => {
    if (what === "flow(bot)") return `flow ${name} BOT`;
    if (what === "flow(inQueue)") return `flow ${name} INQUEUECALL`;
    if (what === "flow(transfer)") return `flow ${name}`; // transferToFlow fixes no flow type
    return undefined;
  },
  Prompts: (name, tags) => (tags.length === 0 && name.startsWith("PromptSystem.") ? null : undefined),
  "Schedules / schedule groups": (name, [how]) =>
    how === "exp" ? null : how === "lit.name" ? `schedule ${name}` : undefined,
  "Emergency groups": (name, [how]) =>
    how === "exp" ? null : how === "in exp" ? `emergencyGroup ${name}` : undefined,
  "Other refs": (name, [how, what]) => {
    if (how === "exp") return null;
    if (what === "contactList" || what === "wrapupCode" || what === "knowledgeBase") return `${what} ${name}`;
    return undefined;
  },
};

/** The references PROVENANCE.md documents for `entry`, names passed through `render` (placeholders). */
export function derivedReferences(
  entry: ProvenanceEntry,
  render: (name: string) => string = (n) => n,
): DerivedReferences {
  const references = new Set<string>();
  const unresolved: DerivedReferences["unresolved"] = [];
  for (const [column, rule] of Object.entries(RULES)) {
    const cell = entry.row[column];
    if (cell === undefined) throw new ProvenanceFormatError(`the file table has no "${column}" column`);
    for (const raw of entries(cell)) {
      const { name, tags } = splitEntry(raw);
      const ref = rule(render(name), tags);
      if (ref === undefined) {
        throw new ProvenanceFormatError(`${entry.file}: ${column}: notation not understood: ${raw}`);
      }
      if (ref === null) unresolved.push({ column, name: render(name), entry: raw });
      else references.add(ref);
    }
  }
  return { references: [...references].sort(), unresolved };
}
