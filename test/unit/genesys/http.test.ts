import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UnexpectedResponseError } from "../../../src/genesys/errors.js";
import { expandRoute, parseBody, queryString } from "../../../src/genesys/http.js";
import { refreshAheadMs } from "../../../src/genesys/auth.js";
import { dependencyTypeOfFlowType } from "../../../src/genesys/dependencies.js";
import { FlowSchema } from "../../../src/genesys/schemas.js";

describe("expandRoute", () => {
  it("substitutes and encodes parameters", () => {
    expect(expandRoute("/api/v2/flows/{flowId}/versions", { flowId: "a b/c" })).toBe(
      "/api/v2/flows/a%20b%2Fc/versions",
    );
  });
  it("refuses a missing parameter", () => {
    expect(() => expandRoute("/api/v2/flows/{flowId}")).toThrow(/missing parameter flowId/);
  });
});

describe("queryString", () => {
  it("repeats array keys and skips undefined values", () => {
    expect(
      queryString({ type: ["inboundcall", "inqueuecall"], name: undefined, pageSize: 500, deleted: true }),
    ).toBe("?type=inboundcall&type=inqueuecall&pageSize=500&deleted=true");
  });
  it("is empty without values", () => {
    expect(queryString({ name: undefined })).toBe("");
  });
});

describe("parseBody", () => {
  const req = { method: "GET", route: "/api/v2/flows/{flowId}" };
  it("accepts unknown fields and unknown enum strings", () => {
    const flow = parseBody(
      req,
      { id: "f1", name: "Main", type: "SOMENEWTYPE", futureField: { x: 1 } },
      FlowSchema,
    );
    expect(flow.type).toBe("SOMENEWTYPE");
    expect(flow).toMatchObject({ futureField: { x: 1 } });
  });
  it("names the first mismatch", () => {
    expect(() => parseBody(req, { id: 1, name: "x", type: "BOT" }, FlowSchema)).toThrow(
      UnexpectedResponseError,
    );
    expect(() => parseBody(req, { id: 1, name: "x", type: "BOT" }, FlowSchema)).toThrow(/id:/);
    expect(() => parseBody(req, undefined, z.object({ a: z.string() }))).toThrow(/body:/);
  });
});

describe("token refresh timing", () => {
  it.each([
    [86_400_000, 60_000],
    [300_000, 30_000],
    [2_000, 200],
  ])("a token living %i ms is refreshed %i ms before expiry", (lifetime, ahead) => {
    expect(refreshAheadMs(lifetime)).toBe(ahead);
  });
});

describe("dependencyTypeOfFlowType", () => {
  it.each([
    ["INBOUNDCALL", "INBOUNDCALLFLOW"],
    ["commonmodule", "COMMONMODULEFLOW"],
    ["BOT", "BOTFLOW"],
    ["WORKFLOW", "WORKFLOW"],
  ])("%s → %s", (flowType, expected) => {
    expect(dependencyTypeOfFlowType(flowType)).toBe(expected);
  });
});
