import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { IvrPromotionSchema } from "../../../src/api/ivr-promotion.js";
import { VerificationSpecSchema } from "../../../src/api/verification.js";

const EXAMPLE = fileURLToPath(new URL("../../../examples/verification/ivr-promotion.yaml", import.meta.url));

describe("spec.verification", () => {
  it("the README's example manifest is a valid IvrPromotion, with the settings it documents", async () => {
    const obj = IvrPromotionSchema.parse(parse(await readFile(EXAMPLE, "utf8")));
    expect(obj.spec.verification).toMatchObject({
      window: "15m",
      minCalls: 200,
      onInsufficientTraffic: "Hold",
      flowTypes: ["INBOUNDCALL"],
      checks: { failedOutcomes: { maxPercent: 5, maxIncreasePoints: 2 } },
    });
  });

  it("defaults to what an SRE would trust: 15m window, 100 calls, Hold on low traffic, no rollback on one blip", () => {
    const spec = VerificationSpecSchema.parse({ checks: { failedOutcomes: { maxPercent: 5 } } });
    expect(spec).toMatchObject({
      window: "15m",
      interval: "1m",
      minCalls: 100,
      maxExtension: "15m",
      onInsufficientTraffic: "Hold",
      dataTimeout: "5m",
      failureThreshold: 2,
    });
  });

  it("refuses a check without a limit, naming it", () => {
    const res = VerificationSpecSchema.safeParse({ checks: { flowTime: {} } });
    expect(res.success).toBe(false);
    expect(res.error?.issues[0]).toMatchObject({
      path: ["checks", "flowTime"],
      message: "set maxSeconds, maxIncreasePercent or both",
    });
  });
});
