import { z } from "zod";
import { PromoterError } from "../../../src/errors.js";

/**
 * Reads the file table of the corpus's PROVENANCE.md (the `## Files` section), so that tests which
 * count or enumerate the corpus follow what PROVENANCE.md lists instead of a number written in a test.
 */

/** One row of the file table, by column header. Only the columns the tests rely on are required. */
export const ProvenanceRowSchema = z
  .object({
    File: z.string().regex(/\.ya?ml$/, "must name a .yaml or .yml file"),
    "Flow type": z.string().regex(/^[A-Za-z]+$/, "must be one Archy flow key"),
    "Flow name": z.string().min(1),
    "Substitution keys in file": z.string(),
  })
  .catchall(z.string());
/** See {@link ProvenanceRowSchema}. */
export type ProvenanceRow = z.infer<typeof ProvenanceRowSchema>;

/** A corpus file as PROVENANCE.md describes it. */
export interface ProvenanceEntry {
  /** Path relative to the corpus folder, as in the File column. */
  file: string;
  /** The Archy top-level key (`inboundCall`, `botFlow`, ...). */
  flowType: string;
  /** The flow name as written in the file (may contain `{{key}}` placeholders). */
  flowName: string;
  /** The `{{key}}` keys of the "Substitution keys in file" column (not `<key>` script placeholders). */
  substitutionKeys: string[];
  /** Every cell of the row, by column header, for checks on other columns. */
  row: ProvenanceRow;
}

/** PROVENANCE.md does not hold the file table the tests need. */
export class ProvenanceFormatError extends PromoterError {
  constructor(message: string) {
    // Stalled: the corpus documentation must be fixed; rerunning the tests will not help.
    super("ProvenanceFormat", "Stalled", message);
  }
}

/** Splits `| a | b \| c |` into cells on unescaped pipes and unescapes `\|`. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}

/** Drops one pair of surrounding backticks (`` `a.yaml` `` → `a.yaml`). */
function unquote(cell: string): string {
  return /^`[^`]*`$/.test(cell) ? cell.slice(1, -1) : cell;
}

/** The lines of the first Markdown table after the heading `heading` (header, separator, rows). */
function tableAfter(markdown: string, heading: string): string[] {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new ProvenanceFormatError(`PROVENANCE.md has no "${heading}" section`);
  const first = lines.findIndex((l, i) => i > start && l.trimStart().startsWith("|"));
  if (first < 0) throw new ProvenanceFormatError(`no table under "${heading}" in PROVENANCE.md`);
  const end = lines.findIndex((l, i) => i > first && !l.trimStart().startsWith("|"));
  return lines.slice(first, end < 0 ? undefined : end);
}

/** Parses the `## Files` table of PROVENANCE.md text; throws ProvenanceFormatError naming the bad row. */
export function parseProvenance(markdown: string): ProvenanceEntry[] {
  const [header, separator, ...rows] = tableAfter(markdown, "## Files");
  if (!header || !separator || !/^[\s|:-]+$/.test(separator)) {
    throw new ProvenanceFormatError('the "## Files" table has no header and separator row');
  }
  const columns = cells(header);
  const entries = rows.map((line, i) => {
    const values = cells(line);
    if (values.length !== columns.length) {
      throw new ProvenanceFormatError(
        `file table row ${i + 1} has ${values.length} cells, the header ${columns.length}: ${line}`,
      );
    }
    const raw = Object.fromEntries(columns.map((c, j) => [c, unquote(values[j]!)]));
    const parsed = ProvenanceRowSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ");
      throw new ProvenanceFormatError(`file table row ${i + 1} (${values[0]}): ${issues}`);
    }
    const row = parsed.data;
    return {
      file: row.File,
      flowType: row["Flow type"],
      flowName: row["Flow name"],
      substitutionKeys: [...row["Substitution keys in file"].matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)]
        .map((m) => m[1]!)
        .sort(),
      row,
    };
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.file)) throw new ProvenanceFormatError(`file table lists ${e.file} twice`);
    seen.add(e.file);
  }
  return entries;
}
