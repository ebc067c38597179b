import { z } from "zod";
import { exactlyOneOf, withCel } from "./cel.js";
import { ChangeWindowsSchema } from "./change-windows.js";
import { durationString } from "./duration.js";
import { IvrPromotionStatusSchema } from "./ivr-promotion-status.js";
import { VerificationSpecSchema } from "./verification.js";

export * from "./ivr-promotion-status.js";

/**
 * The IvrPromotion API (ivr.promoter.dev/v1alpha1): "this Git ref, this path, into this Genesys org".
 * Defined once, here, as zod schemas: the TS types are `z.infer`, the CRD's openAPIV3Schema is generated
 * from them (`npm run gen:crds`, see crd.ts) and every `.describe()` becomes `kubectl explain` text.
 * Desired state (spec) and observed state (status) are kept apart, as in Crossplane and Flux.
 */
export const GROUP = "ivr.promoter.dev";
/** The only served and stored version. */
export const VERSION = "v1alpha1";
/** `apiVersion` of every IvrPromotion object. */
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Kind, plural, singular and short names, as registered in the CRD. */
export const NAMES = {
  kind: "IvrPromotion",
  listKind: "IvrPromotionList",
  plural: "ivrpromotions",
  singular: "ivrpromotion",
  shortNames: ["ivrp"],
} as const;

/** Annotations users (and the CLI) set on an IvrPromotion. */
export const Annotation = {
  /** Any new value asks for a reconcile now; echoed into `status.lastHandledReconcileAt` (Flux's requestedAt). */
  requestedAt: "ivr.promoter.dev/requested-at",
  /** Set to `status.pendingPlan.planHash` to approve that exact plan when `spec.approval.required` is true. */
  approvedPlan: "ivr.promoter.dev/approved-plan",
  /**
   * `"<planHash> <reason>"`: writes that exact plan now even outside `spec.changeWindows` (an emergency).
   * Bound to the plan, so it cannot outlive the change it was given for; recorded in status and Events.
   */
  changeWindowOverride: "ivr.promoter.dev/change-window-override",
  /** Any new value promotes again a revision that failed verification (or was held), with a new window. */
  retryVerification: "ivr.promoter.dev/retry-verification",
} as const;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes object name (DNS subdomain). */
const objectName = (what: string) => z.string().min(1).max(253).regex(DNS_SUBDOMAIN).describe(what);

/** A reference to a Secret in the IvrPromotion's namespace. */
const secretRef = (what: string) =>
  z.object({ name: objectName("Name of the Secret, in the namespace of the IvrPromotion.") }).describe(what);

/** `spec.source.ref`: exactly one of branch, tag or commit (zod refinement + CEL rule). */
export const GitRefSchema = exactlyOneOf(
  z.object({
    branch: z.string().min(1).max(255).optional().describe("Branch to follow; its head commit is promoted."),
    tag: z.string().min(1).max(255).optional().describe("Tag to promote."),
    commit: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
      .optional()
      .describe("Full commit SHA (40 hex digits, or 64 for SHA-256 repositories) to promote."),
  }),
  ["branch", "tag", "commit"],
  "exactly one of branch, tag or commit must be set",
).describe("The Git reference to promote: exactly one of branch, tag or commit.");

/** `spec.source`: the Git repository and ref. */
export const GitSourceSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .regex(/^((https?|ssh|git|file):\/\/.+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:.+)$/)
      .describe(
        "Address of the Git repository: https://, ssh://, git://, file:// or scp-like user@host:path.",
      ),
    ref: GitRefSchema,
    secretRef: secretRef(
      "Secret with Git credentials: username and password, or bearerToken (HTTPS); " +
        "identity and known_hosts (SSH). Omit for public repositories.",
    ).optional(),
  })
  .describe("Where the flow set comes from.");

