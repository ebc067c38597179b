import { parse as parseYaml } from "yaml";
import type { TestEmulator } from "./emulator.js";

/**
 * What each live flow of an emulator org publishes, as canonical JSON of its Archy document (null when
 * nothing is published): the end state tests compare, since a restore by re-import publishes the pre-run
 * content under a new version number.
 */
export async function publishedContent(
  emulator: TestEmulator,
  org: string,
): Promise<Record<string, string | null>> {
  const state = await emulator.admin.org(org);
  const live = state.flows.filter((f) => !f.deleted).sort((a, b) => a.name.localeCompare(b.name));
  return Object.fromEntries(
    live.map((f) => [f.name, f.publishedYaml === null ? null : canonical(f.publishedYaml)]),
  );
}

/** Canonical JSON of a YAML document (keys sorted), so formatting differences do not count. */
export function canonical(yaml: string): string {
  return JSON.stringify(parseYaml(yaml) as unknown, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
