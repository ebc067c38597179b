import type { ApplyEvent } from "./apply.js";
import { sameContent } from "./content.js";
import { FencedOutError, JobsInFlightError } from "./errors.js";
import type { Backup, Journal, JournalEntry, JournalStore } from "./journal.js";
import type { GenesysPort, PortFlow } from "./port.js";

/**
 * Undoing a run. Three steps, the same after a failed import, a deadline, or a crash found by the next run:
 * 1. settle: wait for every import job the run recorded to end (a job that was uploaded runs to completion
 *    whether or not anybody polls it; restoring before it ends would let it publish over the restore);
 * 2. restore every flow the run changed, newest change first: re-import its pre-run content (from the
 *    backup taken before the first write) through the jobs API, or delete it when the run created it;
 * 3. verify: export what each restored flow now publishes and compare it with the pre-run content.
 */

/** How to restore a flow that existed before the run. */
export type RollbackStrategy = "Reimport" | "RepublishVersion";

/** Options of {@link rollBack}. */
export interface RollbackOptions {
  /** Holds the journal (states settle into it) and the fence every restore write passes. */
  store: JournalStore;
  /** Reimport (default): import the pre-run content again. RepublishVersion: publish the old version id (opt-in). */
  strategy?: RollbackStrategy;
  emit?: (e: ApplyEvent) => void;
  /** How long to wait for jobs still running before giving up with JobsInFlightError (default 10 min). */
  settleTimeoutMs?: number;
  /** Aborts when this process loses the right to write: the rollback stops at once. */
  ownership?: AbortSignal;
  /** How long a job may stay Registered before it counts as never uploaded (default 20 s). */
  uploadGraceMs?: number;
}

/** What a rollback restored, and what it could not. */
export interface RollbackOutcome {
  restored: string[];
  errors: string[];
  /** Published version of each flow restored by re-import, for the inventory (its content is the pre-run one). */
  versions: Record<string, string>;
}