/** A repository-relative path: the API server must refuse escapes, not just the controller. */
const relativePath = withCel(
  z.string().min(1).max(1024),
  [
    {
      rule: "!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",
      message: "must be a relative path inside the repository, without '..'",
    },
  ],
  (p) => !p.startsWith("/") && !/(^|\/)\.\.(\/|$)/.test(p),
);

/** `spec.target`: a region or an endpoint (exactly one), plus the credentials Secret. */
export const GenesysTargetSchema = exactlyOneOf(
  z.object({
    region: z
      .string()
      .max(253)
      .regex(DNS_SUBDOMAIN)
      .optional()
      .describe(
        "Genesys Cloud region: its AWS name (us-east-1, eu-west-1, ap-southeast-2, ...) or its domain " +
          "(mypurecloud.com, mypurecloud.ie, usw2.pure.cloud, ...); the API is https://api.<domain>.",
      ),
    endpoint: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/)
      .optional()
      .describe(
        "Base URL of a Platform API that is not a public region, e.g. the emulator (http://host:port).",
      ),
    credentialsSecretRef: secretRef(
      "Secret holding the OAuth client-credentials grant of the org: keys clientId and clientSecret.",
    ),
  }),
  ["region", "endpoint"],
  "exactly one of region or endpoint must be set",
).describe("The Genesys Cloud org to promote into: exactly one of region or endpoint, plus credentials.");

/**
 * Admission ranges of the durations. Above a day an object is better suspended, and Node's timers
 * cannot hold more than 24.8 days anyway. `interval` at least 10s: below that every object would be a
 * steady load on Git and the org (Flux recommends a minute; 10s leaves room for a dev loop).
 * `retryInterval` at least 1s, so a retry is never a tight loop; `timeout` at least 10s, enough for
 * one fetch and a listing of the org, so an attempt is never aborted before it could start.
 */
export const INTERVAL_RANGE = { min: "10s", max: "24h" };
/** See {@link INTERVAL_RANGE}. */
export const RETRY_INTERVAL_RANGE = { min: "1s", max: "24h" };
/** See {@link INTERVAL_RANGE}. */
export const TIMEOUT_RANGE = { min: "10s", max: "24h" };

/** One entry of `spec.dependsOn`. */
export const DependencySchema = z
  .object({
    name: objectName("Name of the IvrPromotion that must be Ready first."),
    namespace: z
      .string()
      .max(63)
      .regex(DNS_LABEL)
      .optional()
      .describe("Its namespace; defaults to the namespace of this IvrPromotion."),
  })
  .describe("Another IvrPromotion this one waits for.");

/** One entry of `spec.secretValuesFrom`. */
export const SecretValueFromSchema = z
  .object({
    key: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/)
      .describe("Key of the environment's secretValues this entry provides."),
    secretKeyRef: z
      .object({
        name: objectName("Name of the Secret, in the namespace of the IvrPromotion."),
        key: z
          .string()
          .min(1)
          .max(253)
          .regex(/^[-._a-zA-Z0-9]+$/)
          .describe("Key in the Secret."),
      })
      .describe("The Secret key holding the value."),
  })
  .describe("A secret value for the flows, from a Secret of this namespace.");

