import { z } from "zod";
import type { FlowRecord } from "./flow-store.js";
import { seededRandom } from "./random.js";

/**
 * The emulator's call traffic: per org, calls arrive at the flow version published at the moment of
 * arrival and end with an outcome, milestones and a disconnect (or an exit to a queue). Nothing runs on
 * a timer: the calls of any time range are generated on demand, deterministically, from the arrival
 * index (call i of a flow arrives at `epoch + i * gap`), so two queries over the same range see the
 * same calls and a 15-minute window costs only the calls in it.
 *
 * `timeScale` compresses time for tests: each real second carries `timeScale` seconds of traffic
 * (the arrival rate is multiplied, nothing else changes), so a 20 s window at scale 45 holds the
 * calls of 15 minutes. Flow times stay in (emulated) call time.
 */

/** Disconnect types the SDK allows for flow analytics (the subset a flow's call can end with). */
export const DISCONNECT_TYPES = [
  "peer",
  "client",
  "system",
  "error",
  "endpoint",
  "timeout",
  "transfer",
] as const;

const ratio = z.number().min(0).max(1);

/** How the calls of a flow version behave; every field optional in a rule (merged over the defaults). */
export const CallProfileSchema = z.strictObject({
  /** Calls per emulated minute arriving at the flow (per flow, whatever version is published). */
  callsPerMinute: z.number().min(0).max(100_000).optional(),
  /** Share of calls that reach a flow outcome. */
  outcomeRatio: ratio.optional(),
  /** Share of the outcomes reached that are failed (nFlowOutcomeFailed / nFlowOutcome). */
  failedOutcomeRatio: ratio.optional(),
  /** Share of calls that leave the flow by an exit (transfer to ACD: tFlowExit) instead of a disconnect. */
  exitRatio: ratio.optional(),
  /** Relative weights of the disconnect types of the calls that do not exit. */
  disconnects: z.partialRecord(z.enum(DISCONNECT_TYPES), z.number().min(0)).optional(),
  /** Mean time in the flow, ms (uniform in [0.5, 1.5] × mean). */
  meanFlowMs: z.number().min(0).optional(),
  /** Milestone id → share of calls that reach it. */
  milestones: z.record(z.string().min(1), ratio).optional(),
});
/** A (partial) call profile. */
export type CallProfile = z.infer<typeof CallProfileSchema>;

/** A behaviour for some flows/versions: `flow` by name (any case), `version` an id, "next" or "published". */
export const TrafficRuleSchema = CallProfileSchema.extend({
  flow: z.string().min(1),
  /**
   * "3.0": that version; "next": the next version the flow will get (resolved when the rule is set, so
   * a later rollback by re-import gets a version of its own, without the rule); "published": the
   * version published when the rule is set. Absent: every version.
   */
  version: z.string().min(1).optional(),
  /** Only versions whose imported YAML contains this text. */
  contains: z.string().min(1).optional(),
});
/** One traffic rule. */
export type TrafficRule = z.infer<typeof TrafficRuleSchema>;

/** `PUT /__admin/orgs/{org}/traffic`. */
export const TrafficConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  timeScale: z.number().min(0.001).max(100_000).default(1),
  /** Seconds of traffic before the config was set (the first known version took calls then). */
  backfillSeconds: z
    .number()
    .min(0)
    .max(30 * 86_400)
    .default(3_600),
  seed: z.int().default(1),
  /** Flow types that take calls. */
  flowTypes: z.array(z.string().min(1)).default(["INBOUNDCALL"]),
  defaults: CallProfileSchema.default({}),
  rules: z.array(TrafficRuleSchema).max(100).default([]),
});
/** The traffic config as set. */
export type TrafficConfig = z.infer<typeof TrafficConfigSchema>;

/** The profile every call starts from: a healthy IVR. */
export const BASE_PROFILE: Required<CallProfile> = {
  callsPerMinute: 30,
  outcomeRatio: 1,
  failedOutcomeRatio: 0.01,
  exitRatio: 0.6,
  disconnects: { peer: 60, client: 38, system: 1, error: 1 },
  meanFlowMs: 45_000,
  milestones: {},
};

/** One generated call, already split into metric observations by the aggregator. */
export interface Call {
  start: number;
  flow: FlowRecord;
  version: string;
  flowMs: number;
  outcome?: { id: string; failed: boolean };
  milestones: string[];
  ending: { kind: "exit"; reason: string } | { kind: "disconnect"; type: string };
}

/** The traffic of one org. */
export class TrafficModel {
  config: TrafficConfig | undefined;
  epoch = 0;

  /** Sets the config; "next"/"published" versions are resolved against `flows` now. */
  set(config: TrafficConfig, flows: readonly FlowRecord[], now: number): void {
    const rules = config.rules.map((r) => ({ ...r, version: resolveVersion(r, flows) }));
    this.config = { ...config, rules };
    this.epoch = now - config.backfillSeconds * 1000;
  }

