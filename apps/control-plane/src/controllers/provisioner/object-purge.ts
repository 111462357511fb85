import { objectStoreCredentials } from "@cirrus/cloud";
import { openObjectStore } from "@cirrus/object-store";
import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { objects, streams } from "../../db/schema.ts";
import { brokerObjectStoreUri } from "./broker-launch.ts";

const DELETE_BATCH = 1000;

/**
 * Where the cluster's brokers write, under the object store's URI:
 * - `s3stream/<spread>/<objectId>`: stream set and stream objects (libs/s3stream object-keys.ts), the id
 *   being one the control plane handed out (the `objects` table);
 * - `checkpoints/<streamId>/<offset>`: partition checkpoints (producer state, time index; the broker's
 *   partitions/checkpoint-store.ts), the stream being one of the cluster's (`streams`, never removed:
 *   deleted streams stay as rows marked deleted).
 */
const OBJECT_PREFIX = "s3stream/";
const CHECKPOINT_PREFIX = "checkpoints/";

/**
 * Deletes everything the cluster wrote to its object store: its objects and its streams' checkpoints. Keys
 * are matched by the ids the cluster was handed (object ids, stream ids), so a store shared with other
 * clusters keeps theirs, and nothing outside those two prefixes is touched. Idempotent (a key already gone
 * is not listed again). Returns how many keys it deleted.
 */
export async function purgeClusterObjects(db: Db, clusterId: string, spec: ClusterSpec): Promise<number> {
  const objectIds = new Set(
    (await db.select({ id: objects.id }).from(objects).where(eq(objects.clusterId, clusterId))).map((r) =>
      String(r.id),
    ),
  );
  const streamIds = new Set(
    (await db.select({ id: streams.id }).from(streams).where(eq(streams.clusterId, clusterId))).map((r) =>
      String(r.id),
    ),
  );
  if (objectIds.size === 0 && streamIds.size === 0) return 0;
  const store = openObjectStore(brokerObjectStoreUri(spec.objectStore), {
    s3CredentialsFor: objectStoreCredentials,
  });
  try {
    const keys: string[] = [];
    if (objectIds.size > 0) {
      for (const { key } of await store.list(OBJECT_PREFIX)) {
        if (objectIds.has(key.slice(key.lastIndexOf("/") + 1))) keys.push(key);
      }
    }
    if (streamIds.size > 0) {
      for (const { key } of await store.list(CHECKPOINT_PREFIX)) {
        const end = key.indexOf("/", CHECKPOINT_PREFIX.length);
        if (end > 0 && streamIds.has(key.slice(CHECKPOINT_PREFIX.length, end))) keys.push(key);
      }
    }
    for (let i = 0; i < keys.length; i += DELETE_BATCH) await store.delete(keys.slice(i, i + DELETE_BATCH));
    return keys.length;
  } finally {
    await store.close();
  }
}
