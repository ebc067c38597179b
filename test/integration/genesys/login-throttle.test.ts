import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthError, LoginThrottledError } from "../../../src/genesys/index.js";
import { DEV_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

const TOKEN = "/oauth/token";

describe("GenesysClient against a throttled login service", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed());
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("retries a throttled token request with backoff and then works", async () => {
    await emu.faults("dev", { loginThrottle: { count: 3 } });
    const { client } = emu.client(DEV_CLIENT);
    await expect(client.organization()).resolves.toMatchObject({ name: "dev" });
    const log = await emu.requests("dev");
    expect(count(log, "POST", TOKEN, 400)).toBe(3);
    expect(count(log, "POST", TOKEN, 200)).toBe(1);
  });

  it("gives up after the retry budget with a Waiting LoginThrottledError, not an AuthError", async () => {
    await emu.faults("dev", { loginThrottle: { count: 100 } });
    const { client } = emu.client(DEV_CLIENT, { retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    const err = await client.organization().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LoginThrottledError);
    expect(err).not.toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ code: "GenesysLoginThrottled", reason: "Waiting" });
    expect(count(await emu.requests("dev"), "POST", TOKEN, 400)).toBe(4);
  });

  it("stops waiting when the caller's signal aborts", async () => {
    await emu.faults("dev", { loginThrottle: { count: 100 } });
    const { client } = emu.client(DEV_CLIENT, {
      retry: { retries: 10, baseDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const started = Date.now();
    setTimeout(() => controller.abort(reason), 100);
    // The first backoff (full jitter under a 10 s ceiling) is cut short by the abort.
    await expect(client.importFlow("not: used", { signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("does not retry genuine bad credentials (invalid_client)", async () => {
    const { client } = emu.client({ id: DEV_CLIENT.id, secret: "wrong" });
    await expect(client.organization()).rejects.toMatchObject({ code: "GenesysAuth", reason: "Stalled" });
    const { client: stranger } = emu.client({ id: "nobody", secret: "x" });
    await expect(stranger.organization()).rejects.toBeInstanceOf(AuthError);
    const log = await emu.requests();
    expect(count(log, "POST", TOKEN, 401)).toBe(1);
    expect(count(log, "POST", TOKEN, 400)).toBe(1);
  });
});
