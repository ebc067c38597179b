import { ApiException } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEEKDAYS } from "../../../src/api/change-windows.js";
import { computeKStatus, toRfc3339 } from "../../../src/api/conditions.js";
import { Annotation, GROUP, NAMES, VERSION, type IvrPromotion } from "../../../src/api/ivr-promotion.js";
import { formatInZone } from "../../../src/engine/change-window.js";
import { eventually, type LoggedRequest } from "../../helpers/emulator.js";
import {
  Cluster,
  OperatorProcess,
  credentialsSecret,
  exampleFiles,
  exampleSpec,
  isReady,
  liveFlows,
  ready,
  removeDir,
  startWorld,
  tempDir,
  type World,
} from "./harness.js";

/**
 * spec.changeWindows end to end: a real kube-apiserver, the operator as its own process, a real emulator
 * and Git repository. What is written to the org is read from the emulator's request log, so "nothing
 * is written while held" is checked where it matters, not in the operator's own account of itself.
 */

let cluster: Cluster;
let operator: OperatorProcess;
let dir: string;
const worlds: World[] = [];
const extraOperators: OperatorProcess[] = [];
const FLOWS = Object.keys(await exampleFiles()).filter((p) => p.startsWith("flows/")).length;
/** The shared operator sees only these objects; the recovery test runs operators of its own. */
const LABELS = { "change-windows": "shared" };
/** A deny window that covers all time: a year from each 1 January, for 366 days. */
const FREEZE = { name: "year-end-freeze", cron: "0 0 1 1 *", duration: "8784h" };

beforeAll(async () => {
  dir = await tempDir("ivr-change-windows-");
  cluster = await Cluster.start();
  operator = await OperatorProcess.start(cluster.api.kubeconfigPath, {
    dir,
    labelSelector: "change-windows=shared",
  });
});

afterAll(async () => {
  for (const op of [operator, ...extraOperators]) await op?.stop();
  for (const w of worlds) await w.close();
  await cluster?.stop();
  if (process.env.KEEP_OPERATOR_LOG) for (const op of [operator, ...extraOperators]) console.log(op?.log());
  await removeDir(dir);
});

async function world(jobDurationMs?: number): Promise<World> {
  const w = await startWorld({ jobDurationMs });
  worlds.push(w);
  return w;
}

/** Requests that change the org: everything but reads, the token, and export/validate jobs (reads too). */
function writes(log: readonly LoggedRequest[]): LoggedRequest[] {
  return log.filter(
    (r) =>
      r.method !== "GET" &&
      r.method !== "HEAD" &&
      r.route !== "/oauth/token" &&
      !/\/(export|validate)\/jobs/.test(r.route),
  );
}

const reconciling = (o: IvrPromotion) => o.status?.conditions?.find((c) => c.type === "Reconciling");
const heldWith = (text: string) => (o: IvrPromotion) =>
  ready(o)?.reason === "OutsideChangeWindow" && (reconciling(o)?.message ?? "").includes(text);

/** `HH:MM:SS` and the weekday of `date` in `timeZone`. */
function wallClock(date: Date, timeZone: string): { start: string; day: (typeof WEEKDAYS)[number] } {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const parts = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
  const day = WEEKDAYS.find((d) => d === parts.weekday);
  if (!day) throw new Error(`unexpected weekday ${parts.weekday}`);
  return { start: `${parts.hour}:${parts.minute}:${parts.second}`, day };
}

