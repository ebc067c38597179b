import { createHash } from "node:crypto";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { FencedOutError } from "../engine/errors.js";
import { JournalSchema, type Backup, type Journal, type JournalStore } from "../engine/journal.js";
import { PromoterError } from "../errors.js";
import { BackupChunks } from "./journal-backup.js";
import { isStatus, type KubeApis } from "./kube-clients.js";

/**
 * The apply journal of one IvrPromotion, kept in the cluster rather than on the pod's disk, and the
 * object's **write fence**. Whichever replica reconciles the object next finds the journal and restores
 * the half-applied change before doing anything else (engine `promote`).
 *
 * Fencing: the ConfigMap records the writer (identity and leader-election term). A writer `acquire`s it
 * at the start of a reconcile (a conditional update; a term older than the recorded one is refused), and
 * every later write — journal updates and the engine's `fence()` before each write to Genesys — is a PUT
 * conditional on the resourceVersion this writer last saw. A new leader's acquire changes that version,
 * so a deposed writer (paused past its lease, say) gets 409 on its very next step and stops before it
 * reaches Genesys. The API server checks the precondition even for an unchanged body, so a `fence()` is
 * cheap: no etcd write.
 *
 * Binding: the ConfigMap must be controlled by the object's UID; one that is not (planted by someone who
 * may write ConfigMaps) is never acted on: `onForeign` is told, and acquire takes the name over.
 */

/** The key holding the journal JSON. */
export const JOURNAL_KEY = "journal.json";
/** Annotations of the fence. */
export const WRITER_ANNOTATION = "ivr.promoter.dev/writer";
export const TERM_ANNOTATION = "ivr.promoter.dev/writer-term";
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

/** Who writes: this process, in its current leader-election term. */
export interface WriteRight {
  identity: string;
  /** The leader-election term (the Lease's transitions when this replica took it); 0 without election. */
  term(): number;
  /** False as soon as this process cannot be sure it still leads (checked on the local clock). */
  valid(): boolean;
}

/** The journal found in the ConfigMap is not a journal; a human must look before anything is retried. */
export class JournalCorruptError extends PromoterError {
  constructor(configMap: string, detail: string) {
    super("JournalCorrupt", "Stalled", `apply journal in ConfigMap ${configMap} is unreadable: ${detail}`);
  }
}

/** A fenced {@link JournalStore} in ConfigMap `<name>-ivr-journal` next to its IvrPromotion. */
export class ConfigMapJournalStore implements JournalStore {
  readonly name: string;
  private current: V1ConfigMap | undefined;
  private readonly chunks: BackupChunks;

  constructor(
    private readonly apis: KubeApis,
    private readonly owner: JournalOwner,
    private readonly right: WriteRight,
    private readonly onForeign: (detail: string) => void = () => undefined,
  ) {
    this.name = journalConfigMapName(owner.name);
    this.chunks = new BackupChunks(apis, owner, this.name);
  }

  /** Takes the fence for this writer (see the file comment); throws FencedOutError when a newer term holds it. */
  async acquire(): Promise<void> {
    this.assertValid();
    const term = this.right.term();
    let cm = await this.get();
    const foreign = cm !== undefined && !this.ownsIt(cm);
    if (cm && foreign) {
      this.onForeign(`ConfigMap ${this.name} is not controlled by this IvrPromotion; its content is ignored`);
      cm = { metadata: { ...cm.metadata }, data: {} };
    }
    if (!cm) {
      try {
        this.current = await this.apis.core.createNamespacedConfigMap({
          namespace: this.owner.namespace,
          body: this.body(undefined, term),
        });
        return;
      } catch (err) {
        if (!isStatus(err, 409)) throw err;
        return this.acquire(); // created by another writer in between: look again
      }
    }
    // A planted ConfigMap's annotations mean nothing: only our own record can hold a newer term.
    const annotations = foreign ? {} : (cm.metadata?.annotations ?? {});
    const held = Number(annotations[TERM_ANNOTATION] ?? "0");
    if (held > term)
      throw new FencedOutError(
        `writer term ${held} of ${annotations[WRITER_ANNOTATION]} is newer than ours (${term})`,
      );
    this.current = cm;
    if (annotations[WRITER_ANNOTATION] === this.right.identity && held === term) return;
    await this.put({ ...this.body(undefined, term), data: cm.data ?? {} });
  }

