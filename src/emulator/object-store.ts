import { randomUUID } from "node:crypto";
import { KINDS, type KindInfo, type ObjectKind } from "./kinds.js";
import type { SeedObject, SeedObjects } from "./seed.js";

/** An org object that flows reference by name (queue, data action, schedule, ...). */
export interface ObjectRecord {
  kind: ObjectKind;
  id: string;
  name: string;
  category?: string;
  /** Extra seed fields, echoed back by the API. */
  extra: Record<string, unknown>;
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The by-name objects of one org, per kind. */
export class ObjectStore {
  private readonly byKind = new Map<ObjectKind, ObjectRecord[]>(KINDS.map((k) => [k.kind, []]));
  private readonly byId = new Map<string, ObjectRecord>();

  /** Adds every object of a seed/admin body; an object that already exists (same kind, name, category) is kept. */
  addAll(objects: SeedObjects): ObjectRecord[] {
    const added: ObjectRecord[] = [];
    for (const info of KINDS) {
      const list = (objects as Record<string, SeedObject[] | undefined>)[info.seedKey] ?? [];
      for (const item of list) added.push(this.add(info, item));
    }
    return added;
  }

  /**
   * Adds one object; returns the existing one when its name (and category) is taken, unless the item
   * brings its own new id: real orgs can hold several objects of one name (that is what makes a
   * by-name reference ambiguous), and a seed says so by giving them distinct ids.
   */
  add(info: KindInfo, item: SeedObject): ObjectRecord {
    const { id, name, category, ...extra } = item;
    if (id !== undefined && this.byId.has(id)) return this.byId.get(id) as ObjectRecord;
    const existing = this.find(info.kind, name, typeof category === "string" ? category : undefined);
    if (existing && id === undefined) return existing;
    const record: ObjectRecord = {
      kind: info.kind,
      // Custom data action ids look like this in real orgs; everything else is a plain GUID.
      id: id ?? (info.kind === "dataAction" ? `custom_-_${randomUUID()}` : randomUUID()),
      name,
      extra,
    };
    if (typeof category === "string") record.category = category;
    this.byKind.get(info.kind)?.push(record);
    this.byId.set(record.id, record);
    return record;
  }

  /** Objects of `kind`, optionally filtered by exact (case-insensitive) name and category. */
  list(kind: ObjectKind, name?: string, category?: string): ObjectRecord[] {
    const all = this.byKind.get(kind) ?? [];
    return all.filter(
      (o) =>
        (name === undefined || sameName(o.name, name)) &&
        (category === undefined || (o.category !== undefined && sameName(o.category, category))),
    );
  }

  /** The first object of `kind` named `name` (in `category`, when given). */
  find(kind: ObjectKind, name: string, category?: string): ObjectRecord | undefined {
    return this.list(kind, name, category)[0];
  }

  /** Every object of every kind. */
  all(): ObjectRecord[] {
    return [...this.byId.values()];
  }

  /** The object with `id`, of any kind. */
  get(id: string): ObjectRecord | undefined {
    return this.byId.get(id);
  }

  /** Removes the objects of `kind` named `name` (in `category`, when given); returns how many went. */
  remove(kind: ObjectKind, name: string, category?: string): number {
    const gone = new Set(this.list(kind, name, category));
    if (gone.size === 0) return 0;
    this.byKind.set(
      kind,
      (this.byKind.get(kind) ?? []).filter((o) => !gone.has(o)),
    );
    for (const o of gone) this.byId.delete(o.id);
    return gone.size;
  }

  /** Every object, grouped by seed key (for `/__admin/state`). */
  snapshot(): Record<string, Array<{ id: string; name: string; category?: string }>> {
    const out: Record<string, Array<{ id: string; name: string; category?: string }>> = {};
    for (const info of KINDS) {
      out[info.seedKey] = (this.byKind.get(info.kind) ?? []).map((o) =>
        o.category === undefined
          ? { id: o.id, name: o.name }
          : { id: o.id, name: o.name, category: o.category },
      );
    }
    return out;
  }
}

/** The API entity of an object: its extra fields, then id, name, (category), selfUri. */
export function objectEntity(info: KindInfo, o: ObjectRecord): Record<string, unknown> {
  const entity: Record<string, unknown> = { ...o.extra, id: o.id, name: o.name };
  if (o.category !== undefined) entity.category = o.category;
  if (info.kind === "division") {
    // SDK AuthzDivision: `description` is required, `homeDivision` marks the org's default one.
    entity.description = typeof o.extra.description === "string" ? o.extra.description : "";
    entity.homeDivision = o.extra.homeDivision === true;
  }
  entity.selfUri = `${info.path}/${o.id}`;
  return entity;
}