  /** Appends a rule (resolved now). */
  addRule(rule: TrafficRule, flows: readonly FlowRecord[]): TrafficRule {
    if (!this.config) throw new Error("traffic is not configured; PUT /traffic first");
    const resolved = { ...rule, version: resolveVersion(rule, flows) };
    this.config.rules.push(resolved);
    return resolved;
  }

  /** The calls that arrived at `flows` in [from, to) (never after `now`), oldest first per flow. */
  *calls(flows: readonly FlowRecord[], from: number, to: number, now: number): Generator<Call> {
    const config = this.config;
    if (!config?.enabled) return;
    const end = Math.min(to, now);
    const types = new Set(config.flowTypes.map((t) => t.toUpperCase()));
    for (const flow of flows) {
      if (flow.deleted || !types.has(flow.type) || !flow.publications?.length) continue;
      const rate = this.profile(flow, undefined).callsPerMinute * config.timeScale;
      if (rate <= 0) continue;
      const gap = 60_000 / rate;
      const first = Math.max(0, Math.ceil((from - this.epoch) / gap));
      const flowSeed = hash(`${config.seed}:${flow.id}`);
      for (let i = first; ; i++) {
        const start = this.epoch + i * gap;
        if (start >= end) break;
        const version = versionAt(flow, start, this.epoch);
        if (version === undefined) continue;
        yield makeCall(
          flow,
          version,
          start,
          this.profile(flow, version),
          seededRandom(flowSeed ^ hash(String(i))),
        );
      }
    }
  }

  /** The profile of `flow` at `version` (undefined: the flow's own, for its arrival rate). */
  private profile(flow: FlowRecord, version: string | undefined): Required<CallProfile> {
    const out: Required<CallProfile> = { ...BASE_PROFILE, ...strip(this.config?.defaults ?? {}) };
    const yaml = version ? flow.versions.find((v) => v.id === version)?.yaml : undefined;
    for (const rule of this.config?.rules ?? []) {
      if (rule.flow.toLowerCase() !== flow.name.toLowerCase()) continue;
      if (version === undefined && (rule.version !== undefined || rule.contains !== undefined)) continue;
      if (rule.version !== undefined && rule.version !== version) continue;
      if (rule.contains !== undefined && !(yaml ?? "").includes(rule.contains)) continue;
      const { flow: _f, version: _v, contains: _c, ...profile } = rule;
      Object.assign(out, strip(profile));
    }
    return out;
  }
}

/** The version published at `t`; before the first publication, the first one (it took the backfill). */
function versionAt(flow: FlowRecord, t: number, epoch: number): string | undefined {
  const pubs = flow.publications ?? [];
  let current: string | undefined;
  for (const p of pubs) {
    if (p.at > t) break;
    current = p.version ?? undefined;
  }
  if (current === undefined && pubs[0] && pubs[0].at > t && t >= epoch) return pubs[0].version ?? undefined;
  return current;
}

function resolveVersion(rule: TrafficRule, flows: readonly FlowRecord[]): string | undefined {
  if (rule.version !== "next" && rule.version !== "published") return rule.version;
  const flow = flows.find((f) => !f.deleted && f.name.toLowerCase() === rule.flow.toLowerCase());
  if (!flow) throw new Error(`no flow named '${rule.flow}'`);
  if (rule.version === "published") {
    if (!flow.publishedVersionId) throw new Error(`flow '${rule.flow}' has no published version`);
    return flow.publishedVersionId;
  }
  const ids = [...flow.versions, ...(flow.draft ? [flow.draft] : [])].map((v) => Number.parseFloat(v.id));
  return `${Math.max(0, ...ids.filter(Number.isFinite)) + 1}.0`;
}

function makeCall(
  flow: FlowRecord,
  version: string,
  start: number,
  p: Required<CallProfile>,
  random: () => number,
): Call {
  const flowMs = Math.round(p.meanFlowMs * (0.5 + random()));
  const reached = random() < p.outcomeRatio;
  const failed = random() < p.failedOutcomeRatio;
  const milestones = Object.entries(p.milestones)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .filter(([, share]) => random() < share)
    .map(([id]) => id);
  const exit = random() < p.exitRatio;
  const pick = random();
  const call: Call = {
    start,
    flow,
    version,
    flowMs,
    milestones,
    ending: exit
      ? { kind: "exit", reason: "TRANSFER" }
      : { kind: "disconnect", type: weighted(p.disconnects, pick) },
  };
  if (reached) call.outcome = { id: outcomeIdOf(flow), failed };
  return call;
}

/** The id of a flow's (one) outcome: stable per flow. */
export function outcomeIdOf(flow: FlowRecord): string {
  const h = hash(`outcome:${flow.id}`).toString(16).padStart(8, "0");
  return `${h}-0000-4000-8000-${flow.id.replace(/-/g, "").slice(0, 12).padEnd(12, "0")}`;
}

function weighted(weights: Partial<Record<string, number>>, u: number): string {
  const entries = Object.entries(weights).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return "peer";
  let acc = 0;
  for (const [type, w] of entries) {
    acc += w / total;
    if (u < acc) return type;
  }
  return entries.at(-1)?.[0] ?? "peer";
}

function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
