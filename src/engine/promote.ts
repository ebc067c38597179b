import type { Logger } from "../logger.js";
import { applyPlan, type ApplyEvent, type ApplyResult } from "./apply.js";
import { PlanChangedError, RecoveryFailedError } from "./errors.js";
import type { JournalStore } from "./journal.js";
import {
  flowKey,
  isWrite,
  type DesiredFlow,
  type InventoryEntry,
  type ObservedFlow,
  type Plan,
} from "./model.js";
import { observeFlows } from "./observe.js";
import { buildPlan } from "./plan.js";
import type { GenesysPort } from "./port.js";
import { preflight, type LockPolicy, type PreflightResult } from "./preflight.js";
import { vetJournal } from "./journal-vet.js";
import { rollBack, type RollbackOutcome, type RollbackStrategy } from "./rollback.js";

/** Everything a promotion needs besides the client: the same for the CLI and the controller. */
export interface PromotionRequest {
  revision: string;
  /** Stable label of the target org (org id, or the emulator endpoint). */
  target: string;
  desired: readonly DesiredFlow[];
  inventory: readonly InventoryEntry[];
  prune: boolean;
  lockPolicy: LockPolicy;
  selfClientId: string;
  concurrency: number;
  journal: JournalStore;
  logger: Logger;
  /** The run's deadline: when it aborts, the run is rolled back. */
  signal?: AbortSignal;
  /** Aborts when this process loses the right to write: nothing more is written (see ApplyOptions). */
  ownership?: AbortSignal;
  /** How a failed run restores flows that existed (default Reimport). */
  rollbackStrategy?: RollbackStrategy;
  /**
   * Renders the flow set at the inventory's revision (the last applied one), for the pre-run backup of
   * flows whose published version is ours. Optional: without it, or where a hash differs, they are exported.
   */
  previousFlows?: () => Promise<readonly DesiredFlow[]>;
  /** How long recovery waits for the import jobs of an interrupted run (default 10 min). */
  settleTimeoutMs?: number;
  /** How long a recorded job may stay Registered before it counts as never uploaded (default 20 s). */
  uploadGraceMs?: number;
  onEvent?: (event: ApplyEvent) => void;
  /** Told of journal entries recovery refused to act on (journal-vet.ts); they are logged too. */
  onJournalIgnored?: (detail: string) => void;
  /** Keep the journal and backup of a successful run for verification (see ApplyOptions.retainJournal). */
  retainJournal?: boolean;
  /**
   * Called with the checked plan just before anything is written (the CLI prints it; the controller's
   * change-window gate may throw to write nothing), and the interrupted run recovered first, if any; awaited.
   */
  onPlan?: (plan: Plan, recovered?: RollbackOutcome) => void | Promise<void>;
}

/** The result of planning (and preflighting) without writing. */
export interface PlannedPromotion {
  plan: Plan;
  observed: ObservedFlow[];
  preflight?: PreflightResult;
  /** Set when an interrupted run's journal was found and its changes were rolled back first. */
  recovered?: RollbackOutcome;
  /**
   * The inventory the plan was built on: the request's, with the versions a recovery re-imported
   * (ours, so neither drift nor a reason to back up by export).
   */
  baseline: readonly InventoryEntry[];
}

/**
 * Observes the org and builds the plan (pure once observed). With `check`, runs preflight too, so
 * `--dry-run` and the approval gate see exactly what apply would refuse.
 */
export async function planPromotion(
  client: GenesysPort,
  req: PromotionRequest,
  options: { check: boolean },
): Promise<PlannedPromotion> {
  const recovered = await recoverInterrupted(client, req);
  // A restore re-imports the pre-run content under a new version id: ours, not drift.
  const inventory = req.inventory.map((e) => {
    const version = recovered?.versions[flowKey(e.type, e.name)];
    return version ? { ...e, publishedVersion: version } : e;
  });
  const types = new Set([...req.desired.map((f) => f.type), ...inventory.map((e) => e.type)]);
  const observed = await observeFlows(client, types);
  const plan = buildPlan({
    revision: req.revision,
    target: req.target,
    desired: req.desired,
    observed,
    inventory,
    prune: req.prune,
  });
  const result: PlannedPromotion = { plan, observed, recovered, baseline: inventory };
  // Preflight guards writes; a plan without any costs no lookups (a no-op reconcile is one listing).
  if (options.check && plan.actions.some(isWrite)) {
    result.preflight = await preflight(client, {
      plan,
      desired: req.desired,
      observed,
      lockPolicy: req.lockPolicy,
      selfClientId: req.selfClientId,
    });
  }
  return result;
}

/** What a finished promotion leaves: the plan it ran, what it wrote, and the new inventory. */
export interface PromotionOutcome extends PlannedPromotion {
  applied: ApplyResult;
  inventory: InventoryEntry[];
}

/**
 * Runs a whole promotion: recover → observe → plan → preflight → apply → read back the inventory.
 * `approvedPlanHash`, when given, must equal the fresh plan's hash, so what runs is what was approved.
 */
