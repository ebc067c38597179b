import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  apiCaller,
  eventually,
  getToken,
  startTestEmulator,
  type TestEmulator,
} from "../../helpers/emulator.js";
import { DEV_CLIENT, PROD_CLIENT, inboundCallYaml, twoOrgSeed } from "../../helpers/seeds.js";

const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

async function tokenRequest(
  url: string,
  authorization: string | undefined,
  body = "grant_type=client_credentials",
) {
  const res = await fetch(`${url}/oauth/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(authorization ? { Authorization: authorization } : {}),
    },
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

describe("emulator OAuth and bearer tokens", () => {
  let emu: TestEmulator;

  beforeAll(async () => {
    const seed = twoOrgSeed();
    const dev = seed.orgs?.[0];
    if (dev) {
      dev.clients = [{ ...DEV_CLIENT, tokenTtlSeconds: 3600 }];
      dev.flows = [{ yaml: inboundCallYaml("Dev Only", { queue: "Support" }) }];
    }
    emu = await startTestEmulator(seed);
  });
  afterAll(() => emu.close());

  it("issues a bearer token with the client's configured lifetime", async () => {
    const res = await tokenRequest(emu.url, basic(DEV_CLIENT.id, DEV_CLIENT.secret));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: "bearer", expires_in: 3600 });
    const prod = await tokenRequest(emu.url, basic(PROD_CLIENT.id, PROD_CLIENT.secret));
    expect(prod.body).toMatchObject({ expires_in: 86400 });
    expect(res.headers.get("inin-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers unknown clients and wrong secrets with the live service's bodies", async () => {
    const unknown = await tokenRequest(emu.url, basic("nobody", "x"));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: "invalid_client",
      description: "client not found",
      error_description: "client not found",
    });
    const wrong = await tokenRequest(emu.url, basic(DEV_CLIENT.id, "wrong"));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: "invalid_client", description: "authentication failed" });
    const none = await tokenRequest(emu.url, undefined);
    expect(none.status).toBe(401);
  });

  it("requires the client_credentials grant", async () => {
    const missing = await tokenRequest(emu.url, basic(DEV_CLIENT.id, DEV_CLIENT.secret), "");
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: "invalid_request" });
    const other = await tokenRequest(emu.url, basic(DEV_CLIENT.id, DEV_CLIENT.secret), "grant_type=password");
    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ error: "unsupported_grant_type" });
  });

  it("rejects a missing bearer with authentication.required and an unknown one with bad.credentials", async () => {
    const missing = await fetch(`${emu.url}/api/v2/flows`);
    expect(missing.status).toBe(401);
    const correlationId = missing.headers.get("inin-correlation-id");
    expect(await missing.json()).toEqual({
      message: expect.any(String),
      code: "authentication.required",
      status: 401,
      contextId: correlationId,
      details: [],
      errors: [],
    });
    const unknown = await apiCaller(emu.url, "not-a-token")("GET", "/api/v2/flows");
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({
      code: "bad.credentials",
      status: 401,
      contextId: unknown.headers.get("inin-correlation-id"),
    });
  });

  it("gives every response its own correlation id, error bodies included", async () => {
    const token = await getToken(emu.url, DEV_CLIENT);
    const call = apiCaller(emu.url, token);
    const ok = await call("GET", "/api/v2/flows");
    const notFound = await call("GET", "/api/v2/flows/00000000-0000-0000-0000-000000000000");
    const noRoute = await call("GET", "/api/v2/nothing/here");
    const ids = [ok, notFound, noRoute].map((r) => r.headers.get("inin-correlation-id"));
    expect(new Set(ids).size).toBe(3);
    expect(notFound.body).toMatchObject({
      code: "architect.flow.not.found",
      status: 404,
      contextId: ids[1],
      details: [],
      errors: [],
    });
    expect(noRoute.body).toMatchObject({ code: "not.found", status: 404, contextId: ids[2] });
  });

  it("keeps orgs apart: a token sees only its own org's flows", async () => {
    const dev = apiCaller(emu.url, await getToken(emu.url, DEV_CLIENT));
    const prod = apiCaller(emu.url, await getToken(emu.url, PROD_CLIENT));
    expect((await dev("GET", "/api/v2/flows")).body).toMatchObject({
      total: 1,
      entities: [{ name: "Dev Only" }],
    });
    expect((await prod("GET", "/api/v2/flows")).body).toMatchObject({ total: 0, entities: [] });
    expect((await prod("GET", "/api/v2/organizations/me")).body).toMatchObject({ name: "prod" });
  });

  it("invalidates every issued token on expireTokens, and new tokens work", async () => {
    const before = await getToken(emu.url, PROD_CLIENT);
    expect((await apiCaller(emu.url, before)("GET", "/api/v2/flows")).status).toBe(200);
    await emu.admin.patchFaults("prod", { expireTokens: true });
    const stale = await apiCaller(emu.url, before)("GET", "/api/v2/flows");
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: "bad.credentials" });
    const after = await getToken(emu.url, PROD_CLIENT);
    expect((await apiCaller(emu.url, after)("GET", "/api/v2/flows")).status).toBe(200);
    const devStill = await getToken(emu.url, DEV_CLIENT);
    expect((await apiCaller(emu.url, devStill)("GET", "/api/v2/flows")).status).toBe(200);
  });

  it("expires tokens after a short TTL set by a fault", async () => {
    await emu.admin.patchFaults("dev", { tokenTtlSeconds: 1 });
    const res = await tokenRequest(emu.url, basic(DEV_CLIENT.id, DEV_CLIENT.secret));
    expect(res.body).toMatchObject({ expires_in: 1 });
    const token = z.object({ access_token: z.string() }).parse(res.body).access_token;
    const expired = await eventually(
      async () => {
        const r = await apiCaller(emu.url, token)("GET", "/api/v2/flows");
        return r.status === 401 ? r : undefined;
      },
      10_000,
      100,
    );
    expect(expired.body).toMatchObject({ code: "bad.credentials" });
    await emu.admin.setFaults("dev", {});
  });
});
