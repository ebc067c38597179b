import { randomUUID } from "node:crypto";
import type { EmuReferenceKind } from "./archy/reference.js";

/** Who made a call: the OAuth client of the bearer token (the emulator has no user logins). */
export interface Principal {
  clientId: string;
  clientName: string;
}

/** A by-name reference of a stored version, with the id it resolved to when the version was stored. */
export interface StoredReference {
  kind: EmuReferenceKind;
  name: string;
  category?: string;
  flowType?: string;
  /** Dependency-tracking type (QUEUE, DATAACTION, BOTFLOW, ...). */
  type: string;
  id?: string;
  version?: string;
}

/** One version of a flow (committed, or the draft that `savedVersion` points at). */
export interface FlowVersionRecord {
  id: string;
  /** Opaque configuration document (the parsed YAML for imported versions). */
  configuration: unknown;
  /** The Archy YAML this version was imported from, when it came from an import job. */
  yaml?: string;
  references: StoredReference[];
  createdBy: Principal;
  dateCreated: number;
  dateSaved?: number;
  dateCheckedIn?: number;
  datePublished?: string;
}

/** An async action status (genesys-api.md §2.7). */
export interface OperationRecord {
  id: string;
  complete: boolean;
  client: Principal;
  actionName: string;
  actionStatus: string;
  errorMessage?: string;
  errorCode?: string;
}

/** A flow of one org. */
export interface FlowRecord {
  id: string;
  name: string;
  /** UPPERCASE API type. */
  type: string;
  description?: string;
  deleted: boolean;
  versions: FlowVersionRecord[];
  draft?: FlowVersionRecord;
  publishedVersionId?: string;
  checkedInVersionId?: string;
  lock?: Principal;
  publishedBy?: Principal;
  currentOperation?: OperationRecord;
  /** Set while a publish operation is still running (409 operation.already.in.progress). */
  publishing?: boolean;
  /** The division the flow's `division:` named when it was last imported; unset = the Home division. */
  divisionId?: string;
  dateCreated: number;
  /** Every change of the published version (null: unpublished), oldest first; the traffic model reads it. */
  publications?: Array<{ version: string | null; at: number }>;
}

const keyOf = (type: string, name: string): string => `${type}\u0000${name.toLowerCase()}`;

/** Orders GET /api/v2/flows can sort by. */
export type FlowSortKey = "id" | "name" | "type";

const SORT_VALUE: Record<FlowSortKey, (f: FlowRecord) => string> = {
  id: (f) => f.id,
  name: (f) => f.name.toLowerCase(),
  type: (f) => f.type,
};

/**
 * The flows of one org, keyed by id and unique on (type, name). Names compare case-insensitively
 * (Architect treats "Main" and "main" as the same flow name).
 */
export class FlowStore {
  private readonly byId = new Map<string, FlowRecord>();
  private readonly byKey = new Map<string, FlowRecord>();
  /** Sorted views, dropped on every change: listing 1,000+ flows must not sort on every request. */
  private readonly sortedCache = new Map<FlowSortKey, FlowRecord[]>();

  /** Creates a flow (caller checked the name is free). */
  create(
    name: string,
    type: string,
    description: string | undefined,
    now: number,
    id: string = randomUUID(),
  ): FlowRecord {
    const flow: FlowRecord = { id, name, type, deleted: false, versions: [], dateCreated: now };
    if (description !== undefined) flow.description = description;
    this.byId.set(id, flow);
    this.byKey.set(keyOf(type, name), flow);
    this.sortedCache.clear();
    return flow;
  }

  /** The flow with `id` (deleted ones included). */
  get(id: string): FlowRecord | undefined {
    return this.byId.get(id);
  }

  /** The live (not deleted) flow of `type` named `name`, case-insensitively. */
  find(type: string, name: string): FlowRecord | undefined {
    return this.byKey.get(keyOf(type, name));
  }

  /** Live flows named `name` of any type. */
  findByName(name: string): FlowRecord[] {
    const lower = name.toLowerCase();
    return this.all().filter((f) => !f.deleted && f.name.toLowerCase() === lower);
  }

  /** Every flow, deleted ones included, in creation order. */
  all(): FlowRecord[] {
    return [...this.byId.values()];
  }

  /** Every flow (deleted ones included) ascending by `key`; do not mutate the array. */
  sorted(key: FlowSortKey): readonly FlowRecord[] {
    let list = this.sortedCache.get(key);
    if (!list) {
      const value = SORT_VALUE[key];
      list = this.all()
        .map((f) => [value(f), f] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .map(([, f]) => f);
      this.sortedCache.set(key, list);
    }
    return list;
  }

  /** Renames `flow` (caller checked the new name is free). */
  rename(flow: FlowRecord, name: string): void {
    this.byKey.delete(keyOf(flow.type, flow.name));
    flow.name = name;
    this.byKey.set(keyOf(flow.type, name), flow);
    this.sortedCache.clear();
  }

  /** Soft-deletes `flow`: it stays readable with `deleted=true` and frees its (type, name). */
  markDeleted(flow: FlowRecord): void {
    flow.deleted = true;
    flow.lock = undefined;
    flow.draft = undefined;
    if (this.byKey.get(keyOf(flow.type, flow.name)) === flow) this.byKey.delete(keyOf(flow.type, flow.name));
  }
}

/** Next version id: "1.0", "2.0", ... one above every committed version and the draft. */
export function nextVersionId(flow: FlowRecord): string {
  let max = 0;
  for (const v of [...flow.versions, ...(flow.draft ? [flow.draft] : [])])
    max = Math.max(max, Number.parseInt(v.id, 10) || 0);
  return `${max + 1}.0`;
}

/** The committed version `id` of `flow`. */
export function findVersion(flow: FlowRecord, id: string): FlowVersionRecord | undefined {
  if (flow.draft?.id === id) return flow.draft;
  return flow.versions.find((v) => v.id === id);
}

/** The version whose configuration `latestconfiguration` returns: the draft, else the newest committed one. */
export function latestVersion(flow: FlowRecord): FlowVersionRecord | undefined {
  return flow.draft ?? flow.versions.at(-1);
}
