import { describe, expect, it } from "vitest";
import { oneLine, scrub } from "../../src/redact.js";

describe("scrub", () => {
  it.each([
    ["https://user:pa55word@git.example.com/repo.git", "https://***@git.example.com/repo.git"],
    ["Authorization: Bearer abcdefghijklmnop", "Authorization: Bearer ***"],
    ['{"access_token":"abc123def"}', '{"access_token":"***"}'],
    ["client_secret=s3cr3tvalue&x=1", "client_secret=***&x=1"],
    ["http://h/u?X-Amz-Signature=deadbeef&a=b", "http://h/u?X-Amz-Signature=***&a=b"],
    ["password: 'hunter22'", "password: '***'"],
    ["token=abcd1234 next", "token=*** next"],
    ["got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig-part_x here", "got *** here"],
    ["push with ghp_abcdefghijklmnopqrstuvwxyz0123 failed", "push with *** failed"],
  ])("removes secrets from %s", (input, expected) => {
    expect(scrub(input)).toBe(expected);
  });

  it.each([
    "missing client secret: set GENESYS_CLIENT_SECRET",
    "the token: expired, log in again",
    "password: required for https remotes",
    "secret values come from Kubernetes Secrets",
  ])("leaves ordinary words alone: %s", (text) => {
    expect(scrub(text)).toBe(text);
  });

  it("removes known secret values wherever they appear", () => {
    expect(scrub("failed with topsecret42 inside", ["topsecret42"])).toBe("failed with *** inside");
  });
});

describe("oneLine", () => {
  it("collapses whitespace and caps the length", () => {
    expect(oneLine("a\n  b\tc")).toBe("a b c");
    expect(oneLine("x".repeat(50), 10)).toBe(`${"x".repeat(9)}…`);
  });
});
