import { describe, expect, it } from "vitest";
import {
  EndpointAllowList,
  EndpointNotAllowedError,
  EndpointRuleError,
  parseEndpointRule,
} from "../../../src/genesys/endpoint-policy.js";

/** The `--allowed-endpoints` matching: scheme + host + port, nothing implied. */

const allows = (entries: string[], endpoint: string) => {
  try {
    new EndpointAllowList(entries).check(endpoint);
    return true;
  } catch (err) {
    if (err instanceof EndpointNotAllowedError) return false;
    throw err;
  }
};

describe("parseEndpointRule", () => {
  it.each([
    ["https://api.example.com", { scheme: "https", host: "api.example.com", port: 443, wildcardHost: false }],
    ["http://127.0.0.1:*", { scheme: "http", host: "127.0.0.1", port: undefined }],
    ["HTTP://Emulator.Local:8787/", { scheme: "http", host: "emulator.local", port: 8787 }],
    ["https://*.example.com", { host: ".example.com", wildcardHost: true, port: 443 }],
    ["http://[::1]:8080", { host: "[::1]", port: 8080 }],
  ])("parses %s", (entry, expected) => {
    expect(parseEndpointRule(entry)).toMatchObject(expected);
  });

  it.each([
    "api.example.com",
    "ftp://api.example.com",
    "https://api.example.com/api/v2",
    "https://user@api.example.com",
    "https://api.example.com:99999",
    "https://*.[::1]",
    "https://a..b",
    "https://api.example.com?x=1",
  ])("refuses %s", (entry) => {
    expect(() => parseEndpointRule(entry)).toThrow(EndpointRuleError);
  });
});

describe("EndpointAllowList", () => {
  it("refuses every endpoint when empty, naming the flag", () => {
    const list = new EndpointAllowList([]);
    expect(() => list.check("https://api.example.com")).toThrow(
      /spec.target.endpoint https:\/\/api.example.com is not allowed: the operator was started without --allowed-endpoints/,
    );
    expect(() => list.check("https://api.example.com")).toThrow(
      expect.objectContaining({ code: "EndpointNotAllowed", reason: "Stalled" }),
    );
  });

  it("matches scheme, host and port exactly; the default port when the entry gives none", () => {
    const entries = ["https://api.example.com"];
    expect(allows(entries, "https://api.example.com")).toBe(true);
    expect(allows(entries, "https://API.example.com:443/api/v2")).toBe(true);
    expect(allows(entries, "https://api.example.com:8443")).toBe(false);
    expect(allows(entries, "https://api.example.com.evil.net")).toBe(false);
    expect(allows(entries, "https://login.example.com")).toBe(false);
  });

  it("allows plain http only where an entry says http", () => {
    expect(allows(["https://api.example.com"], "http://api.example.com")).toBe(false);
    expect(allows(["https://127.0.0.1:*"], "http://127.0.0.1:8787")).toBe(false);
    expect(allows(["http://127.0.0.1:*"], "http://127.0.0.1:8787")).toBe(true);
    expect(allows(["http://127.0.0.1:*"], "https://127.0.0.1:8787")).toBe(false);
  });

  it("a wildcard port takes any port; a wildcard host any subdomain, not the domain itself", () => {
    expect(allows(["http://127.0.0.1:*"], "http://127.0.0.1:1")).toBe(true);
    expect(allows(["http://127.0.0.1:*"], "http://localhost:8787")).toBe(false);
    expect(allows(["https://*.example.com"], "https://a.b.example.com")).toBe(true);
    expect(allows(["https://*.example.com"], "https://example.com")).toBe(false);
    expect(allows(["https://*.example.com"], "https://evilexample.com")).toBe(false);
  });

  it("refuses endpoints with user information, and anything that is not http(s)", () => {
    expect(allows(["http://127.0.0.1:*"], "http://u:p@127.0.0.1:80")).toBe(false);
    expect(allows(["http://127.0.0.1:*"], "file:///etc/passwd")).toBe(false);
    expect(allows(["http://127.0.0.1:*"], "not a url")).toBe(false);
  });
});