/** The value of one series in the operator's /metrics, 0 when absent. */
async function metric(name: string, ns: string, obj: string): Promise<number> {
  const line = (await operator.metrics())
    .split("\n")
    .find((l) => l.startsWith(`${name}{namespace="${ns}",name="${obj}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("change windows", () => {
  it("rejects malformed windows at admission, and stalls naming the field on an unknown time zone", async () => {
    const w = await world();
    const ns = await cluster.namespace("cw-invalid");
    const spec = exampleSpec(w, "dev");
    const attempt = async (changeWindows: unknown): Promise<string> => {
      try {
        await cluster.create(ns, "bad", { ...spec, changeWindows } as typeof spec, LABELS);
        await cluster.delete(ns, "bad");
        return "accepted";
      } catch (err) {
        if (!(err instanceof ApiException)) throw err;
        return `${err.code} ${JSON.stringify(err.body)}`;
      }
    };
    expect(await attempt({ deny: [{ cron: "0 1 * * *", duration: "0s" }] })).toMatch(
      /^422 .*spec.changeWindows.deny\[0\].duration.*must be between 1m and 8784h/,
    );
    expect(
      await attempt({
        allow: [{ cron: "0 1 * * *", weekly: { days: ["Mon"], start: "01:00" }, duration: "1h" }],
      }),
    ).toMatch(/^422 .*exactly one of weekly or cron must be set/);
    expect(await attempt({ allow: [{ cron: "every night", duration: "1h" }] })).toMatch(
      /^422 .*spec.changeWindows.allow\[0\].cron/,
    );
    expect(
      await attempt({ allow: [{ weekly: { days: ["Monday"], start: "1:00" }, duration: "1h" }] }),
    ).toMatch(/^422 .*spec.changeWindows.allow\[0\].weekly/);

    // CEL knows neither cron nor the tz database: the controller says it, on one line naming the field.
    await credentialsSecret(cluster, ns, w, "dev");
    await cluster.create(ns, "tz", { ...spec, changeWindows: { timeZone: "Europe/Berln" } }, LABELS);
    // The object does not parse (that is the point), so it is read raw, as kubectl would.
    const conditions = async () => {
      const raw = (await cluster.objects.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: NAMES.plural,
        namespace: ns,
        name: "tz",
      })) as { status?: { conditions?: Array<Record<string, string>> } };
      const list = raw.status?.conditions ?? [];
      return list.some((c) => c.type === "Stalled" && c.status === "True") ? list : undefined;
    };
    const stalled = await eventually(conditions, 60_000, 250);
    expect(stalled.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "InvalidSpec",
      message: "spec.changeWindows.timeZone: is not a time zone Node's tz database knows",
    });
    expect(writes(await w.emulator.admin.requests())).toEqual([]);
  });

  it("holds the plan outside the windows, writing nothing, and applies it when the window opens", async () => {
    const w = await world();
    const ns = await cluster.namespace("cw-hold");
    await credentialsSecret(cluster, ns, w, "dev");
    // A weekly window in Berlin that opens 30 s from now (whole seconds), for ten minutes.
    const zone = "Europe/Berlin";
    const opens = new Date(Math.ceil((Date.now() + 30_000) / 1000) * 1000);
    const { start, day } = wallClock(opens, zone);
    const changeWindows = {
      timeZone: zone,
      allow: [{ name: "release-slot", weekly: { days: [day], start }, duration: "10m" }],
    };
    await cluster.create(ns, "w", exampleSpec(w, "dev", { changeWindows }), LABELS);

    const held = await cluster.waitFor(ns, "w", (o) => ready(o)?.reason === "OutsideChangeWindow");
    const local = formatInZone(opens, zone);
    expect(Date.now()).toBeLessThan(opens.getTime()); // still before the window: the hold is what we see
    expect(ready(held)).toMatchObject({ status: "Unknown" });
    expect(ready(held)?.message).toContain(local);
    const hold = held.status?.changeWindowHold;
    expect(hold).toMatchObject({
      revision: `main@sha1:${await w.repo.head()}`,
      summary: { create: FLOWS, update: 0, drifted: 0, unchanged: 0, prune: 0 },
      nextOpenAt: toRfc3339(opens),
      why: "outside every allow window",
    });
    expect(reconciling(held)).toMatchObject({ status: "True", reason: "OutsideChangeWindow" });
    expect(reconciling(held)?.message).toContain(`the next window opens ${local} ${zone} (in `);
    expect(reconciling(held)?.message).toContain(
      `${Annotation.changeWindowOverride}="${hold?.planHash} <reason>"`,
    );
    // kstatus: in progress, so `kubectl wait --for=condition=Ready` waits for the change to land.
    expect(computeKStatus(held)).toBe("InProgress");
    expect(await cluster.waitForEvent(ns, "w", "OutsideChangeWindow")).toMatchObject({ type: "Normal" });
    expect(writes(await w.emulator.admin.requests())).toEqual([]);
    expect(await liveFlows(w, "dev")).toEqual([]);

    const done = await cluster.waitFor(ns, "w", isReady, 90_000);
    expect(done.status?.lastAppliedRevision).toBe(hold?.revision);
    expect(done.status?.changeWindowHold).toBeUndefined();
    expect(await liveFlows(w, "dev")).toHaveLength(FLOWS);
    const written = writes(await w.emulator.admin.requests());
    expect(written.length).toBeGreaterThan(0);
    // Not one write before the window opened.
    for (const r of written)
      expect(Date.parse(r.time), `${r.method} ${r.path}`).toBeGreaterThanOrEqual(opens.getTime());
    // Requeued at the opening, not polled while held: a handful of held reconciles, not one a second.
    const heldReconciles = await metric("ivr_promoter_change_window_held_total", ns, "w");
    expect(heldReconciles).toBeGreaterThanOrEqual(1);
    expect(heldReconciles).toBeLessThanOrEqual(3);
    expect(await metric("ivr_promoter_change_window_held", ns, "w")).toBe(0);
  });

  it("an approved plan waits for the window, then applies exactly that plan", async () => {
    const w = await world();
    const ns = await cluster.namespace("cw-approval");
    await credentialsSecret(cluster, ns, w, "dev");
    const opens = new Date(Math.ceil((Date.now() + 45_000) / 1000) * 1000);
    const changeWindows = {
      allow: [
        {
          cron: `${opens.getUTCSeconds()} ${opens.getUTCMinutes()} ${opens.getUTCHours()} * * *`,
          duration: "5m",
        },
      ],
    };
    const spec = exampleSpec(w, "dev", { changeWindows, approval: { required: true } });
    await cluster.create(ns, "a", spec, LABELS);

    // Approvers see the plan at once, window or not; approving it does not open the window.
    const waiting = await cluster.waitFor(ns, "a", (o) => ready(o)?.reason === "AwaitingApproval");
    const hash = waiting.status?.pendingPlan?.planHash ?? "";
    await cluster.annotate(ns, "a", { [Annotation.approvedPlan]: hash });
    const held = await cluster.waitFor(ns, "a", (o) => ready(o)?.reason === "OutsideChangeWindow");
    expect(Date.now()).toBeLessThan(opens.getTime());
    expect(held.status?.pendingPlan?.planHash).toBe(hash);
    expect(held.status?.changeWindowHold?.planHash).toBe(hash);
    expect(held.status?.changeWindowHold?.nextOpenAt).toBe(toRfc3339(opens));
    expect(writes(await w.emulator.admin.requests())).toEqual([]);

    const done = await cluster.waitFor(ns, "a", isReady, 90_000);
    expect(done.status?.pendingPlan).toBeUndefined();
    expect(done.status?.history?.[0]?.planHash).toBe(hash);
    for (const r of writes(await w.emulator.admin.requests())) {
      expect(Date.parse(r.time), `${r.method} ${r.path}`).toBeGreaterThanOrEqual(opens.getTime());
    }
  });

  it("lets an override through for exactly its plan, records it, and holds a deletion's prune too", async () => {
    const w = await world();
    const ns = await cluster.namespace("cw-override");
    await credentialsSecret(cluster, ns, w, "dev");
    const changeWindows = { timeZone: "Europe/Berlin", deny: [FREEZE] };
    await cluster.create(ns, "o", exampleSpec(w, "dev", { changeWindows, prune: true }), LABELS);

    const held = await cluster.waitFor(ns, "o", (o) => ready(o)?.reason === "OutsideChangeWindow");
    expect(ready(held)?.message).toContain("no window opens within 400 days");
    expect(held.status?.changeWindowHold?.why).toBe('inside deny window "year-end-freeze"');
    const hash = held.status?.changeWindowHold?.planHash ?? "";

    // An override naming another plan does nothing, and the status says why.
    await cluster.annotate(ns, "o", {
      [Annotation.changeWindowOverride]: `sha256:${"0".repeat(32)} wrong plan`,
    });
    await cluster.waitFor(ns, "o", heldWith(`names plan sha256:${"0".repeat(32)}, not this one`));
    await cluster.annotate(ns, "o", { [Annotation.changeWindowOverride]: "no hash, just words" });
    await cluster.waitFor(ns, "o", heldWith('must be "<planHash> <reason>"'));
    expect(writes(await w.emulator.admin.requests())).toEqual([]);

    const reason = "INC-4711: callers are sent to the wrong queue";
    await cluster.annotate(ns, "o", { [Annotation.changeWindowOverride]: `${hash} ${reason}` });
    const applied = await cluster.waitFor(ns, "o", isReady);
    expect(await liveFlows(w, "dev")).toHaveLength(FLOWS);
    expect(applied.status?.changeWindowOverride).toMatchObject({
      planHash: hash,
      revision: held.status?.changeWindowHold?.revision,
      reason,
      why: 'inside deny window "year-end-freeze"',
    });
    expect(applied.status?.changeWindowOverride?.setBy).toMatch(/\S/);
    expect(applied.status?.history?.[0]?.message).toContain(`(change windows overridden: ${reason})`);
    const event = await cluster.waitForEvent(ns, "o", "ChangeWindowOverridden");
    expect(event).toMatchObject({ type: "Warning" });
    expect(event.message).toContain(hash);
    expect(event.message).toContain(reason);
    expect(await metric("ivr_promoter_change_window_overrides_total", ns, "o")).toBe(1);

    // The override was for that plan: the next change is held again, though the annotation is still there.
    const text = String((await exampleFiles())["flows/voice/billing-ivr.yaml"]);
    await w.repo.commit({
      "flows/voice/billing-ivr.yaml": text.replace("You have reached billing", "Hello billing"),
    });
    const before = writes(await w.emulator.admin.requests()).length;
    await cluster.annotate(ns, "o", { [Annotation.requestedAt]: "next" });
    const again = await cluster.waitFor(ns, "o", (o) => o.status?.lastHandledReconcileAt === "next");
    expect(ready(again)?.reason).toBe("OutsideChangeWindow");
    expect(again.status?.changeWindowHold?.summary).toMatchObject({ update: 1 });
    expect(reconciling(again)?.message).toContain(`names plan ${hash}, not this one`);
    expect(writes(await w.emulator.admin.requests())).toHaveLength(before);

    // Deleting with prune is a write too: held by the freeze, finalizer kept, until its own override.
    await cluster.delete(ns, "o");
    const deleting = await cluster.waitFor(
      ns,
      "o",
      (o) => Boolean(o.metadata.deletionTimestamp) && o.status?.changeWindowHold?.summary.prune === FLOWS,
    );
    expect(ready(deleting)?.reason).toBe("OutsideChangeWindow");
    expect(await liveFlows(w, "dev")).toHaveLength(FLOWS);
    expect(writes(await w.emulator.admin.requests())).toHaveLength(before);
    const deletion = deleting.status?.changeWindowHold?.planHash ?? "";
    await cluster.annotate(ns, "o", { [Annotation.changeWindowOverride]: `${deletion} decommissioning dev` });
    await cluster.waitGone(ns, "o");
    expect(await liveFlows(w, "dev")).toEqual([]);
  });
});

describe("change windows never hold a recovery", () => {
  it("rolls back an interrupted run under a freeze, then holds the re-apply", async () => {
    const labels = { "change-windows": "crash" };
    const start = async (logName: string) => {
      const op = await OperatorProcess.start(cluster.api.kubeconfigPath, {
        dir,
        logName,
        labelSelector: "change-windows=crash",
      });
      extraOperators.push(op);
      return op;
    };
    const w = await world(20);
    const ns = await cluster.namespace("cw-recovery");
    await credentialsSecret(cluster, ns, w, "dev");
    const first = await start("crash-1.log");
    await cluster.create(ns, "r", exampleSpec(w, "dev"), labels);
    const v1 = await cluster.waitFor(ns, "r", isReady);

    // Slow imports of a commit that changes every flow; the operator dies mid-run, journal left behind.
    await w.emulator.admin.patchFaults("dev", { jobDurationMs: 4000 });
    const changed: Record<string, string> = {};
    for (const [path, text] of Object.entries(await exampleFiles())) {
      if (path.startsWith("flows/"))
        changed[path] = String(text).replace(/^( {2}description: .*)$/m, "$1 (v2)");
    }
    await w.repo.commit(changed);
    const jobsBefore = (await w.emulator.admin.org("dev")).jobs.length;
    await cluster.annotate(ns, "r", { [Annotation.requestedAt]: "v2" });
    await eventually(
      async () => ((await w.emulator.admin.org("dev")).jobs.length > jobsBefore ? true : undefined),
      60_000,
      50,
    );
    await first.kill();
    const journal = await cluster.core.readNamespacedConfigMap({ namespace: ns, name: "r-ivr-journal" });
    expect(journal.data?.["journal.json"]).toBeDefined();

    // A freeze is declared before anyone comes back; the next operator must still undo the half-applied run.
    await cluster.patch(ns, "r", { spec: { changeWindows: { deny: [FREEZE] } } });
    await w.emulator.admin.patchFaults("dev", { jobDurationMs: 20 });
    const second = await start("crash-2.log");
    const held = await cluster.waitFor(ns, "r", (o) => ready(o)?.reason === "OutsideChangeWindow", 120_000);
    expect(second.log()).toContain("found the journal of an interrupted apply");
    const after = await cluster.core.readNamespacedConfigMap({ namespace: ns, name: "r-ivr-journal" });
    expect(after.data?.["journal.json"]).toBeUndefined();
    // Every flow is back on v1's content; the v2 plan waits, as updates (the restored versions are ours).
    const flows = await liveFlows(w, "dev");
    expect(flows).toHaveLength(v1.status?.inventory?.length ?? -1);
    for (const f of flows) expect(f.publishedYaml ?? "", f.name).not.toContain("(v2)");
    expect(held.status?.changeWindowHold?.summary).toMatchObject({ update: FLOWS, drifted: 0 });
    for (const entry of held.status?.inventory ?? []) {
      expect(flows.find((f) => f.id === entry.id)?.publishedVersion, entry.name).toBe(entry.publishedVersion);
    }
    // A later reconcile still sees no drift: the hold is stable, nothing else is written.
    const count = writes(await w.emulator.admin.requests()).length;
    await cluster.annotate(ns, "r", { [Annotation.requestedAt]: "again" });
    const again = await cluster.waitFor(ns, "r", (o) => o.status?.lastHandledReconcileAt === "again");
    expect(again.status?.changeWindowHold?.summary).toMatchObject({ update: FLOWS, drifted: 0 });
    expect(writes(await w.emulator.admin.requests())).toHaveLength(count);
    expect((await cluster.events(ns, "r")).some((e) => e.reason === "DriftDetected")).toBe(false);
  }, 240_000);
});