  async read(): Promise<Journal | undefined> {
    const cm = this.current ?? (await this.get());
    if (!cm || !this.ownsIt(cm)) return undefined;
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
    const cm = this.held();
    await this.put({ ...cm, data: { ...cm.data, [JOURNAL_KEY]: JSON.stringify(journal) } });
  }

  async clear(): Promise<void> {
    if (!this.current) return; // never acquired: nothing of ours to clear
    const cm = this.held();
    const names = BackupChunks.namesIn(cm);
    await this.put({ ...cm, data: {} });
    await this.chunks.remove(names);
  }

  async fence(): Promise<void> {
    await this.put(this.held());
  }

  async readBackup(): Promise<Backup> {
    return this.chunks.read(this.current ?? (await this.get()));
  }

  async writeBackup(backup: Backup): Promise<void> {
    const cm = this.held();
    this.assertValid();
    const previous = BackupChunks.namesIn(cm);
    const fields = await this.chunks.write(backup);
    await this.put({ ...cm, data: { ...cm.data, ...fields } });
    // Backups of an earlier run this journal no longer names (left by a crash between runs).
    const now = new Set(BackupChunks.namesIn(this.current));
    await this.chunks.remove(previous.filter((n) => !now.has(n)));
  }

  /**
   * Deletes the ConfigMap (the object is being deleted and its journal is clear). A refusal (403: the
   * object's ServiceAccount was never granted ConfigMaps, so it never wrote one) must not keep the
   * object from going: the ConfigMap, if any, is owned by the object and garbage-collected with it.
   */
  async remove(): Promise<void> {
    try {
      await this.apis.core.deleteNamespacedConfigMap({ name: this.name, namespace: this.owner.namespace });
    } catch (err) {
      if (!isStatus(err, 404) && !isStatus(err, 403)) throw err;
    }
  }

  private async get(): Promise<V1ConfigMap | undefined> {
    try {
      return await this.apis.core.readNamespacedConfigMap({
        name: this.name,
        namespace: this.owner.namespace,
      });
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private ownsIt(cm: V1ConfigMap): boolean {
    return (cm.metadata?.ownerReferences ?? []).some((r) => r.uid === this.owner.uid && r.controller);
  }

  private held(): V1ConfigMap {
    if (!this.current) throw new Error(`journal ${this.name} written before acquire()`);
    return this.current;
  }

  private assertValid(): void {
    if (!this.right.valid()) throw new FencedOutError("this replica no longer holds the leader lease");
  }

  /** PUT conditional on the resourceVersion we hold; 409 = someone else wrote: we are fenced out. */
  private async put(body: V1ConfigMap): Promise<void> {
    this.assertValid();
    try {
      this.current = await this.apis.core.replaceNamespacedConfigMap({
        name: this.name,
        namespace: this.owner.namespace,
        body: {
          ...body,
          metadata: { ...body.metadata, resourceVersion: this.current?.metadata?.resourceVersion },
        },
      });
    } catch (err) {
      if (isStatus(err, 409))
        throw new FencedOutError(`journal ${this.name} was taken over by another writer`);
      throw err;
    }
  }

  private body(data: Record<string, string> | undefined, term: number): V1ConfigMap {
    return {
      metadata: {
        name: this.name,
        namespace: this.owner.namespace,
        labels: { "app.kubernetes.io/managed-by": "ivr-promoter" },
        annotations: { [WRITER_ANNOTATION]: this.right.identity, [TERM_ANNOTATION]: String(term) },
        ownerReferences: [
          {
            apiVersion: this.owner.apiVersion,
            kind: this.owner.kind,
            name: this.owner.name,
            uid: this.owner.uid,
            controller: true,
          },
        ],
      },
      data: data ?? {},
    };
  }
}