/** `spec` of an IvrPromotion. */
export const IvrPromotionSpecSchema = z
  .object({
    source: GitSourceSchema,
    path: relativePath.describe("Directory of the flow set inside the repository ('.' for the root)."),
    environment: z
      .string()
      .min(1)
      .max(63)
      .regex(DNS_LABEL)
      .describe(
        "Environment the flows are rendered for (e.g. dev, test, prod); selects per-environment values.",
      ),
    target: GenesysTargetSchema,
    interval: durationString(
      "How often the source is checked and drift in the org corrected.",
      INTERVAL_RANGE,
    ).default("10m"),
    retryInterval: durationString(
      "Wait after a failed attempt; defaults to interval.",
      RETRY_INTERVAL_RANGE,
    ).optional(),
    timeout: durationString(
      "Bound for one attempt (fetch, plan, apply); defaults to interval.",
      TIMEOUT_RANGE,
    ).optional(),
    suspend: z.boolean().default(false).describe("Stop applying new revisions and correcting drift."),
    prune: z
      .boolean()
      .default(false)
      .describe("Delete flows from the org that were applied by this object and have left the flow set."),
    dependsOn: z
      .array(DependencySchema)
      .max(32)
      .optional()
      .describe("IvrPromotions that must be Ready (for their latest generation) before this one applies."),
    approval: z
      .object({
        required: z
          .boolean()
          .default(false)
          .describe("Hold each plan in status.pendingPlan until approved by its planHash."),
      })
      .optional()
      .describe("Manual approval gate."),
    changeWindows: ChangeWindowsSchema.optional(),
    rateLimit: z
      .object({
        requestsPerMinute: z
          .int()
          .min(1)
          .max(6000)
          .describe("Platform API requests per minute this object may use, shared by all its workers."),
      })
      .optional()
      .describe("Client-side throttle towards the org, below the org's own limits."),
    concurrency: z
      .int()
      .min(1)
      .max(16)
      .default(8)
      .describe(
        "Flow imports in flight at once; a flow starts as soon as the flows it uses are published. " +
          "The rate limit, not this, should be the bound: an import job costs about 4 calls and takes seconds.",
      ),
    lockPolicy: z
      .enum(["Fail", "ForceUnlock"])
      .default("Fail")
      .describe(
        "A flow locked by someone else: Fail (report Locked) or ForceUnlock (break the lock, then import).",
      ),
    cyclePolicy: z
      .enum(["Reject", "BreakWithStubs"])
      .default("Reject")
      .describe(
        "Flows that reference each other in a cycle: Reject, or BreakWithStubs (create stubs first).",
      ),
    serviceAccountName: z
      .string()
      .min(1)
      .max(253)
      .regex(DNS_SUBDOMAIN)
      .optional()
      .describe(
        "ServiceAccount of this namespace the operator impersonates to read Secrets and write the journal " +
          "ConfigMap and backup Secrets; defaults to the operator's --default-service-account.",
      ),
    secretValuesFrom: z
      .array(SecretValueFromSchema)
      .max(64)
      .optional()
      .describe(
        "Values for the keys the environment file declares secret (secretValues), each from a Secret of " +
          "this namespace: Git names the keys, only the object names the Secrets.",
      ),
    rollbackStrategy: z
      .enum(["Reimport", "RepublishVersion"])
      .default("Reimport")
      .describe(
        "How a failed run restores flows that existed: Reimport (import the pre-run content again through " +
          "the jobs API, then verify it) or RepublishVersion (publish the previous version id again; opt-in, " +
          "relies on an API behaviour Genesys does not document).",
      ),
    verification: VerificationSpecSchema.optional(),
  })
  .describe("Desired state: which Git revision of which flow set goes into which Genesys org, and how.");
/** The spec as stored (defaults applied). */
export type IvrPromotionSpec = z.infer<typeof IvrPromotionSpecSchema>;
/** The spec as written by a user (defaults optional). */
export type IvrPromotionSpecInput = z.input<typeof IvrPromotionSpecSchema>;
/** A Git reference (exactly one key set). */
export type GitRef = z.infer<typeof GitRefSchema>;
/** The target org of a promotion. */
export type GenesysTarget = z.infer<typeof GenesysTargetSchema>;

/** Standard object metadata: only the fields this project reads; the rest passes through. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});

/** A whole IvrPromotion object, as read from the API server. */
export const IvrPromotionSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(NAMES.kind),
  metadata: ObjectMetaSchema,
  spec: IvrPromotionSpecSchema,
  status: IvrPromotionStatusSchema.optional(),
});
/** An IvrPromotion object. */
export type IvrPromotion = z.infer<typeof IvrPromotionSchema>;
