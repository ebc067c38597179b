import { describe, expect, it } from "vitest";
import { shortPlanHash, shortRevision } from "../../../src/controller/revision.js";

describe("shortRevision", () => {
  it("cuts a sha1 revision to 8 hex digits and leaves anything else alone", () => {
    const sha = "1b7d2f3a" + "0".repeat(32);
    expect(shortRevision(`main@sha1:${sha}`)).toBe("main@sha1:1b7d2f3a");
    expect(shortRevision(`release/2026@sha1:${sha}`)).toBe("release/2026@sha1:1b7d2f3a");
    expect(shortRevision("main@sha1:0123abc")).toBe("main@sha1:0123abc");
    expect(shortRevision("deletion")).toBe("deletion");
  });
});

describe("shortPlanHash", () => {
  it("cuts a sha256 plan hash to 8 hex digits and leaves anything else alone", () => {
    expect(shortPlanHash("sha256:855ce15e98a197d1bebe5ab1b1977f0c")).toBe("sha256:855ce15e");
    expect(shortPlanHash("h")).toBe("h");
  });
});
