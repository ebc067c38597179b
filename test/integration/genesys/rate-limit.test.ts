import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RateLimitedError, RateLimiterRegistry } from "../../../src/genesys/index.js";
import { DEV_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

const ORG_ME = "/api/v2/organizations/me";

describe("GenesysClient under rate limiting", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed());
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("rides out a 429 storm by honouring Retry-After", async () => {
    const { client, rateLimited } = emu.client(DEV_CLIENT);
    await emu.faults("dev", { rateLimitStorm: { count: 3, retryAfterSeconds: 1 } });
    const org = await client.organization();
    expect(org.name).toBe("dev");
    expect(rateLimited).toEqual([1_000, 1_000, 1_000]);
    const log = await emu.requests("dev");
    expect(count(log, "GET", ORG_ME, 429)).toBe(3);
    expect(count(log, "GET", ORG_ME, 200)).toBe(1);
  });

  it("retries a POST on 429 (nothing was created), unlike on 5xx", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const { flowId } = await client.importFlow(inboundCallYaml("Storm Checkout"));
    await emu.faults("dev", { rateLimitStorm: { count: 1, retryAfterSeconds: 1 } });
    const flow = await client.checkoutFlow(flowId);
    expect(flow.lockedClient?.id).toBe(DEV_CLIENT.id);
    const log = await emu.requests("dev");
    expect(count(log, "POST", "/api/v2/flows/actions/checkout", 429)).toBe(1);
    expect(count(log, "POST", "/api/v2/flows/actions/checkout", 200)).toBe(1);
    await client.unlockFlow(flowId);
  });

  it("turns a storm that outlives the retries into RateLimitedError carrying the delay", async () => {
    const { client } = emu.client(DEV_CLIENT, { retry: { retries: 2 } });
    await emu.faults("dev", { rateLimitStorm: { count: 50, retryAfterSeconds: 1 } });
    const err = await client.organization().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ code: "GenesysRateLimited", reason: "Waiting", retryAfterMs: 1_000 });
    const log = await emu.requests("dev");
    expect(count(log, "GET", ORG_ME, 429)).toBe(3); // first attempt + 2 retries
    expect(count(log, "GET", ORG_ME, 200)).toBe(0);
  });

  it("does not sleep on a Retry-After longer than the policy allows", async () => {
    const { client } = emu.client(DEV_CLIENT, { retry: { maxRetryAfterMs: 5_000 } });
    await emu.faults("dev", { rateLimitStorm: { count: 5, retryAfterSeconds: 120 } });
    await expect(client.organization()).rejects.toMatchObject({
      name: "RateLimitedError",
      retryAfterMs: 120_000,
    });
    expect(count(await emu.requests("dev"), "GET", ORG_ME, 429)).toBe(1);
  });

  it("a 429 seen by one client makes the other clients of the same OAuth client wait too", async () => {
    const limiters = new RateLimiterRegistry();
    const a = emu.client(DEV_CLIENT, { limiters });
    const b = emu.client(DEV_CLIENT, { limiters });
    const lone = emu.client(DEV_CLIENT); // own registry: not affected by a's 429
    await Promise.all([a.client.organization(), b.client.organization(), lone.client.organization()]);
    await emu.faults("dev", { rateLimitStorm: { count: 1, retryAfterSeconds: 1 } });
    const first = a.client.organization();
    while (a.rateLimited.length === 0) await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, b.client.organization(), lone.client.organization()]);
    expect(b.limiterWaits.length).toBe(1);
    expect(b.limiterWaits[0]).toBeGreaterThan(0);
    expect(lone.limiterWaits).toEqual([]);
    expect(count(await emu.requests("dev"), "GET", ORG_ME, 429)).toBe(1);
  });

  it("keeps a burst of 600 calls under a 300-per-window limit without a single 429", async () => {
    await emu.faults("dev", { rateLimit: { requests: 300, windowSeconds: 3 } });
    // A 20% margin leaves room for event-loop stalls on a busy CI machine (emulator and client share it).
    const limiters = new RateLimiterRegistry({ requests: 300, windowSeconds: 3, safetyMargin: 0.2 });
    const { client, rateLimited, limiterWaits } = emu.client(DEV_CLIENT, { limiters });
    const results = await Promise.all(Array.from({ length: 600 }, () => client.organization()));
    expect(results).toHaveLength(600);
    const log = await emu.requests("dev");
    expect(count(log, "GET", ORG_ME, 200)).toBe(600);
    expect(count(log, "GET", ORG_ME, 429)).toBe(0);
    expect(rateLimited).toEqual([]);
    expect(limiterWaits.length).toBeGreaterThan(500); // the burst really was held back
  });

  it("control: the same burst without a fitting client limit does run into 429s (and still completes)", async () => {
    await emu.faults("dev", { rateLimit: { requests: 300, windowSeconds: 2 } });
    const limiters = new RateLimiterRegistry({ requests: 100_000, windowSeconds: 1 });
    const { client, rateLimited } = emu.client(DEV_CLIENT, { limiters });
    const results = await Promise.all(Array.from({ length: 400 }, () => client.organization()));
    expect(results).toHaveLength(400);
    expect(rateLimited.length).toBeGreaterThan(0);
    const log = await emu.requests("dev");
    expect(count(log, "GET", ORG_ME, 429)).toBe(rateLimited.length);
    expect(count(log, "GET", ORG_ME, 200)).toBe(400);
  });
});
