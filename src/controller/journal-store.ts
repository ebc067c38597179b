import { createHash } from "node:crypto";
import type { V1ConfigMap, V1OwnerReference } from "@kubernetes/client-node";
import { JournalSchema, type Journal, type JournalStore } from "../engine/journal.js";
import { PromoterError } from "../errors.js";
import { isStatus, type KubeApis } from "./kube-clients.js";

/**
 * The apply journal of one IvrPromotion, kept in the cluster rather than on the pod's disk: when the
 * operator dies mid-apply (or loses its lease), whichever replica reconciles the object next finds the
 * journal and rolls the half-applied change back before doing anything else (engine `promote`).
 * The ConfigMap is owned by the IvrPromotion, so the garbage collector removes it with the object.
 */

/** The key holding the journal JSON. */
export const JOURNAL_KEY = "journal.json";
const SUFFIX = "-ivr-journal";
const MAX_NAME = 253;

/** The journal ConfigMap's name: `<name>-ivr-journal`, shortened with a hash when that would be too long. */
export function journalConfigMapName(objectName: string): string {
  const name = `${objectName}${SUFFIX}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash("sha256").update(objectName).digest("hex").slice(0, 10);
  return `${objectName.slice(0, MAX_NAME - SUFFIX.length - hash.length - 1)}-${hash}${SUFFIX}`;
}

/** The owning IvrPromotion, as the ConfigMap's ownerReference needs it. */
export interface JournalOwner {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

/** The journal found in the ConfigMap is not a journal; a human must look before anything is retried. */
export class JournalCorruptError extends PromoterError {
  constructor(configMap: string, detail: string) {
    super("JournalCorrupt", "Stalled", `apply journal in ConfigMap ${configMap} is unreadable: ${detail}`);
  }
}

/** A {@link JournalStore} in ConfigMap `<name>-ivr-journal` next to its IvrPromotion. */
export class ConfigMapJournalStore implements JournalStore {
  readonly name: string;

  constructor(
    private readonly apis: KubeApis,
    private readonly owner: JournalOwner,
  ) {
    this.name = journalConfigMapName(owner.name);
  }

  async read(): Promise<Journal | undefined> {
    let cm: V1ConfigMap;
    try {
      cm = await this.apis.core.readNamespacedConfigMap({ name: this.name, namespace: this.owner.namespace });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
    const text = cm.data?.[JOURNAL_KEY];
    if (text === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new JournalCorruptError(this.name, (err as Error).message);
    }
    const parsed = JournalSchema.safeParse(json);
    if (!parsed.success)
      throw new JournalCorruptError(this.name, parsed.error.issues[0]?.message ?? "invalid");
    return parsed.data;
  }

  async write(journal: Journal): Promise<void> {
    const namespace = this.owner.namespace;
    const body = this.configMap(journal);
    try {
      // PUT without a resourceVersion: the last write wins, and only one apply per object runs at a time.
      await this.apis.core.replaceNamespacedConfigMap({ name: this.name, namespace, body });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      await this.apis.core.createNamespacedConfigMap({ namespace, body });
    }
  }

  async clear(): Promise<void> {
    try {
      await this.apis.core.deleteNamespacedConfigMap({ name: this.name, namespace: this.owner.namespace });
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
  }

  private configMap(journal: Journal): V1ConfigMap {
    const ownerReference: V1OwnerReference = {
      apiVersion: this.owner.apiVersion,
      kind: this.owner.kind,
      name: this.owner.name,
      uid: this.owner.uid,
      controller: true,
    };
    return {
      metadata: {
        name: this.name,
        namespace: this.owner.namespace,
        labels: { "app.kubernetes.io/managed-by": "ivr-promoter" },
        ownerReferences: [ownerReference],
      },
      data: { [JOURNAL_KEY]: JSON.stringify(journal) },
    };
  }
}
