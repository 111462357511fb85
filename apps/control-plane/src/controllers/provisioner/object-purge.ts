import { openObjectStore } from "@cirrus/object-store";
import { eq } from "drizzle-orm";
import type { ClusterSpec } from "../../api-schemas/clusters.ts";
import type { Db } from "../../db/database.ts";
import { objects } from "../../db/schema.ts";
import { brokerObjectStoreUri } from "./broker-launch.ts";

const DELETE_BATCH = 1000;

/**
 * Deletes the cluster's objects from its object store: every key whose last segment is the id of an
 * object the cluster was ever handed (prepared, committed or unreferenced), so a store shared with
 * other clusters keeps theirs. Idempotent (a key already gone is not listed again). Returns how many
 * keys it deleted.
 */
export async function purgeClusterObjects(db: Db, clusterId: string, spec: ClusterSpec): Promise<number> {
  const rows = await db.select({ id: objects.id }).from(objects).where(eq(objects.clusterId, clusterId));
  if (rows.length === 0) return 0;
  const ids = new Set(rows.map((r) => String(r.id)));
  const store = openObjectStore(brokerObjectStoreUri(spec.objectStore));
  try {
    const keys = (await store.list(""))
      .map((o) => o.key)
      .filter((key) => ids.has(key.slice(key.lastIndexOf("/") + 1)));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) await store.delete(keys.slice(i, i + DELETE_BATCH));
    return keys.length;
  } finally {
    await store.close();
  }
}
