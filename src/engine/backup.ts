import type { Backup } from "./journal.js";
import type { PlanAction } from "./model.js";
import type { GenesysPort } from "./port.js";

/**
 * The pre-run content of every flow a run will update, taken before its first write so a rollback can
 * re-import it. A flow whose published version is the one we applied last comes from Git (the caller
 * rendered the inventory's revision and checked its hash: `previous`); any other (drifted, not applied by
 * us yet, or a revision that no longer renders the same) is exported from the org, in one export job.
 * Flows the run creates need nothing: their rollback is a delete.
 */
export async function takeBackup(
  actions: readonly PlanAction[],
  previous: ReadonlyMap<string, string> | undefined,
  client: GenesysPort,
  signal?: AbortSignal,
): Promise<Backup> {
  const backup: Backup = {};
  const toExport: Array<{ key: string; id: string; version: string }> = [];
  for (const action of actions) {
    const version = action.current?.publishedVersion;
    if (!action.current || !version) continue; // created, or nothing published to go back to
    const fromGit = action.kind === "update" ? previous?.get(action.key) : undefined;
    if (fromGit !== undefined) backup[action.key] = fromGit;
    else toExport.push({ key: action.key, id: action.current.id, version });
  }
  if (toExport.length === 0) return backup;
  const exported = await client.exportFlows(
    toExport.map(({ id, version }) => ({ id, version })),
    signal ? { signal } : undefined,
  );
  const byId = new Map(exported.map((e) => [e.id, e.yaml]));
  for (const { key, id } of toExport) {
    const yaml = byId.get(id);
    // Without the pre-run content a failure could not be undone: refuse to start instead.
    if (yaml === undefined) throw new Error(`could not back up ${key}: the export did not return flow ${id}`);
    backup[key] = yaml;
  }
  return backup;
}
