import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiCaller, getToken, startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { DEV_CLIENT, PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";

describe("rate limits, fault injection and the request log", () => {
  let emu: TestEmulator;

  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
  });
  beforeEach(async () => {
    await emu.admin.setFaults("dev", {});
    await emu.admin.setFaults("prod", {});
  });
  afterAll(() => emu.close());

  it("answers the request over the budget with 429, an integer Retry-After and the normalized body", async () => {
    await emu.admin.patchFaults("dev", { rateLimit: { requests: 5, windowSeconds: 30 } });
    const call = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
    for (let i = 0; i < 5; i++) expect((await call("GET", "/api/v2/flows")).status).toBe(200);
    const limited = await call("GET", "/api/v2/flows");
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get("retry-after") ?? "";
    expect(retryAfter).toMatch(/^\d+$/);
    const seconds = Number(retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(30);
    expect(limited.body).toEqual({
      message: `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
      code: "too.many.requests.retry.after",
      status: 429,
      contextId: limited.headers.get("inin-correlation-id"),
      details: [],
      errors: [],
    });
    // The budget is per token: a fresh token of the same client starts again.
    const fresh = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
    expect((await fresh("GET", "/api/v2/flows")).status).toBe(200);
  });

  it("does not limit the admin API or presigned S3 URLs", async () => {
    await emu.admin.patchFaults("dev", { rateLimit: { requests: 1, windowSeconds: 60 } });
    const call = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
    const job = z
      .object({ presignedUrl: z.string(), headers: z.record(z.string(), z.string()) })
      .parse((await call("POST", "/api/v2/flows/jobs")).body);
    expect((await call("GET", "/api/v2/flows")).status).toBe(429);
    for (let i = 0; i < 20; i++) await emu.admin.state();
    const upload = await fetch(job.presignedUrl, {
      method: "PUT",
      headers: job.headers,
      body: "commonModule:\n  name: Unlimited\n",
    });
    expect(upload.status).toBe(200);
  });

  it("plays a rate-limit storm of exactly N calls with the given Retry-After", async () => {
    const call = apiCaller(emu.url, await getToken(emu.url, PROD_CLIENT));
    await emu.admin.patchFaults("prod", { rateLimitStorm: { count: 3, retryAfterSeconds: 7 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call("GET", "/api/v2/flows");
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("7");
    }
    expect(statuses).toEqual([429, 429, 429, 200, 200]);
    expect((await emu.admin.org("prod")).faults.rateLimitStorm).toBeUndefined();
  });

  it("plays a deterministic error burst, optionally on one route only", async () => {
    const call = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
    await emu.admin.setFaults("dev", { errorBurst: { count: 2, status: 503 } });
    const first = await call("GET", "/api/v2/flows");
    expect(first.body).toMatchObject({
      status: 503,
      code: "service.unavailable",
      contextId: first.headers.get("inin-correlation-id"),
      details: [],
      errors: [],
    });
    expect((await call("GET", "/api/v2/routing/queues")).status).toBe(503);
    expect((await call("GET", "/api/v2/flows")).status).toBe(200);

    await emu.admin.setFaults("dev", {
      errorBurst: { count: 1, status: 504, method: "POST", route: "/api/v2/flows/jobs" },
    });
    expect((await call("GET", "/api/v2/flows")).status).toBe(200);
    expect((await call("POST", "/api/v2/flows/jobs")).status).toBe(504);
    expect((await call("POST", "/api/v2/flows/jobs")).status).toBe(202);
  });

  it("injects errors at a rate, from the given statuses, repeatably with a random seed", async () => {
    const call = apiCaller(emu.url, await getToken(emu.url, PROD_CLIENT));
    await emu.admin.setFaults("prod", { errorRate: 1, errorStatuses: [502, 500] });
    const all = await Promise.all(Array.from({ length: 10 }, () => call("GET", "/api/v2/flows")));
    expect(all.every((r) => r.status === 502 || r.status === 500)).toBe(true);

    const run = async () => {
      await emu.admin.setFaults("prod", { errorRate: 0.5, randomSeed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) out.push((await call("GET", "/api/v2/flows")).status);
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toContain(503);
    expect(a).toContain(200);
  });

  it("delays calls by latencyMs", async () => {
    const call = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
    await emu.admin.setFaults("dev", { latencyMs: 120 });
    const started = performance.now();
    expect((await call("GET", "/api/v2/flows")).status).toBe(200);
    // A lower bound only: the call cannot come back before the injected delay.
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("refuses unknown fault switches and unknown orgs", async () => {
    const res = await fetch(`${emu.url}/__admin/orgs/dev/faults`, {
      method: "PATCH",
      body: JSON.stringify({ errorRat: 1 }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("errorRat");
    expect((await fetch(`${emu.url}/__admin/orgs/nope/faults`, { method: "PUT", body: "{}" })).status).toBe(
      404,
    );
  });

  it("logs API, token and S3 requests with templated routes, per org, and clears the log", async () => {
    await emu.admin.clearRequests();
    const token = await getToken(emu.url, PROD_CLIENT);
    const call = apiCaller(emu.url, token);
    await call("GET", "/api/v2/flows/8f9e0000-0000-4000-8000-000000000000");
    await call("GET", "/api/v2/flows?type=inboundcall");
    const prod = await emu.admin.requests("prod");
    expect(prod.map((r) => [r.method, r.route, r.status])).toEqual([
      ["POST", "/oauth/token", 200],
      ["GET", "/api/v2/flows/{flowId}", 404],
      ["GET", "/api/v2/flows", 200],
    ]);
    expect(prod[2]).toMatchObject({
      org: "prod",
      clientId: PROD_CLIENT.id,
      path: "/api/v2/flows?type=inboundcall",
    });
    expect(prod[1]?.seq).toBeLessThan(prod[2]?.seq ?? 0);
    expect(await emu.admin.requests("dev")).toEqual([]);
    await emu.admin.clearRequests();
    expect(await emu.admin.requests()).toEqual([]);
  });
});
