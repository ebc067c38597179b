import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * kube-apiserver audit logging for RBAC tests: the log shows every request a user made and how it was
 * answered, including requests whose failure the caller swallows (best-effort Events, for example).
 * Pass {@link auditArgs} to startKubeApiServer's `extraArgs`, then read with {@link readAuditLog}.
 */

/** One audit event (fields the tests use). */
export const AuditEventSchema = z.looseObject({
  auditID: z.string(),
  stage: z.string(),
  verb: z.string(),
  user: z.looseObject({ username: z.string() }),
  /** Set when the request impersonated someone (Impersonate-User): who it was made as. */
  impersonatedUser: z.looseObject({ username: z.string() }).optional(),
  objectRef: z
    .looseObject({
      resource: z.string().optional(),
      subresource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      apiGroup: z.string().optional(),
    })
    .optional(),
  responseStatus: z.looseObject({ code: z.number().optional() }).optional(),
});
/** An audit event. */
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/**
 * Writes an audit policy that records `users` at Metadata level (nothing else) into `dir` and returns
 * the kube-apiserver flags plus the log path.
 */
export function auditArgs(dir: string, users: readonly string[]): { args: string[]; logPath: string } {
  const policy = join(dir, "audit-policy.yaml");
  const logPath = join(dir, "audit.log");
  writeFileSync(
    policy,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      `  - level: Metadata\n    users: ${JSON.stringify(users)}`,
      "  - level: None",
      "",
    ].join("\n"),
  );
  writeFileSync(logPath, "");
  return {
    args: [`--audit-policy-file=${policy}`, `--audit-log-path=${logPath}`, "--audit-log-format=json"],
    logPath,
  };
}

/** Every event in the log so far (one per stage; group by `auditID` for one per request). */
export function readAuditLog(logPath: string): AuditEvent[] {
  return readFileSync(logPath, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => AuditEventSchema.parse(JSON.parse(line)));
}

/** `verb group/resource[/subresource]`, e.g. `patch ivr.promoter.dev/ivrpromotions/status`; core group is "". */
export function permissionKey(
  verb: string,
  apiGroup: string,
  resource: string,
  subresource?: string,
): string {
  return `${verb} ${apiGroup}/${resource}${subresource ? `/${subresource}` : ""}`;
}

/** The permission keys of the resource requests in `events` (non-resource URLs and reviews left out). */
export function usedPermissions(events: readonly AuditEvent[], ignore: readonly string[] = []): Set<string> {
  const used = new Set<string>();
  for (const e of events) {
    const ref = e.objectRef;
    if (!ref?.resource || ignore.includes(ref.resource)) continue;
    used.add(permissionKey(e.verb, ref.apiGroup ?? "", ref.resource, ref.subresource));
  }
  return used;
}
