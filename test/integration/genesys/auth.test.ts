import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthError } from "../../../src/genesys/index.js";
import { DEV_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";
import { count, EmulatorFixture } from "./fixture.js";

const ORG_ME = "/api/v2/organizations/me";

describe("GenesysClient authentication against the emulator", () => {
  let emu: EmulatorFixture;
  beforeAll(async () => {
    emu = await EmulatorFixture.start(twoOrgSeed());
  });
  afterAll(async () => emu?.close());
  beforeEach(async () => emu.clearRequests());
  afterEach(async () => emu.faults("dev", {}, "PUT"));

  it("uses one token for many calls, and concurrent first callers share one token request", async () => {
    const { client } = emu.client(DEV_CLIENT);
    const orgs = await Promise.all(Array.from({ length: 20 }, () => client.organization()));
    await client.organization();
    expect(new Set(orgs.map((o) => o.name))).toEqual(new Set(["dev"]));
    const log = await emu.requests("dev");
    expect(count(log, "POST", "/oauth/token")).toBe(1);
    expect(count(log, "GET", ORG_ME, 200)).toBe(21);
  });

  it("refreshes a short-lived token ahead of its expiry instead of running into 401", async () => {
    await emu.faults("dev", { tokenTtlSeconds: 1 });
    const { client } = emu.client(DEV_CLIENT);
    await client.organization();
    // Past the 1 s lifetime: the client must notice by itself (refresh-ahead), not by a 401.
    await new Promise((r) => setTimeout(r, 1_200));
    await client.organization();
    const log = await emu.requests();
    expect(count(log, "POST", "/oauth/token", 200)).toBe(2);
    expect(count(log, "GET", ORG_ME, 401)).toBe(0);
    expect(count(log, "GET", ORG_ME, 200)).toBe(2);
  });

  it("recovers from tokens revoked mid-run: one 401, a new token, the call repeated", async () => {
    const { client, requests } = emu.client(DEV_CLIENT);
    await client.organization();
    await emu.faults("dev", { expireTokens: true });
    const [a, b] = await Promise.all([client.organization(), client.listFlows()]);
    expect(a.name).toBe("dev");
    expect(Array.isArray(b)).toBe(true);
    const log = await emu.requests(); // 401s are logged without an org
    expect(count(log, "POST", "/oauth/token", 200)).toBe(2);
    expect(count(log, "GET", ORG_ME, 401)).toBe(1);
    expect(count(log, "GET", "/api/v2/flows", 401)).toBe(1);
    expect(count(log, "GET", ORG_ME, 200)).toBe(2);
    expect(count(log, "GET", "/api/v2/flows", 200)).toBe(1);
    expect(requests.filter((e) => e.status === 401)).toHaveLength(2);
  });

  it("rejects a wrong secret with a Stalled AuthError that does not contain the secret", async () => {
    const secret = "wrong-secret-value-123";
    const { client } = emu.client({ id: DEV_CLIENT.id, secret });
    const err = await client.organization().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuthError);
    const auth = err as AuthError;
    expect([auth.code, auth.reason, auth.status]).toEqual(["GenesysAuth", "Stalled", 401]);
    expect(auth.message).toMatch(/dev-client.*invalid_client.*authentication failed/);
    expect(auth.message).not.toContain(secret);
    expect(JSON.stringify(auth)).not.toContain(secret);
    // A credential error is final: no retries, and no API call was attempted.
    const log = await emu.requests("dev");
    expect(count(log, "POST", "/oauth/token")).toBe(1);
    expect(count(log, "GET", ORG_ME)).toBe(0);
  });

  it("rejects an unknown client id (400 invalid_client) as AuthError", async () => {
    const { client } = emu.client({ id: "nobody", secret: "whatever-secret" });
    await expect(client.organization()).rejects.toMatchObject({
      name: "AuthError",
      status: 400,
      message: expect.stringContaining("client not found"),
    });
  });

  it("keeps orgs apart: each client's token belongs to the org of its OAuth client", async () => {
    const dev = emu.client(DEV_CLIENT).client;
    const prod = emu.client({ id: "prod-client", secret: "prod-secret" }).client;
    const [d, p] = await Promise.all([dev.organization(), prod.organization()]);
    expect([d.name, p.name]).toEqual(["dev", "prod"]);
    expect(d.id).not.toBe(p.id);
  });
});
