/**
 * Scrubbing of secrets from text that leaves the process (condition messages, events, CLI errors).
 * pino redaction covers structured log fields; this covers free text such as error messages,
 * which can carry URLs with credentials or tokens echoed by a server.
 */

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // user:password@ in URLs (git remotes, proxies)
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(:[^\s/@]*)?@/gi, "$1***@"],
  // Authorization headers and bearer/basic tokens
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, "$1 ***"],
  // Values of secret-named keys in machine forms only: key=value (no spaces, as in a query string or
  // a form body), "key": "value" / 'key': value (JSON, YAML flow), key: "value". Prose such as
  // "missing client secret: set GENESYS_CLIENT_SECRET" has neither shape and is left alone.
  [
    /(\b(?:access_token|refresh_token|client_secret|clientSecret|password|token|secret)=)[^"'\s&,}]+/gi,
    "$1***",
  ],
  [
    /(["'](?:access_token|refresh_token|client_secret|clientSecret|password|token|secret)["']\s*:\s*["']?)[^"'\s&,}]+/gi,
    "$1***",
  ],
  [
    /(\b(?:access_token|refresh_token|client_secret|clientSecret|password|token|secret)\s*:\s*["'])[^"']+/gi,
    "$1***",
  ],
  // Token-shaped strings wherever they appear: JWTs, GitHub and GitLab tokens.
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, "***"],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,})\b/g, "***"],
  // presigned URL signatures
  [/([?&](?:X-Amz-Signature|X-Amz-Credential|signature|sig)=)[^&\s]+/gi, "$1***"],
];

/** Returns `text` with credentials, tokens and signatures replaced by `***`; also removes known secret values. */
export function scrub(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Condition and event messages are one line: collapse whitespace, scrub, and cap the length. */
export function oneLine(text: string, max = 1024, knownSecrets: readonly string[] = []): string {
  const flat = scrub(text, knownSecrets).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
