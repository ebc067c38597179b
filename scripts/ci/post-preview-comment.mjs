#!/usr/bin/env node
/* global process, console, fetch */
// Posts a pull-request preview as ONE comment, updating it on later runs: the comment whose body
// holds the hidden marker is edited in place, else one is created. No dependencies (Node's fetch).
//   node post-preview-comment.mjs FILE
// GitHub (PREVIEW_PROVIDER=github): GITHUB_TOKEN, GITHUB_REPOSITORY (owner/name), PREVIEW_PR (the
//   pull request number), GITHUB_API_URL (default https://api.github.com; Actions sets it).
// GitLab (PREVIEW_PROVIDER=gitlab): GITLAB_TOKEN (a project access token with api scope),
//   CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID (GitLab CI sets the last three).
// The token goes to that API URL only, in a header, never in a URL or a log line.
import { readFile } from "node:fs/promises";

const MARKER = "<!-- ivr-promoter:preview -->";
const env = process.env;
const need = (name) => {
  const v = env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
};

const body = await readFile(process.argv[2] ?? "/dev/stdin", "utf8");
if (!body.includes(MARKER)) throw new Error("the preview has no marker: was it made with --output markdown?");

const provider = need("PREVIEW_PROVIDER");
const api =
  provider === "github"
    ? {
        base: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/$/, ""),
        headers: { authorization: `Bearer ${need("GITHUB_TOKEN")}`, accept: "application/vnd.github+json" },
        list: (page) =>
          `/repos/${need("GITHUB_REPOSITORY")}/issues/${need("PREVIEW_PR")}/comments?per_page=100&page=${page}`,
        create: () => `/repos/${need("GITHUB_REPOSITORY")}/issues/${need("PREVIEW_PR")}/comments`,
        update: (id) => `/repos/${need("GITHUB_REPOSITORY")}/issues/comments/${id}`,
        updateMethod: "PATCH",
      }
    : provider === "gitlab"
      ? {
          base: need("CI_API_V4_URL").replace(/\/$/, ""),
          headers: { "private-token": need("GITLAB_TOKEN") },
          list: (page) =>
            `/projects/${encodeURIComponent(need("CI_PROJECT_ID"))}/merge_requests/${need("CI_MERGE_REQUEST_IID")}/notes?per_page=100&page=${page}&sort=asc`,
          create: () =>
            `/projects/${encodeURIComponent(need("CI_PROJECT_ID"))}/merge_requests/${need("CI_MERGE_REQUEST_IID")}/notes`,
          update: (id) =>
            `/projects/${encodeURIComponent(need("CI_PROJECT_ID"))}/merge_requests/${need("CI_MERGE_REQUEST_IID")}/notes/${id}`,
          updateMethod: "PUT",
        }
      : undefined;
if (!api) throw new Error(`PREVIEW_PROVIDER must be github or gitlab, got '${provider}'`);

async function call(method, path, payload) {
  const res = await fetch(api.base + path, {
    method,
    headers: { ...api.headers, "content-type": "application/json" },
    body: payload === undefined ? undefined : JSON.stringify(payload),
    redirect: "error", // never follow a redirect with the token elsewhere
  });
  if (!res.ok) throw new Error(`${method} ${path.split("?")[0]}: HTTP ${res.status}`);
  return res.json();
}

let existing;
for (let page = 1; page <= 50 && existing === undefined; page++) {
  const comments = await call("GET", api.list(page));
  existing = comments.find((c) => typeof c.body === "string" && c.body.includes(MARKER));
  if (comments.length < 100) break;
}
if (existing) {
  await call(api.updateMethod, api.update(existing.id), { body });
  console.log(`updated preview comment ${existing.id}`);
} else {
  const created = await call("POST", api.create(), { body });
  console.log(`created preview comment ${created.id}`);
}
