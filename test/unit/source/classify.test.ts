import { describe, expect, it } from "vitest";
import { summarize } from "../../../src/source/classify.js";

describe("summarize (git stderr)", () => {
  it("keeps the lines that say why after the fatal: line, and drops progress and hints", () => {
    const stderr = [
      "Cloning into bare repository 'x'...",
      "fatal: Could not read from remote repository.",
      "",
      "Please make sure you have the correct access rights",
      "and the repository exists.",
      "hint: see git help",
    ].join("\n");
    expect(summarize(stderr, [])).toBe(
      "fatal: Could not read from remote repository. Please make sure you have the correct access rights and the repository exists.",
    );
  });

  it("falls back to the last line, scrubbed", () => {
    expect(summarize("something odd with https://u:pw@h/r.git", [])).toBe(
      "something odd with https://***@h/r.git",
    );
  });
});
