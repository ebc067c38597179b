import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/cli/command.js";
import { ConfigError, EXIT, exitCodeFor } from "../../../src/cli/exit-codes.js";
import { errorObject, requestedOutput } from "../../../src/cli/failure.js";
import { PromoterError } from "../../../src/errors.js";

// Row 4 of the README's table has no honest trigger through a real invocation (see
// test/integration/cli/exit-code-matrix.test.ts); what is classified as a bug is pinned here.
describe("exit-code classification", () => {
  it("anything that is not one of ours is a bug (4); ours are usage (2) or failed (3)", () => {
    expect(exitCodeFor(new TypeError("cannot read properties of undefined"))).toBe(EXIT.internal);
    expect(exitCodeFor("a thrown string")).toBe(EXIT.internal);
    expect(exitCodeFor(new UsageError("bad flag"))).toBe(EXIT.usage);
    expect(exitCodeFor(new ConfigError("PortInUse", "taken"))).toBe(EXIT.usage);
    expect(exitCodeFor(new PromoterError("GenesysUnknownRegion", "Stalled", "mars-1"))).toBe(EXIT.usage);
    expect(exitCodeFor(new PromoterError("ExportFailed", "Stalled", "no flow"))).toBe(EXIT.failed);
  });

  it("the JSON error object carries the same exit code", () => {
    expect(errorObject(new TypeError("x is undefined"))).toEqual({
      code: "InternalError",
      reason: "Transient",
      message: "x is undefined",
      exitCode: 4,
    });
    expect(errorObject(new UsageError("plan: Unknown option '--x'"))).toMatchObject({
      code: "UsageError",
      exitCode: 2,
    });
  });

  it("reads --output from raw arguments in every spelling, up to --", () => {
    expect(requestedOutput(["--output", "json"])).toBe("json");
    expect(requestedOutput(["--output=json"])).toBe("json");
    expect(requestedOutput(["-o", "json", "--bogus"])).toBe("json");
    expect(requestedOutput(["-ojson"])).toBe("json");
    expect(requestedOutput(["--output", "json", "--output", "text"])).toBe("text");
    expect(requestedOutput(["--", "--output", "json"])).toBeUndefined();
    expect(requestedOutput(["--dir", "x"])).toBeUndefined();
  });
});
