import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";
import { z } from "zod";
import type { Backup } from "../engine/journal.js";
import { PromoterError } from "../errors.js";
import { isStatus, type KubeApis } from "./kube-clients.js";

/**
 * Where the pre-run backup of a run lives in the cluster: Secrets owned by the object, because the
 * backup is rendered flow content and may hold values substituted from Secrets (a ConfigMap would show
 * them to anyone who may read ConfigMaps). A Secret holds at most 1 MiB, so the backup (the Archy YAML
 * of every flow the run updates) is gzipped — flow YAML compresses about 8–10× — and split over Secrets
 * named after the hash of the whole backup: a stray write of a deposed writer can never overwrite the
 * backup of the run that replaced it. The journal ConfigMap lists the names, in the same fenced write
 * that records the run.
 */

const CHUNKS_KEY = "backup-chunks";
const CHUNK_KEY = "chunk";
const CHUNK_SIZE = 900 * 1024;
/** At most this many chunks (≈ 14 MiB gzipped, 100+ MiB of YAML): a bound, not a target. */
const MAX_CHUNKS = 16;

/** The backup would exceed {@link MAX_CHUNKS} chunks: the run is refused before anything is written. */
export class BackupTooLargeError extends PromoterError {
  constructor(bytes: number) {
    super(
      "BackupTooLarge",
      "Stalled",
      `the pre-run backup is ${Math.round(bytes / 1024)} KiB gzipped, over the ${(MAX_CHUNKS * CHUNK_SIZE) / 1024} KiB bound; split the flow set`,
    );
  }
}

/** Reads and writes the backup of one journal ConfigMap. */
export class BackupChunks {
  constructor(
    private readonly apis: KubeApis,
    private readonly owner: {
      apiVersion: string;
      kind: string;
      name: string;
      namespace: string;
      uid: string;
    },
    private readonly journalName: string,
  ) {}

  /** Names of the chunk ConfigMaps a journal ConfigMap refers to. */
  static namesIn(cm: V1ConfigMap | undefined): string[] {
    const raw = cm?.data?.[CHUNKS_KEY];
    if (!raw) return [];
    return z.array(z.string()).parse(JSON.parse(raw));
  }

  /** Stores `backup`; returns the data fields to put into the journal ConfigMap. */
  async write(backup: Backup): Promise<Record<string, string>> {
    if (Object.keys(backup).length === 0) return { [CHUNKS_KEY]: "[]" };
    const gz = gzipSync(JSON.stringify(backup));
    const count = Math.ceil(gz.length / CHUNK_SIZE);
    if (count > MAX_CHUNKS) throw new BackupTooLargeError(gz.length);
    const hash = createHash("sha256").update(gz).digest("hex").slice(0, 12);
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${this.journalName.slice(0, 200)}-backup-${hash}-${i}`;
      await this.put(name, gz.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE));
      names.push(name);
    }
    return { [CHUNKS_KEY]: JSON.stringify(names) };
  }

  /** The backup a journal ConfigMap holds or refers to ({} when none). */
  async read(cm: V1ConfigMap | undefined): Promise<Backup> {
    const names = BackupChunks.namesIn(cm);
    if (names.length === 0) return {};
    const parts: Buffer[] = [];
    for (const name of names) {
      const chunk = await this.apis.core.readNamespacedSecret({ name, namespace: this.owner.namespace });
      parts.push(Buffer.from(chunk.data?.[CHUNK_KEY] ?? "", "base64"));
    }
    const gz = Buffer.concat(parts);
    return z.record(z.string(), z.string()).parse(JSON.parse(gunzipSync(gz).toString("utf8")));
  }

  /** Deletes backup Secrets (already gone is fine). */
  async remove(names: readonly string[]): Promise<void> {
    for (const name of names) {
      try {
        await this.apis.core.deleteNamespacedSecret({ name, namespace: this.owner.namespace });
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    }
  }

  private async put(name: string, bytes: Buffer): Promise<void> {
    const { apiVersion, kind, name: ownerName, uid } = this.owner;
    const body: V1Secret = {
      metadata: {
        name,
        namespace: this.owner.namespace,
        labels: { "app.kubernetes.io/managed-by": "ivr-promoter" },
        ownerReferences: [{ apiVersion, kind, name: ownerName, uid, controller: true }],
      },
      type: "Opaque",
      data: { [CHUNK_KEY]: bytes.toString("base64") },
    };
    try {
      await this.apis.core.createNamespacedSecret({ namespace: this.owner.namespace, body });
    } catch (err) {
      // Same name = same content (the name is its hash): already there is done.
      if (!isStatus(err, 409)) throw err;
    }
  }
}
