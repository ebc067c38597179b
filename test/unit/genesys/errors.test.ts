import { describe, expect, it } from "vitest";
import { PromoterError } from "../../../src/errors.js";
import {
  apiErrorFromResponse,
  AuthError,
  GenesysApiError,
  ImportJobFailedError,
  NetworkError,
  RateLimitedError,
  reasonForStatus,
} from "../../../src/genesys/errors.js";

const base = {
  method: "POST",
  route: "/api/v2/flows/actions/checkout",
  path: "/api/v2/flows/actions/checkout",
};

describe("apiErrorFromResponse", () => {
  it.each([
    {
      status: 409,
      code: "architect.flow.locked.by.user",
      reason: "Waiting",
      why: "someone else holds the lock",
    },
    { status: 409, code: "architect.flow.not.locked.by.user", reason: "Waiting", why: "lock needed first" },
    {
      status: 409,
      code: "architect.operation.already.in.progress",
      reason: "Waiting",
      why: "operation running",
    },
    {
      status: 405,
      code: "architect.flow.cannot.delete.user.does.not.have.lock",
      reason: "Waiting",
      why: "delete of a flow locked by another",
    },
    { status: 409, code: "architect.flow.already.exists", reason: "Stalled", why: "name collision" },
    {
      status: 409,
      code: "architect.flow.cannot.publish.missing.dependencies",
      reason: "Stalled",
      why: "missing objects",
    },
    { status: 404, code: "architect.flow.not.found", reason: "Stalled", why: "not found" },
    { status: 403, code: "missing.permissions", reason: "Stalled", why: "permissions" },
    { status: 503, code: "service.unavailable", reason: "Transient", why: "server trouble" },
    {
      status: 500,
      code: "architect.database.throughput.exceeded",
      reason: "Transient",
      why: "database busy",
    },
    { status: 408, code: "request.timeout", reason: "Transient", why: "timeout" },
  ])("$status $code → $reason ($why)", ({ status, code, reason }) => {
    const err = apiErrorFromResponse({
      ...base,
      status,
      body: { status, code, message: "msg", contextId: "ctx-1", details: [], errors: [] },
      correlationId: "header-ctx",
    });
    expect(err).toBeInstanceOf(GenesysApiError);
    expect(err).toBeInstanceOf(PromoterError);
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.reason).toBe(reason);
    expect(err.contextId).toBe("ctx-1");
    expect(err.path).toBe(base.path);
    expect(err.message).toBe(`POST ${base.path} failed: ${status} ${code}: msg (contextId ctx-1)`);
    if (reason === "Waiting") expect(err.retryAfterMs).toBeGreaterThan(0);
  });

  it("falls back to http.<status>, the raw text and the correlation header when the body is not an ErrorBody", () => {
    const err = apiErrorFromResponse({
      ...base,
      status: 502,
      body: "<html>Bad gateway</html>",
      correlationId: "c-9",
    });
    expect(err.code).toBe("http.502");
    expect(err.contextId).toBe("c-9");
    expect(err.apiMessage).toBe("<html>Bad gateway</html>");
    expect(err.reason).toBe("Transient");
  });

  it("keeps secrets and tokens out of the message", () => {
    const err = apiErrorFromResponse({
      ...base,
      status: 400,
      body: {
        code: "bad.request",
        message: "token s3cr3t-value rejected; Authorization: Bearer abcdefghijklmnop",
      },
      correlationId: undefined,
      knownSecrets: ["s3cr3t-value"],
    });
    expect(err.message).not.toContain("s3cr3t-value");
    expect(err.message).not.toContain("abcdefghijklmnop");
  });

  it("is one line even when the server's message is not", () => {
    const err = apiErrorFromResponse({
      ...base,
      status: 400,
      body: { message: "a\nb\n  c" },
      correlationId: undefined,
    });
    expect(err.message).not.toMatch(/\n/);
  });
});

describe("reasonForStatus", () => {
  it.each([
    [400, "bad.request", "Stalled"],
    [401, "bad.credentials", "Stalled"],
    [409, "architect.flow.locked.by.user", "Waiting"],
    [504, "request.timeout", "Transient"],
  ] as const)("%i %s → %s", (status, code, reason) => {
    expect(reasonForStatus(status, code)).toBe(reason);
  });
});

describe("the other errors", () => {
  it("RateLimitedError waits, with the delay", () => {
    const err = new RateLimitedError("GET", "/api/v2/flows", 42_000);
    expect([err.code, err.reason, err.retryAfterMs]).toEqual(["GenesysRateLimited", "Waiting", 42_000]);
    expect(err.message).toContain("42 s");
  });

  it("AuthError is Stalled", () => {
    expect(new AuthError("nope", 401).reason).toBe("Stalled");
  });

  it("NetworkError is Transient, keeps the socket code and does not chain the library error", () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    const err = new NetworkError("GET", "/api/v2/flows", cause);
    expect([err.reason, err.errorCode]).toEqual(["Transient", "ECONNREFUSED"]);
    expect(err.cause).toBeUndefined();
  });
});

describe("ImportJobFailedError", () => {
  const msg = (text: string, type = "Error") => ({ dateTime: "2025-01-01T00:00:00Z", type, text });

  it("is Stalled and names the flow and the job's error messages", () => {
    const err = new ImportJobFailedError("job-1", "Main Menu", [
      msg("Archy started", "Unknown"),
      msg("Unable to find a queue named 'Support'"),
    ]);
    expect([err.code, err.reason, err.flowName, err.jobId]).toEqual([
      "ImportJobFailed",
      "Stalled",
      "Main Menu",
      "job-1",
    ]);
    expect(err.message).toBe(
      `import job job-1 for flow "Main Menu" failed: Unable to find a queue named 'Support'`,
    );
    expect(err.messages).toHaveLength(2);
  });

  it("is Waiting when the flow is locked by another entity", () => {
    const err = new ImportJobFailedError("job-2", "Main Menu", [
      msg("Flow 'Main Menu' (type: 'inboundcall' ) is locked by another entity. You can use --forceUnlock"),
    ]);
    expect(err.reason).toBe("Waiting");
  });

  it("says so when the job gave no messages (TF #1806)", () => {
    expect(new ImportJobFailedError("job-3", undefined, []).message).toBe(
      "import job job-3 for flow failed (no messages)",
    );
  });
});
