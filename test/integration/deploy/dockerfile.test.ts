import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, dockerfileCheckBinary, run } from "../../helpers/deploy-tools.js";

/**
 * The Dockerfile through BuildKit's own front end (test/envtest/dockerfile-check): it parses, converts
 * (every stage and COPY --from resolves) and passes every check `docker build --check` runs. Docker
 * cannot run here; test/unit/deploy/dockerfile.test.ts checks the project's own rules.
 */

async function check(content: string): Promise<{ code: number; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), "dockerfile-"));
  try {
    const file = join(dir, "Dockerfile");
    await writeFile(file, content);
    const res = await run(dockerfileCheckBinary(), [file]);
    return { code: res.code, out: res.stdout + res.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("Dockerfile build checks (BuildKit)", () => {
  it("has no findings", async () => {
    const res = await run(dockerfileCheckBinary(), [join(REPO_ROOT, "Dockerfile")]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/no findings/);
  });

  it("reports what docker build --check reports, so the clean result means something", async () => {
    const original = await readFile(join(REPO_ROOT, "Dockerfile"), "utf8");
    const bad = original
      .replace('CMD ["operator"]', "CMD operator")
      .replace("ENV NODE_ENV=production", "ENV GENESYS_CLIENT_SECRET=x NODE_ENV=production");
    const res = await check(bad);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/JSONArgsRecommended/);
    expect(res.out).toMatch(/SecretsUsedInArgOrEnv/);
  });

  it("fails a Dockerfile that does not convert", async () => {
    const res = await check("FROM node:20-bookworm-slim\nCOPY --from=missing-stage /a /b\nONBUILD\n");
    expect(res.code).toBe(2);
  });
});
