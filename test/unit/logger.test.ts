import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";

describe("createLogger", () => {
  it("writes each key once when a child sets a binding its parent has (innermost wins), and still redacts", async () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (c: Buffer) => lines.push(c.toString()));
    const logger = createLogger({ level: "info", destination: out });
    logger
      .child({ component: "operator", shard: "s1" })
      .child({ component: "reconciler" })
      .info({ secret: "x" }, "hi");
    await new Promise((r) => setImmediate(r));
    const line = lines.join("").trim();
    expect(line.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({
      component: "reconciler",
      shard: "s1",
      secret: "***",
      msg: "hi",
    });
  });
});