/** Settles, restores and verifies the run recorded in `journal` (see the file comment). */
export async function rollBack(
  journal: Journal,
  backup: Backup,
  client: GenesysPort,
  options: RollbackOptions,
): Promise<RollbackOutcome> {
  const emit = options.emit ?? (() => undefined);
  await settleJobs(journal, client, options);
  const outcome: RollbackOutcome = { restored: [], errors: [], versions: {} };
  let left = (await changedFlows(journal, client)).reverse();
  const reimported: JournalEntry[] = [];
  // A delete refused because another flow still uses the flow (a stub, say) succeeds once that other
  // flow is restored: retry in rounds while each round makes progress, and a couple of rounds more for
  // failures that clear by themselves (a publish that failed after its 202, a 5xx).
  let idle = 0;
  while (left.length > 0) {
    const failed: Array<{ entry: JournalEntry; error: string }> = [];
    for (const entry of left) {
      try {
        const how = await restore(entry, backup, client, options);
        emit({ type: "rolled-back", key: entry.key, how });
        outcome.restored.push(entry.key);
        if (how === "reimported") reimported.push(entry);
      } catch (err) {
        if (err instanceof FencedOutError || options.ownership?.aborted) throw err;
        failed.push({ entry, error: `${entry.key}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    idle = failed.length === left.length ? idle + 1 : 0;
    if (idle > RETRY_ROUNDS) {
      outcome.errors.push(...failed.map((f) => f.error));
      break;
    }
    left = failed.map((f) => f.entry);
  }
  if (reimported.length > 0) await verify(reimported, backup, client, outcome, emit);
  return outcome;
}

/** Waits for the run's recorded import jobs; entries move to done or failed. Persists what it learnt. */
async function settleJobs(journal: Journal, client: GenesysPort, options: RollbackOptions): Promise<void> {
  const open = journal.entries.filter((e) => e.state === "registered" && e.jobId);
  if (open.length === 0) return;
  options.emit?.({ type: "settling", jobs: open.length });
  const deadline = Date.now() + (options.settleTimeoutMs ?? 600_000);
  const running: string[] = [];
  await Promise.all(
    open.map(async (entry) => {
      const jobId = entry.jobId ?? "";
      try {
        if (!(await uploaded(client, jobId, options))) return; // never started: resolved from the flow
        const job = await client.waitForImportJob(jobId, {
          timeoutMs: Math.max(1_000, deadline - Date.now()),
          ...(options.ownership ? { signal: options.ownership } : {}),
        });
        if (!job) return; // unknown to the service: resolved from the flow itself (changedFlows)
        entry.state = job.status === "Success" ? "done" : "failed";
        if (job.flow?.id) entry.flowId = job.flow.id;
      } catch (err) {
        if (options.ownership?.aborted) throw err;
        running.push(`${entry.key} (job ${jobId})`);
      }
    }),
  );
  await options.store.write(journal);
  if (running.length > 0) throw new JobsInFlightError(running);
}

/** Rounds without progress a rollback still tries before it reports what it could not restore. */
const RETRY_ROUNDS = 2;

/** How long a job may stay Registered (its upload not arrived) before it counts as never started. */
const UPLOAD_GRACE_MS = 20_000;

/**
 * False when the job is still `Registered` after a grace period: the run died between journaling the
 * job id and uploading the YAML, so the job never runs (a Registered job without its upload does not
 * start by itself). True for any other state, or when the service no longer knows the job.
 */
async function uploaded(client: GenesysPort, jobId: string, options: RollbackOptions): Promise<boolean> {
  const deadline = Date.now() + (options.uploadGraceMs ?? UPLOAD_GRACE_MS);
  for (;;) {
    const job = await client.getImportJob(
      jobId,
      options.ownership ? { signal: options.ownership } : undefined,
    );
    if (job?.status !== "Registered") return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/**
 * One entry per flow the run changed, in the order each flow was first touched, with the state from
 * BEFORE the run (its first entry) and the id it got (its last). A flow created as a stub and then
 * imported for real has two entries; it is restored once, to "did not exist". Entries whose outcome is
 * not known from a job (never registered, job forgotten by the service, failed) are resolved from the
 * flow itself: created if it exists now, changed if its published version moved.
 */
async function changedFlows(journal: Journal, client: GenesysPort): Promise<JournalEntry[]> {
  const byKey = new Map<string, JournalEntry>();
  for (const entry of journal.entries) {
    const first = byKey.get(entry.key);
    if (!first) byKey.set(entry.key, { ...entry });
    else {
      if (entry.flowId) first.flowId = entry.flowId;
      if (entry.state === "done") first.state = "done";
    }
  }
  const out: JournalEntry[] = [];
  for (const entry of byKey.values()) {
    if (entry.state === "done" && entry.flowId) {
      out.push(entry);
      continue;
    }
    const current = await findCurrent(entry, client);
    if (!current) continue;
    const moved = (current.publishedVersion?.id ?? undefined) !== entry.before.publishedVersion;
    if (!entry.before.id || moved) out.push({ ...entry, flowId: current.id });
  }
  return out;
}

async function restore(
  entry: JournalEntry,
  backup: Backup,
  client: GenesysPort,
  options: RollbackOptions,
): Promise<"reimported" | "republished" | "deleted"> {
  const { before } = entry;
  await fence(options);
  if (!before.id) {
    await client.deleteFlow(entry.flowId ?? ""); // a flow already gone is fine
    return "deleted";
  }
  const content = backup[entry.key];
  if ((options.strategy ?? "Reimport") === "Reimport" && content !== undefined) {
    await client.importFlow(content, { onRegistered: () => fence(options) });
    return "reimported";
  }
  if (!before.publishedVersion) throw new Error("no pre-run content or published version to restore");
  // Opt-in, or a journal written before backups existed: publish the old version id again.
  await client.publishFlow(before.id, before.publishedVersion);
  return "republished";
}

/** Exports what each re-imported flow now publishes and compares it with the pre-run content. */
async function verify(
  entries: readonly JournalEntry[],
  backup: Backup,
  client: GenesysPort,
  outcome: RollbackOutcome,
  emit: (e: ApplyEvent) => void,
): Promise<void> {
  const flows: PortFlow[] = [];
  for (const entry of entries) {
    const flow = await client.getFlow(entry.before.id ?? "");
    if (!flow?.publishedVersion?.id) {
      outcome.errors.push(`${entry.key}: not published after the restore`);
      continue;
    }
    outcome.versions[entry.key] = flow.publishedVersion.id;
    flows.push(flow);
  }
  if (flows.length === 0) return;
  const exported = await client.exportFlows(
    flows.map((f) => ({ id: f.id, version: f.publishedVersion?.id ?? "" })),
  );
  const byId = new Map(exported.map((e) => [e.id, e.yaml]));
  for (const entry of entries) {
    const flow = flows.find((f) => f.id === entry.before.id);
    if (!flow) continue;
    const now = byId.get(flow.id);
    if (now !== undefined && sameContent(now, backup[entry.key] ?? "")) {
      emit({ type: "verified", key: entry.key });
    } else {
      outcome.errors.push(`${entry.key}: published content after the restore is not the pre-run content`);
      delete outcome.versions[entry.key];
    }
  }
}

async function fence(options: RollbackOptions): Promise<void> {
  if (options.ownership?.aborted) throw new FencedOutError(String(options.ownership.reason));
  await options.store.fence();
}

async function findCurrent(entry: JournalEntry, client: GenesysPort): Promise<PortFlow | undefined> {
  const id = entry.flowId ?? entry.before.id;
  if (id) return client.getFlow(id);
  const found = await client.listFlows({ types: [entry.type.toLowerCase()], name: entry.name });
  return found.find((f) => f.name === entry.name && f.type.toUpperCase() === entry.type.toUpperCase());
}
