import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { GitSource } from "../source/index.js";
import type { EventRecorder } from "./events.js";
import type { WriteRight } from "./journal-store.js";
import type { TenantApis } from "./impersonation.js";
import type { KubeApis } from "./kube-clients.js";
import type { GenesysClients } from "./steps/genesys.js";
import type { TargetLocks } from "./target-lock.js";
import type { TenancyPolicy } from "./tenancy.js";

/** What every reconcile of one reconciler shares: clients, caches, locks. Built once. */
export interface ReconcilerContext {
  /** The operator's own identity: IvrPromotions, status, Events. */
  apis: KubeApis;
  /** An object's namespace calls (Secrets, journal, backups), as its ServiceAccount. */
  tenantApis: TenantApis;
  logger: Logger;
  metrics: Metrics;
  source: GitSource;
  locks: TargetLocks;
  clients: GenesysClients;
  events: EventRecorder;
  now: () => Date;
  /** This process's right to write (leader term and lease validity): the journal fence checks it. */
  writeRight: WriteRight;
  tenancy: TenancyPolicy;
}
