import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../../helpers/emulator.js";
import { DEV_CLIENT, PROD_CLIENT, twoOrgSeed } from "../../helpers/seeds.js";

async function tokenRequest(url: string, client: { id: string; secret: string }) {
  const res = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
    },
    body: "grant_type=client_credentials",
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("loginThrottle: token requests refused as the login service throttles them", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator(twoOrgSeed());
  });
  afterAll(() => emu.close());

  it("answers the next N token requests of the org with 400 invalid_request 'rate limit exceeded'", async () => {
    await emu.admin.setFaults("dev", { loginThrottle: { count: 2 } });
    for (let i = 0; i < 2; i++) {
      const res = await tokenRequest(emu.url, DEV_CLIENT);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: "invalid_request" });
      expect(String(res.body.description)).toMatch(/^rate limit exceeded;/);
      expect(String(res.body.error_description)).toMatch(/^rate limit exceeded;/);
      expect(res.body).not.toHaveProperty("access_token");
    }
    const ok = await tokenRequest(emu.url, DEV_CLIENT);
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveProperty("access_token");
    expect((await emu.admin.org("dev")).faults).not.toHaveProperty("loginThrottle");
  });

  it("throttles only the org it is set on", async () => {
    await emu.admin.setFaults("dev", { loginThrottle: { count: 1 } });
    expect((await tokenRequest(emu.url, PROD_CLIENT)).status).toBe(200);
    expect((await tokenRequest(emu.url, DEV_CLIENT)).status).toBe(400);
  });
});
