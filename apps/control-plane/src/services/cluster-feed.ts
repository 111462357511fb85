// A cluster and its brokers for live views (GET /v1/clusters/{id}/events), looked at every interval while anyone
// listens (look-feed.ts), with keys to tell what changed: two or three queries per interval per watched cluster.
import type { Cluster } from "../api-schemas/clusters.ts";
import type { DbOrTx } from "../db/database.ts";
import { ApiError } from "../errors.ts";
import { type BrokerView, listBrokers } from "./broker-views.ts";
import { getCluster } from "./clusters.ts";
import { LookFeed, type LookListener } from "./look-feed.ts";

/** One look at a cluster. */
export interface ClusterLook {
  at: number;
  cluster: Cluster;
  brokers: BrokerView[];
  keys: LookKeys;
}

/** Equal keys between two looks: that part did not change. */
export interface LookKeys {
  /** Brokers: which, and their state, zone, instance, epoch, ports and partitions led. */
  brokers: string;
  /** Their load and lease (changes every look while brokers heartbeat). */
  network: string;
  /** The cluster as GET /v1/clusters/{id} shows it (spec, state, conditions, version, bootstrap…). */
  cluster: string;
}

export function lookKeys(cluster: Cluster, brokers: readonly BrokerView[]): LookKeys {
  return {
    brokers: JSON.stringify(brokers.map(({ load: _, leaseUntil: __, ...rest }) => rest)),
    network: JSON.stringify(brokers.map((b) => [b.brokerId, b.load, b.leaseUntil])),
    cluster: JSON.stringify(cluster),
  };
}

/** One look at cluster `clusterId`, or undefined once it is deleted. */
async function readClusterLook(db: DbOrTx, clusterId: string): Promise<ClusterLook | undefined> {
  const at = Date.now();
  let cluster: Cluster;
  try {
    cluster = await getCluster(db, clusterId);
  } catch (error) {
    if (error instanceof ApiError && error.code === "NOT_FOUND") return undefined;
    throw error;
  }
  const brokers = await listBrokers(db, clusterId);
  return { at, cluster, brokers, keys: lookKeys(cluster, brokers) };
}

export type ClusterListener = LookListener<ClusterLook>;

/** Looks at one cluster (keyed by its id) while anyone listens. */
export class ClusterFeed extends LookFeed<ClusterLook> {
  constructor(db: DbOrTx, options: { intervalMs: number }) {
    super((clusterId) => readClusterLook(db, clusterId), options);
  }
}
