// Every cluster as the clusters list shows it (GET /v1/clusters/events): the clusters and, per cluster, its
// broker count and summed traffic, looked at every interval while anyone listens (look-feed.ts): two queries per
// interval per replica, however many clusters and listeners.

import type { Static } from "@sinclair/typebox";
import { desc, sql } from "drizzle-orm";
import type { ClusterListItem } from "../api-schemas/cluster-events.ts";
import type { DbOrTx } from "../db/database.ts";
import { brokers, clusters } from "../db/schema.ts";
import { toCluster } from "./clusters.ts";
import { LookFeed } from "./look-feed.ts";

export type ClusterListEntry = Static<typeof ClusterListItem>;

/** One look at every cluster, newest first, each with its JSON (equal JSON between looks: nothing changed). */
export interface ClusterListLook {
  items: { item: ClusterListEntry; key: string }[];
}

/** The one key the list is watched under (the feed is keyed; the list is one thing). */
const ALL = "all";

export async function readClusterList(db: DbOrTx): Promise<ClusterListLook> {
  const rows = await db.select().from(clusters).orderBy(desc(clusters.createdAt), desc(clusters.id));
  const sums = await db
    .select({
      clusterId: brokers.clusterId,
      count: sql<number>`count(*)::int`,
      bytesIn: sql<number>`coalesce(sum(${brokers.bytesInPerSec}), 0)::float8`,
      bytesOut: sql<number>`coalesce(sum(${brokers.bytesOutPerSec}), 0)::float8`,
    })
    .from(brokers)
    .groupBy(brokers.clusterId);
  const byCluster = new Map(sums.map((s) => [s.clusterId, s]));
  return {
    items: rows.map((row) => {
      const sum = byCluster.get(row.id);
      const item: ClusterListEntry = {
        cluster: toCluster(row),
        brokers: {
          count: Number(sum?.count ?? 0),
          bytesInPerSec: Number(sum?.bytesIn ?? 0),
          bytesOutPerSec: Number(sum?.bytesOut ?? 0),
        },
      };
      return { item, key: JSON.stringify(item) };
    }),
  };
}

/** What changed from `before` (the clusters' keys the client has, by id) to `look`: the items to send, the ids gone. */
export function listChanges(
  before: ReadonlyMap<string, string>,
  look: ClusterListLook,
): { changed: ClusterListEntry[]; deleted: string[] } {
  const changed = look.items
    .filter(({ item, key }) => before.get(item.cluster.id) !== key)
    .map((i) => i.item);
  const present = new Set(look.items.map(({ item }) => item.cluster.id));
  return { changed, deleted: [...before.keys()].filter((id) => !present.has(id)) };
}

/** The clusters' keys by id, as a client that was sent `look` has them. */
export function listKeys(look: ClusterListLook): Map<string, string> {
  return new Map(look.items.map(({ item, key }) => [item.cluster.id, key]));
}

/** Looks at every cluster while anyone listens; the list is never gone (no clusters is an empty list). */
export class ClusterListFeed {
  readonly #feed: LookFeed<ClusterListLook>;

  constructor(db: DbOrTx, options: { intervalMs: number }) {
    this.#feed = new LookFeed(() => readClusterList(db), options);
  }

  /** Whether the list is read now (only while someone listens). */
  get watched(): boolean {
    return this.#feed.watchedCount > 0;
  }

  set onError(callback: (error: unknown) => void) {
    this.#feed.onError = callback;
  }

  /** Calls `onLook` after each look from the next interval on. Returns the unsubscribe. */
  subscribe(onLook: (look: ClusterListLook) => void): () => void {
    return this.#feed.subscribe(ALL, { onLook, onGone: () => {} });
  }

  close(): Promise<void> {
    return this.#feed.close();
  }
}
