import { describe, expect, it } from "vitest";
import { demoCommand } from "../../../src/cli/demo.js";
import { runCommand } from "../../helpers/cli.js";

/** `ivr-promoter demo` end to end (what `npm run demo` runs): every act of the story, and exit 0. */
describe("ivr-promoter demo", () => {
  it("promotes dev → prod, rolls back a failed import, and catches a bad release by verification", async () => {
    const { code, stdout } = await runCommand(demoCommand, []);
    expect(code).toBe(0);
    expect(stdout).toContain("== Promoting to prod");
    expect(stdout).toMatch(/apply failed as intended: .*rolled back 6 flow\(s\)/);
    // Release 3: 40% failed outcomes on the new Main Menu, caught within the scaled window and rolled back.
    expect(stdout).toMatch(
      /verification caught it: verification of [0-9a-f]{12} failed after \d+ s: INBOUNDCALL\/Main Menu IVR: failed outcomes [3-5]\d\.\d% \(baseline \d\.\d%, \d+ calls\) above max 5%.*; rolled back \(1 flow\(s\) restored\)/,
    );
    // Release 4 passes, against the restored version's baseline.
    expect(stdout).toMatch(
      / {2}verifying [0-9a-f]{12}: \d\/5 s, \d+ calls, failed outcomes \d\.\d% \(baseline \d\.\d%\)/,
    );
    expect(stdout).toMatch(
      /\nverified [0-9a-f]{12} over 5 s: \d+ calls, failed outcomes \d\.\d% \(baseline \d\.\d%\), 2 check\(s\) passed\n/,
    );
  }, 180_000);
});
