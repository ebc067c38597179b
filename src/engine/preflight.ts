import type { FlowReference } from "../flowset/types.js";
import { AmbiguousObjectError } from "../genesys/objects.js";
import { PreflightFailedError, type PreflightFinding } from "./errors.js";
import { isWrite, type DesiredFlow, type ObservedFlow, type Plan } from "./model.js";
import type { GenesysPort, PortFlow } from "./port.js";

/** What to do with a flow locked by someone else. */
export type LockPolicy = "Fail" | "ForceUnlock";

/** Inputs of {@link preflight}. */
export interface PreflightInput {
  plan: Plan;
  desired: readonly DesiredFlow[];
  observed: readonly ObservedFlow[];
  lockPolicy: LockPolicy;
  /** Our OAuth client id: a lock we hold ourselves (left by a crashed run) is not someone else's. */
  selfClientId: string;
  /** Lookups in flight at once. */
  concurrency?: number;
}

/** Preflight's verdict when nothing blocks: which flows apply must unlock first, and warnings. */
export interface PreflightResult {
  forceUnlock: Set<string>;
  warnings: PreflightFinding[];
}

/**
 * Checks everything before anything is written: every by-name reference of every flow resolves to
 * exactly one object in the target org (or is a flow of the same set; several objects of that exact name
 * are an AmbiguousReference naming every candidate, never a silent pick), every literal id of a lookup
 * by id (`FindQueueById("…")`) names an object of that kind there, and no flow to be written is locked
 * by someone else (unless the policy is ForceUnlock). Every finding of every flow is reported together.
 */
export async function preflight(client: GenesysPort, input: PreflightInput): Promise<PreflightResult> {
  const findings: PreflightFinding[] = [];
  const warnings: PreflightFinding[] = [];
  const forceUnlock = new Set<string>();
  const observedByName = groupByName(input.observed);
  const lookups = new Map<string, Promise<Lookup>>();
  const flowLookups = new Map<string, Promise<PortFlow[]>>();
  const checks: Array<Promise<void>> = [];
  const limit = limiter(input.concurrency ?? 4);

  for (const flow of input.desired) {
    for (const ref of flow.external) {
      checks.push(
        (async () => {
          const found: Lookup =
            ref.kind === "flow"
              ? { found: await flowExists(client, ref, observedByName, flowLookups, limit) }
              : await lookUpObject(client, ref, lookups, limit);
          if ("candidates" in found) findings.push(ambiguous(flow, ref, found.candidates));
          else if (!found.found) findings.push(missing(flow, ref));
        })(),
      );
    }
  }
  await Promise.all(checks);

  const observed = new Map(input.observed.map((f) => [f.key, f]));
  for (const action of input.plan.actions.filter(isWrite)) {
    const lock = observed.get(action.key)?.lockedBy;
    if (!lock) continue;
    if (lock === `client:${input.selfClientId}`) {
      // Our own lock (a crashed run's checkout) is no one else's, so no policy applies, but the import
      // job still refuses it ("locked by another entity", see src/emulator/import-flow.ts): unlock first.
      forceUnlock.add(action.key);
      warnings.push({
        flow: action.key,
        file: action.file,
        code: "FlowLockedBySelf",
        message: "locked by this OAuth client (left by an earlier run); will be unlocked",
      });
      continue;
    }
    const finding = { flow: action.key, file: action.file, code: "FlowLocked", message: `locked by ${lock}` };
    if (input.lockPolicy === "ForceUnlock") {
      forceUnlock.add(action.key);
      warnings.push({ ...finding, message: `${finding.message}; will be force-unlocked` });
    } else {
      findings.push({
        ...finding,
        message: `${finding.message} (lockPolicy Fail; use ForceUnlock to take it)`,
      });
    }
  }
  if (findings.length > 0) {
    findings.sort((a, b) => a.flow.localeCompare(b.flow) || a.message.localeCompare(b.message));
    const onlyLocks = findings.every((f) => f.code === "FlowLocked");
    throw new PreflightFailedError(findings, onlyLocks ? "Waiting" : "Stalled");
  }
  return { forceUnlock, warnings };
}

/** What the org holds for one reference: found or not, or several objects of that exact name. */
type Lookup = { found: boolean } | { candidates: Array<{ id: string; name: string }> };

