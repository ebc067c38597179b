import { describe, expect, it } from "vitest";
import { Router } from "../../../src/emulator/router.js";

describe("router", () => {
  const router = new Router<string>()
    .on("GET", "/api/v2/flows/{flowId}", "flow")
    .on("GET", "/api/v2/flows/jobs", "jobs-list")
    .on("POST", "/api/v2/flows/jobs", "jobs")
    .on("GET", "/api/v2/flows/{flowId}/versions/{versionId}", "version");

  it("prefers literal segments over parameters", () => {
    expect(router.match("POST", "/api/v2/flows/jobs").found?.handler).toBe("jobs");
    expect(router.match("GET", "/api/v2/flows/jobs").found?.handler).toBe("jobs-list");
    expect(router.match("GET", "/api/v2/flows/abc").found).toMatchObject({
      handler: "flow",
      params: { flowId: "abc" },
      route: "/api/v2/flows/{flowId}",
    });
  });

  it("decodes parameters and reports 405 versus 404", () => {
    expect(router.match("GET", "/api/v2/flows/a%20b/versions/1.0").found?.params).toEqual({
      flowId: "a b",
      versionId: "1.0",
    });
    expect(router.match("DELETE", "/api/v2/flows/abc")).toMatchObject({
      methodNotAllowed: true,
      route: "/api/v2/flows/{flowId}",
    });
    expect(router.match("GET", "/api/v2/nothing")).toMatchObject({
      methodNotAllowed: false,
      route: undefined,
    });
  });
});
