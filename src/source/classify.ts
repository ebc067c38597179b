import type { PromoterError } from "../errors.js";
import { oneLine } from "../redact.js";
import { GitAuthError, GitOperationError, GitRefNotFoundError, GitUnreachableError } from "./errors.js";
import { GitUrlNotAllowedError } from "./policy.js";

/**
 * Turns a failed git command into one of the typed Git errors. git runs with LC_ALL=C (git-env.ts),
 * so its messages are the English ones matched here. Every message goes through `oneLine`, which
 * scrubs URLs with credentials, Basic/Bearer tokens and the operation's known secret values.
 */

const AUTH =
  /authentication failed|could not read (username|password)|terminal prompts disabled|permission denied \(|host key verification failed|remote host identification has changed|no matching host key|access denied|invalid credentials|invalid username or password|returned error: 40[13]|load key .*(invalid format|bad permissions)/i;
const REF_NOT_FOUND =
  /couldn't find remote ref|not our ref|unadvertised object|no such remote ref|remote branch .* not found|did not match any|bad object|not a valid object name|not a tree object/i;
// With credentials git runs with http.followRedirects=false (git-source.ts) and stops at the 3xx.
const REDIRECT = /returned error: 30[12378]|unable to update url base from redirection/i;
const UNREACHABLE =
  /could not resolve host|connection refused|connection timed out|operation timed out|timed out|failed to connect|network is unreachable|connection reset|unable to access|could not read from remote repository|does not appear to be a git repository|repository .* not found|not found|early eof|remote end hung up|returned error: 5\d\d|kex_exchange_identification|connection closed by|unable to connect|no route to host/i;

/** Context for {@link classifyGitError}: what was attempted, against which URL, and what to scrub. */
export interface GitErrorContext {
  /** Short verb phrase, e.g. `resolve branch "main"`. */
  action: string;
  url: string;
  secrets: readonly string[];
  timeoutMs: number;
}

/** Maps any error thrown by a simple-git call to a {@link PromoterError} with a scrubbed one-line message. */
export function classifyGitError(err: unknown, ctx: GitErrorContext): PromoterError {
  const raw = err instanceof Error ? err.message : String(err);
  const detail = summarize(raw, ctx.secrets);
  const where = `${ctx.action} in ${oneLine(ctx.url, 300, ctx.secrets)}`;
  // simple-git's timeout plugin kills git and rejects with plugin "timeout".
  if (isPluginError(err, "timeout")) {
    return new GitUnreachableError(`${where}: git gave no output for ${ctx.timeoutMs} ms and was stopped`);
  }
  if (isPluginError(err, "abort")) return new GitUnreachableError(`${where}: aborted`);
  if (REDIRECT.test(raw)) {
    return new GitUrlNotAllowedError(
      `${where}: the server redirected elsewhere, and credentials never follow a redirect; ` +
        `set spec.source.url to the repository's final address: ${detail}`,
    );
  }
  if (AUTH.test(raw)) return new GitAuthError(`${where}: authentication failed: ${detail}`);
  if (REF_NOT_FOUND.test(raw)) return new GitRefNotFoundError(`${where}: not found: ${detail}`);
  if (UNREACHABLE.test(raw)) return new GitUnreachableError(`${where}: repository unreachable: ${detail}`);
  return new GitOperationError(`${where}: git failed: ${detail}`);
}

/**
 * The `fatal:`/`error:` lines of git's stderr with the lines that continue them (git often says why on
 * the next lines: "Please make sure you have the correct access rights / and the repository exists."),
 * or its last line; scrubbed, on one line.
 */
export function summarize(stderr: string, secrets: readonly string[]): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const IMPORTANT = /^(fatal|error|remote|ssh|kex_|Permission|Host key)/i;
  const chosen: string[] = [];
  let inside = false;
  for (const line of lines) {
    // Progress and hint lines are noise; any other unprefixed line continues the message before it.
    if (IMPORTANT.test(line)) inside = true;
    else if (/^(hint|warning|Cloning|From|POST|Receiving|Resolving|Counting|Enumerating):?/i.test(line))
      inside = false;
    if (inside) chosen.push(line);
  }
  const picked = chosen.length > 0 ? chosen.slice(-6) : lines.slice(-1);
  return oneLine(picked.join(" ") || "no output", 600, secrets);
}
function isPluginError(err: unknown, plugin: string): boolean {
  return typeof err === "object" && err !== null && "plugin" in err && err.plugin === plugin;
}