function describe(ref: FlowReference): string {
  if (ref.kind === "dataAction") return `data action '${ref.category ?? "?"} / ${ref.name}'`;
  if (ref.kind === "flow") return `flow '${ref.name}'${ref.flowType ? ` (${ref.flowType})` : ""}`;
  return ref.byId ? `${ref.kind} with id '${ref.name}'` : `${ref.kind} '${ref.name}'`;
}

function where(flow: DesiredFlow, ref: FlowReference): string {
  return `${flow.file}${ref.line ? `:${ref.line}` : ""}, ${ref.path}`;
}

function missing(flow: DesiredFlow, ref: FlowReference): PreflightFinding {
  return {
    flow: flow.key,
    file: flow.file,
    code: "ReferenceNotFound",
    message: `${describe(ref)} not found in the target org (referenced at ${where(flow, ref)})`,
  };
}

/** Several objects carry the name: Architect would bind one of them, so we refuse to guess. */
function ambiguous(
  flow: DesiredFlow,
  ref: FlowReference,
  candidates: ReadonlyArray<{ id: string; name: string }>,
): PreflightFinding {
  const ids = candidates.map((c) => c.id).join(", ");
  return {
    flow: flow.key,
    file: flow.file,
    code: "AmbiguousReference",
    message:
      `${describe(ref)} matches ${candidates.length} objects in the target org (ids ${ids}); ` +
      `rename all but one (referenced at ${where(flow, ref)})`,
  };
}

function groupByName(observed: readonly ObservedFlow[]): Map<string, ObservedFlow[]> {
  const map = new Map<string, ObservedFlow[]>();
  for (const f of observed) map.set(f.name, [...(map.get(f.name) ?? []), f]);
  return map;
}

async function flowExists(
  client: GenesysPort,
  ref: FlowReference,
  observedByName: Map<string, ObservedFlow[]>,
  lookups: Map<string, Promise<PortFlow[]>>,
  limit: Limit,
): Promise<boolean> {
  const matches = (f: { name: string; type: string }): boolean =>
    f.name === ref.name && (!ref.flowType || f.type.toUpperCase() === ref.flowType.toUpperCase());
  if ((observedByName.get(ref.name) ?? []).some(matches)) return true;
  // The listing covered only the set's types; look the name up once, across all types.
  let found = lookups.get(ref.name);
  if (!found) {
    found = limit(() => client.listFlows({ name: ref.name }));
    lookups.set(ref.name, found);
  }
  return (await found).some(matches);
}

async function lookUpObject(
  client: GenesysPort,
  ref: FlowReference,
  lookups: Map<string, Promise<Lookup>>,
  limit: Limit,
): Promise<Lookup> {
  const key = [ref.kind, ref.byId ? "id" : "", ref.category ?? "", ref.name].join("\u0000");
  let found = lookups.get(key);
  if (!found) {
    found = limit(() => objectLookup(client, ref));
    lookups.set(key, found);
  }
  return found;
}

async function objectLookup(client: GenesysPort, ref: FlowReference): Promise<Lookup> {
  if (ref.kind === "flow") return { found: false };
  // A literal id (`FindQueueById("…")`) must name an object of that kind in this org.
  if (ref.byId) return { found: (await client.getObjectById(ref.kind, ref.name)) !== undefined };
  const opts = ref.category === undefined ? undefined : { category: ref.category };
  try {
    return { found: (await client.findObject(ref.kind, ref.name, opts)) !== undefined };
  } catch (err) {
    if (err instanceof AmbiguousObjectError)
      return { candidates: err.matches.map((m) => ({ id: m.id, name: m.name })) };
    throw err;
  }
}

type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** A tiny concurrency limiter: at most `n` tasks run at once, the rest wait in order. */
function limiter(n: number): Limit {
  let active = 0;
  const queue: Array<() => void> = [];
  const next = (): void => {
    if (active >= n) return;
    const start = queue.shift();
    if (start) {
      active += 1;
      start();
    }
  };
  return <T>(task: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        task()
          .then(resolve, reject)
          .finally(() => {
            active -= 1;
            next();
          });
      });
      next();
    });
}