export async function promote(
  client: GenesysPort,
  req: PromotionRequest,
  approvedPlanHash?: string,
): Promise<PromotionOutcome> {
  const planned = await planPromotion(client, req, { check: true });
  const { plan } = planned;
  if (approvedPlanHash !== undefined && approvedPlanHash !== plan.hash) {
    throw new PlanChangedError(approvedPlanHash, plan.hash);
  }
  await req.onPlan?.(plan, planned.recovered);
  const desired = new Map(req.desired.map((f) => [f.key, f]));
  const applied = await applyPlan(plan, desired, client, {
    concurrency: req.concurrency,
    forceUnlock: planned.preflight?.forceUnlock,
    journal: req.journal,
    signal: req.signal,
    ownership: req.ownership,
    previous: await previousContent(plan, planned.baseline, req),
    rollbackStrategy: req.rollbackStrategy,
    onEvent: req.onEvent,
    ...(req.retainJournal ? { retainJournal: true } : {}),
  });
  const wrote = applied.written.length + applied.pruned.length > 0;
  // Nothing written: the observation we already have is the inventory (a no-op costs no extra call).
  const after = wrote
    ? await observeFlows(client, new Set(req.desired.map((f) => f.type)))
    : planned.observed;
  return { ...planned, applied, inventory: inventoryOf(req.desired, after) };
}

/** The inventory to record: every desired flow as the org now has it. */
export function inventoryOf(
  desired: readonly DesiredFlow[],
  observed: readonly ObservedFlow[],
): InventoryEntry[] {
  const byKey = new Map(observed.map((f) => [f.key, f]));
  const out: InventoryEntry[] = [];
  for (const flow of desired) {
    const now = byKey.get(flowKey(flow.type, flow.name));
    if (!now?.publishedVersion) continue;
    out.push({
      type: flow.type,
      name: flow.name,
      id: now.id,
      publishedVersion: now.publishedVersion,
      contentHash: flow.contentHash,
      file: flow.file,
    });
  }
  return out.sort((a, b) => flowKey(a.type, a.name).localeCompare(flowKey(b.type, b.name)));
}

/** Rolls back a run that died mid-apply (its journal is still there), before anything else happens. */
async function recoverInterrupted(
  client: GenesysPort,
  req: PromotionRequest,
): Promise<RollbackOutcome | undefined> {
  const found = await req.journal.read();
  if (!found) return undefined;
  if (found.completedAt !== undefined) {
    // A finished run kept for a verification nobody is running any more (verification removed from
    // the spec, or a held release superseded): the release stands, its backup is no longer needed.
    req.logger.info({ revision: found.revision }, "dropping the kept journal of a finished run");
    await req.journal.fence();
    await req.journal.clear();
    return undefined;
  }
  const keys = new Set([
    ...req.inventory.map((e) => flowKey(e.type, e.name)),
    ...req.desired.map((f) => f.key),
  ]);
  const journal = await vetJournal(found, { target: req.target, keys, onIgnored: ignored(req) }, client);
  req.logger.warn(
    { planHash: journal.planHash, revision: journal.revision, flows: journal.entries.length },
    "found the journal of an interrupted apply; rolling it back",
  );
  await req.journal.fence();
  req.onEvent?.({ type: "recovering", revision: journal.revision, flows: journal.entries.length });
  const outcome = await rollBack(journal, await req.journal.readBackup(), client, {
    store: req.journal,
    strategy: req.rollbackStrategy,
    emit: req.onEvent,
    ownership: req.ownership,
    settleTimeoutMs: req.settleTimeoutMs,
    uploadGraceMs: req.uploadGraceMs,
  });
  if (outcome.errors.length > 0) {
    throw new RecoveryFailedError(outcome.errors);
  }
  await req.journal.clear();
  return outcome;
}

/**
 * Pre-run content from Git for the flows this plan updates whose published version is the one we applied:
 * the inventory's revision rendered again, kept only where its hash is the inventory's (same values,
 * same files), so the backup is exactly what the org publishes. Anything else is exported by the backup.
 */
async function previousContent(
  plan: Plan,
  baseline: readonly InventoryEntry[],
  req: PromotionRequest,
): Promise<Map<string, string> | undefined> {
  const inventory = new Map(baseline.map((e) => [flowKey(e.type, e.name), e]));
  const ours = plan.actions.filter((a) => {
    const last = inventory.get(a.key);
    return (
      a.kind === "update" &&
      last !== undefined &&
      last.id === a.current?.id &&
      last.publishedVersion === a.current?.publishedVersion
    );
  });
  if (ours.length === 0 || !req.previousFlows) return undefined;
  let rendered: readonly DesiredFlow[];
  try {
    rendered = await req.previousFlows();
  } catch (err) {
    req.logger.info({ err: String(err) }, "last applied revision does not render; backing up by export");
    return undefined;
  }
  const byKey = new Map(rendered.map((f) => [f.key, f]));
  const out = new Map<string, string>();
  for (const action of ours) {
    const flow = byKey.get(action.key);
    if (flow && flow.contentHash === inventory.get(action.key)?.contentHash) out.set(action.key, flow.yaml);
  }
  return out;
}

function ignored(req: PromotionRequest): (detail: string) => void {
  return (detail) => {
    req.logger.warn({ detail }, "journal entry ignored");
    req.onJournalIgnored?.(detail);
  };
}

/** A flow a promotion wrote: the version it publishes now and, for an update, the one it replaced. */
export interface PromotedFlow {
  type: string;
  name: string;
  id: string;
  version: string;
  previousVersion?: string;
}

/** The flows `outcome` created or updated (prunes aside), each with its new and previous version. */
export function promotedFlows(outcome: PromotionOutcome): PromotedFlow[] {
  const now = new Map(outcome.inventory.map((e) => [flowKey(e.type, e.name), e]));
  return outcome.plan.actions.flatMap((a) => {
    const entry = now.get(a.key);
    if (!isWrite(a) || a.kind === "prune" || !entry) return [];
    const previousVersion = a.current?.publishedVersion;
    const flow: PromotedFlow = { type: a.type, name: a.name, id: entry.id, version: entry.publishedVersion };
    return [previousVersion ? { ...flow, previousVersion } : flow];
  });
}
