import { describe, expect, it } from "vitest";
import {
  HISTORY_LIMIT,
  type HistoryEntry,
  IvrPromotionSchema,
  IvrPromotionSpecSchema,
  type IvrPromotionSpecInput,
  IvrPromotionStatusSchema,
  pushHistory,
} from "../../../src/api/ivr-promotion.js";

const minimal = (): IvrPromotionSpecInput => ({
  source: { url: "https://git.example.com/ivr/flows.git", ref: { branch: "main" } },
  path: "flows",
  environment: "prod",
  target: { region: "mypurecloud.ie", credentialsSecretRef: { name: "genesys-prod" } },
});

describe("IvrPromotionSpecSchema", () => {
  it("applies the documented defaults to a minimal spec", () => {
    expect(IvrPromotionSpecSchema.parse(minimal())).toEqual({
      ...minimal(),
      interval: "10m",
      suspend: false,
      prune: false,
      concurrency: 8,
      lockPolicy: "Fail",
      cyclePolicy: "Reject",
      rollbackStrategy: "Reimport",
    });
  });

  it.each<[string, (s: IvrPromotionSpecInput) => IvrPromotionSpecInput]>([
    ["a tag", (s) => ({ ...s, source: { ...s.source, ref: { tag: "v1.2.0" } } })],
    ["a full commit", (s) => ({ ...s, source: { ...s.source, ref: { commit: "a".repeat(40) } } })],
    [
      "an emulator endpoint",
      (s) => ({ ...s, target: { endpoint: "http://127.0.0.1:4010", credentialsSecretRef: { name: "c" } } }),
    ],
    ["a local repository", (s) => ({ ...s, source: { ...s.source, url: "file:///tmp/repo" } })],
    ["an scp-like url", (s) => ({ ...s, source: { ...s.source, url: "git@github.com:acme/flows.git" } })],
    ["the repository root", (s) => ({ ...s, path: "." })],
    [
      "every optional field",
      (s) => ({
        ...s,
        retryInterval: "30s",
        timeout: "2m",
        dependsOn: [{ name: "shared-modules" }, { name: "base", namespace: "platform" }],
        approval: { required: true },
        rateLimit: { requestsPerMinute: 120 },
        concurrency: 16,
        lockPolicy: "ForceUnlock",
        cyclePolicy: "BreakWithStubs",
      }),
    ],
  ])("accepts %s", (_what, mutate) => {
    expect(IvrPromotionSpecSchema.safeParse(mutate(minimal())).error).toBeUndefined();
  });

  it.each<[string, (s: IvrPromotionSpecInput) => unknown, string]>([
    ["a missing url", (s) => ({ ...s, source: { ref: s.source.ref } }), "source.url"],
    [
      "two refs",
      (s) => ({ ...s, source: { ...s.source, ref: { branch: "main", commit: "b".repeat(40) } } }),
      "source.ref",
    ],
    ["no ref at all", (s) => ({ ...s, source: { ...s.source, ref: {} } }), "source.ref"],
    [
      "a short commit",
      (s) => ({ ...s, source: { ...s.source, ref: { commit: "abc1234" } } }),
      "source.ref.commit",
    ],
    ["a bad lockPolicy", (s) => ({ ...s, lockPolicy: "Steal" }), "lockPolicy"],
    ["concurrency 0", (s) => ({ ...s, concurrency: 0 }), "concurrency"],
    ["concurrency 17", (s) => ({ ...s, concurrency: 17 }), "concurrency"],
    ["fractional concurrency", (s) => ({ ...s, concurrency: 2.5 }), "concurrency"],
    ["region and endpoint", (s) => ({ ...s, target: { ...s.target, endpoint: "http://x" } }), "target"],
    [
      "neither region nor endpoint",
      (s) => ({ ...s, target: { credentialsSecretRef: { name: "c" } } }),
      "target",
    ],
    [
      "no credentials",
      (s) => ({ ...s, target: { region: "mypurecloud.com" } }),
      "target.credentialsSecretRef",
    ],
    ["an absolute path", (s) => ({ ...s, path: "/etc" }), "path"],
    ["a path with ..", (s) => ({ ...s, path: "a/../../b" }), "path"],
    ["an interval in days", (s) => ({ ...s, interval: "1d" }), "interval"],
    ["an upper-case environment", (s) => ({ ...s, environment: "Prod" }), "environment"],
    ["an ftp url", (s) => ({ ...s, source: { ...s.source, url: "ftp://x/y" } }), "source.url"],
  ])("rejects %s, naming the field", (_what, mutate, field) => {
    const result = IvrPromotionSpecSchema.safeParse(mutate(minimal()));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain(field);
  });

  it("explains the exactly-one rules in words", () => {
    const result = IvrPromotionSpecSchema.safeParse({
      ...minimal(),
      source: { ...minimal().source, ref: {} },
    });
    expect(result.error?.issues[0]?.message).toBe("exactly one of branch, tag or commit must be set");
  });
});

const entry = (n: number): HistoryEntry => ({
  revision: `main@sha1:${n}`,
  planHash: `h${n}`,
  startedAt: "2026-01-01T00:00:00Z",
  finishedAt: "2026-01-01T00:01:00Z",
  result: "Succeeded",
  message: "ok",
  flows: n,
});

describe("status", () => {
  it("keeps the last HISTORY_LIMIT attempts, newest first", () => {
    let history: HistoryEntry[] = [];
    for (let n = 1; n <= HISTORY_LIMIT + 3; n++) history = pushHistory(history, entry(n));
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history[0]?.revision).toBe(`main@sha1:${HISTORY_LIMIT + 3}`);
    expect(history.at(-1)?.revision).toBe("main@sha1:4");
  });

  it("rejects a longer history and non-RFC 3339 times", () => {
    const tooLong = Array.from({ length: HISTORY_LIMIT + 1 }, (_, n) => entry(n));
    expect(IvrPromotionStatusSchema.safeParse({ history: tooLong }).success).toBe(false);
    const badTime = { ...entry(1), startedAt: "yesterday" };
    expect(IvrPromotionStatusSchema.safeParse({ history: [badTime] }).success).toBe(false);
  });

  it("parses a whole object as the API server returns it, keeping unknown metadata", () => {
    const obj = IvrPromotionSchema.parse({
      apiVersion: "ivr.promoter.dev/v1alpha1",
      kind: "IvrPromotion",
      metadata: {
        name: "checkout",
        namespace: "ivr",
        generation: 3,
        managedFields: [{ manager: "kubectl" }],
      },
      spec: minimal(),
      status: {
        observedGeneration: 2,
        inventory: [],
        pendingPlan: {
          revision: "r",
          planHash: "h",
          summary: { create: 1, update: 0, unchanged: 4, drifted: 0, prune: 0 },
        },
      },
    });
    expect(obj.metadata).toHaveProperty("managedFields");
    expect(obj.status?.pendingPlan?.summary.create).toBe(1);
    expect(IvrPromotionSchema.safeParse({ ...obj, kind: "Kustomization" }).success).toBe(false);
  });
});
