import { createHash } from "node:crypto";
import { z } from "zod";
import { GitSpecError } from "./errors.js";

/**
 * What to fetch: a repository URL, a ref and optional credentials, modelled on Flux's
 * GitRepository (`ref.branch|tag|commit`, `secretRef` with username/password, token or SSH identity).
 */

// A ref name that git accepts and that can never be taken for a command-line option.
const REF_NAME = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*\/$)[^\s~^:?*[\\\p{Cc}]+$/u;

/** Which revision to use. `commit` wins over `tag`, which wins over `branch` (as in Flux); none = the remote HEAD. */
export const GitRefSchema = z.strictObject({
  branch: z.string().regex(REF_NAME, "is not a valid branch name").optional(),
  tag: z.string().regex(REF_NAME, "is not a valid tag name").optional(),
  commit: z
    .string()
    .regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, "must be a full lowercase commit SHA (40 hex digits)")
    .optional(),
});
/** See {@link GitRefSchema}. */
export type GitRef = z.infer<typeof GitRefSchema>;

/**
 * Credentials. HTTPS: `basic` (username + password), `token` (sent as the Basic password, which
 * GitHub, GitLab, Gitea, Bitbucket and Azure DevOps accept) or `bearer` (an `Authorization: Bearer`
 * header, Flux's `bearerToken`). SSH: an unencrypted private key plus the known_hosts lines the
 * server's host key must match (no trust on first use).
 */
export const GitAuthSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("basic"), username: z.string().min(1), password: z.string().min(1) }),
  z.strictObject({
    type: z.literal("token"),
    token: z.string().min(1),
    username: z.string().min(1).default("git"),
  }),
  z.strictObject({
    type: z.literal("bearer"),
    token: z.string().regex(/^[^\r\n]+$/, "must be one non-empty line"),
  }),
  z.strictObject({
    type: z.literal("ssh"),
    privateKey: z.string().includes("PRIVATE KEY", { message: "is not a PEM/OpenSSH private key" }),
    knownHosts: z.string().refine((s) => s.trim() !== "", "must hold at least one known_hosts line"),
  }),
]);
/** See {@link GitAuthSchema}. */
export type GitAuth = z.infer<typeof GitAuthSchema>;

/** A repository to resolve or check out. */
export const GitRepoSpecSchema = z.strictObject({
  url: z.string().min(1),
  ref: GitRefSchema.default({}),
  auth: GitAuthSchema.optional(),
});
/** See {@link GitRepoSpecSchema}; `ref` may be omitted on input. */
export type GitRepoSpec = z.input<typeof GitRepoSpecSchema>;
/** A validated {@link GitRepoSpec}. */
export type ParsedRepoSpec = z.output<typeof GitRepoSpecSchema>;

const SCP_LIKE = /^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9.-]+:(?!\/\/|:)[^\s]+$/;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The transport a URL uses; scp-like `git@host:org/repo.git` is SSH. */
export type Transport = "https" | "http" | "ssh" | "git" | "file";

/** Validates a spec: zod shape, then URL rules (allowed schemes, no credentials in the URL, auth fits the transport). */
export function parseRepoSpec(input: unknown): ParsedRepoSpec {
  const parsed = GitRepoSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "spec";
    throw new GitSpecError(`invalid git source: ${field}: ${issue?.message ?? "invalid"}`);
  }
  const spec = parsed.data;
  const transport = transportOf(spec.url);
  if (spec.auth?.type === "ssh" && transport !== "ssh") {
    throw new GitSpecError(
      `invalid git source: auth: an SSH key needs an ssh:// or git@host: URL, got ${transport}`,
    );
  }
  if (spec.auth && spec.auth.type !== "ssh" && transport !== "https" && transport !== "http") {
    throw new GitSpecError(`invalid git source: auth: ${spec.auth.type} credentials need an https:// URL`);
  }
  if (spec.auth && transport === "http" && !LOOPBACK.has(new URL(spec.url).hostname)) {
    throw new GitSpecError(
      "invalid git source: url: refusing to send credentials over plain http; use https",
    );
  }
  return spec;
}

/** The transport of `url`; throws {@link GitSpecError} for anything else (ext::, fd::, bare paths, option-like). */
export function transportOf(url: string): Transport {
  if (url.startsWith("-")) throw new GitSpecError("invalid git source: url: must not start with '-'");
  // `<helper>::<address>` runs git-remote-<helper> (ext:: runs any command): never allowed.
  if (/^[A-Za-z0-9+.-]*::/.test(url))
    throw new GitSpecError("invalid git source: url: remote helpers (x::) are not allowed");
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (SCP_LIKE.test(url)) return "ssh";
    throw new GitSpecError(
      "invalid git source: url: expected https://, ssh://, git://, file:// or user@host:path",
    );
  }
  if (!["https", "http", "ssh", "git", "file"].includes(scheme)) {
    throw new GitSpecError(`invalid git source: url: unsupported scheme "${scheme}"`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitSpecError("invalid git source: url: not a valid URL");
  }
  if ((scheme === "https" || scheme === "http") && (parsed.username || parsed.password)) {
    throw new GitSpecError(
      "invalid git source: url: credentials in the URL are not allowed; use auth instead",
    );
  }
  return scheme as Transport;
}

/** Cache directory name for a repository: a readable slug plus a hash of the URL (distinct URLs never share). */
export function repoKey(url: string): string {
  const hash = createHash("sha256").update(url.trim()).digest("hex").slice(0, 16);
  const slug = url
    .replace(/^[a-z]+:\/\//i, "")
    .replace(/\.git$/, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(-40);
  return `${slug || "repo"}-${hash}`;
}

/** Flux-style revision string: `main@sha1:<sha>`, `v1.2.0@sha1:<sha>`, or `sha1:<sha>` for a pinned commit. */
export function formatRevision(ref: GitRef, commit: string): string {
  const algo = commit.length === 64 ? "sha256" : "sha1";
  if (ref.commit) return `${algo}:${commit}`;
  const name = ref.tag ?? ref.branch ?? "HEAD";
  return `${name}@${algo}:${commit}`;
}
