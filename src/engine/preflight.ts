import type { FlowReference } from "../flowset/types.js";
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
 * Checks everything before anything is written: every by-name reference of every flow resolves in the
 * target org (or is a flow of the same set), and no flow to be written is locked by someone else
 * (unless the policy is ForceUnlock). Every finding of every flow is reported together.
 */
export async function preflight(client: GenesysPort, input: PreflightInput): Promise<PreflightResult> {
  const findings: PreflightFinding[] = [];
  const warnings: PreflightFinding[] = [];
  const forceUnlock = new Set<string>();
  const observedByName = groupByName(input.observed);
  const lookups = new Map<string, Promise<boolean>>();
  const flowLookups = new Map<string, Promise<PortFlow[]>>();
  const checks: Array<Promise<void>> = [];
  const limit = limiter(input.concurrency ?? 4);

  for (const flow of input.desired) {
    for (const ref of flow.external) {
      checks.push(
        (async () => {
          const exists =
            ref.kind === "flow"
              ? await flowExists(client, ref, observedByName, flowLookups, limit)
              : await objectExists(client, ref, lookups, limit);
          if (!exists) findings.push(missing(flow, ref));
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

function missing(flow: DesiredFlow, ref: FlowReference): PreflightFinding {
  const what =
    ref.kind === "dataAction"
      ? `data action '${ref.category ?? "?"} / ${ref.name}'`
      : ref.kind === "flow"
        ? `flow '${ref.name}'${ref.flowType ? ` (${ref.flowType})` : ""}`
        : `${ref.kind} '${ref.name}'`;
  const where = `${flow.file}${ref.line ? `:${ref.line}` : ""}`;
  return {
    flow: flow.key,
    file: flow.file,
    code: "ReferenceNotFound",
    message: `${what} not found in the target org (referenced at ${where}, ${ref.path})`,
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

async function objectExists(
  client: GenesysPort,
  ref: FlowReference,
  lookups: Map<string, Promise<boolean>>,
  limit: Limit,
): Promise<boolean> {
  const key = `${ref.kind}\u0000${ref.category ?? ""}\u0000${ref.name}`;
  let found = lookups.get(key);
  if (!found) {
    const opts = ref.category === undefined ? undefined : { category: ref.category };
    found = limit(async () => (await client.findObjects(ref.kind, ref.name, opts)).length > 0);
    lookups.set(key, found);
  }
  return found;
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
