import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliResult } from "../../helpers/cli.js";
import { makeRepo, type TestRepo } from "../../helpers/git-repo.js";
import { BASE, CHANGE_CLASSES } from "./fixture.js";

// The CI recipes' own script (scripts/ci/pr-preview.sh, which the workflows in
// docs/pull-request-previews.md call) run against a local repository with a feature branch, posting to a
// loopback stand-in for the GitHub / GitLab comment API: one comment is created, then updated in place.
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SCRIPT = join(ROOT, "scripts/ci/pr-preview.sh");
const TOKEN = "ghp_TESTTOKENtesttokenTESTTOKEN1234";

interface Comment {
  id: number;
  body: string;
}
interface Api {
  url: string;
  comments: Comment[];
  calls: Array<{ method: string; path: string; token: string | undefined }>;
  close(): Promise<void>;
}

/** A comment store speaking the GitHub issue-comments API or the GitLab MR-notes API, on 127.0.0.1. */
async function fakeApi(provider: "github" | "gitlab"): Promise<Api> {
  const comments: Comment[] = [{ id: 1, body: "LGTM, unrelated comment" }];
  const calls: Api["calls"] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const token =
        provider === "github" ? req.headers.authorization : (req.headers["private-token"] as string);
      calls.push({ method: req.method ?? "", path, token });
      const list =
        provider === "github" ? "/repos/acme/flows/issues/7/comments" : "/projects/42/merge_requests/7/notes";
      const one =
        provider === "github"
          ? /^\/repos\/acme\/flows\/issues\/comments\/(\d+)$/
          : /^\/projects\/42\/merge_requests\/7\/notes\/(\d+)$/;
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      const body =
        chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as { body: string }).body : "";
      const match = one.exec(path);
      if (req.method === "GET" && path.startsWith(`${list}?`))
        return send(200, path.includes("page=1") ? comments : []);
      if (req.method === "POST" && path === list) {
        const c = { id: comments.length + 100, body };
        comments.push(c);
        return send(201, c);
      }
      if (match && req.method === (provider === "github" ? "PATCH" : "PUT")) {
        const c = comments.find((x) => x.id === Number(match[1]));
        if (!c) return send(404, {});
        c.body = body;
        return send(200, c);
      }
      send(404, { message: "not found" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    calls,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let repo: TestRepo;
let home: string;
beforeAll(async () => {
  repo = await makeRepo(BASE);
  home = await mkdtemp(join(tmpdir(), "ivr-ci-recipe-"));
});
afterAll(async () => {
  await repo.cleanup();
  await rm(home, { recursive: true, force: true });
});

function runScript(env: Record<string, string>): Promise<CliResult> {
  const child = spawn("bash", [SCRIPT], {
    cwd: repo.dir,
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: home,
      XDG_STATE_HOME: join(home, "state"),
      GIT_CONFIG_GLOBAL: "/dev/null",
      IVR_PROMOTER: `${process.execPath} ${join(ROOT, "bin/ivr-promoter.mjs")}`,
      PREVIEW_BASE: "main",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => err.push(c.toString()));
  return new Promise((done) =>
    child.on("close", (code) => done({ code: code ?? 1, stdout: out.join(""), stderr: err.join("") })),
  );
}

const PROVIDERS = {
  github: (url: string) => ({
    PREVIEW_PROVIDER: "github",
    GITHUB_API_URL: url,
    GITHUB_TOKEN: TOKEN,
    GITHUB_REPOSITORY: "acme/flows",
    PREVIEW_PR: "7",
  }),
  gitlab: (url: string) => ({
    PREVIEW_PROVIDER: "gitlab",
    CI_API_V4_URL: url,
    GITLAB_TOKEN: TOKEN,
    CI_PROJECT_ID: "42",
    CI_MERGE_REQUEST_IID: "7",
  }),
};

describe.each(["github", "gitlab"] as const)("CI recipe script, %s", (provider) => {
  it("creates one preview comment, then updates that same comment on the next push", async () => {
    const api = await fakeApi(provider);
    try {
      await repo.branch(`feature-${provider}`);
      await repo.commit(CHANGE_CLASSES["choice-added"]!, "add a callbacks choice");
      const first = await runScript(PROVIDERS[provider](api.url));
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/created preview comment 10\d/);
      const previews = () => api.comments.filter((c) => c.body.includes("<!-- ivr-promoter:preview -->"));
      expect(previews()).toHaveLength(1);
      expect(previews()[0]!.body).toContain("- ➕ choice **Callbacks** in *Main Menu*");
      expect(previews()[0]!.body).not.toContain("Sales - PROD → Support - PROD");

      await repo.commit(CHANGE_CLASSES["transfer-target"]!, "sales calls go to support");
      const second = await runScript(PROVIDERS[provider](api.url));
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/updated preview comment 10\d/);
      expect(previews()).toHaveLength(1);
      expect(previews()[0]!.body).toContain("Sales - PROD → Support - PROD");
      expect(api.comments.find((c) => c.id === 1)?.body).toBe("LGTM, unrelated comment");
      const writes = api.calls.filter((c) => c.method !== "GET").map((c) => c.method);
      expect(writes).toEqual(provider === "github" ? ["POST", "PATCH"] : ["POST", "PUT"]);
      const expected = provider === "github" ? `Bearer ${TOKEN}` : TOKEN;
      expect(api.calls.every((c) => c.token === expected)).toBe(true);
      expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(TOKEN);
    } finally {
      await repo.switchTo("main");
      await api.close();
    }
  });
});

describe("the documented recipes call that script", () => {
  it("the GitHub Actions and GitLab CI jobs in docs/pull-request-previews.md run scripts/ci/pr-preview.sh", async () => {
    const doc = await readFile(join(ROOT, "docs/pull-request-previews.md"), "utf8");
    const yaml = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(yaml.length).toBeGreaterThanOrEqual(2);
    const github = yaml.find((y) => y.includes("pull_request"));
    const gitlab = yaml.find((y) => y.includes("merge_request_event"));
    for (const job of [github, gitlab]) {
      expect(job).toContain("scripts/ci/pr-preview.sh");
      expect(job).toContain("PREVIEW_BASE");
    }
    expect(github).toContain("PREVIEW_PROVIDER: github");
    expect(gitlab).toContain("PREVIEW_PROVIDER: gitlab");
  });
});
