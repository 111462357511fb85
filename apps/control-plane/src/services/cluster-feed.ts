// A cluster's brokers for live views (GET /v1/clusters/{id}/events): one reader per watched cluster per
// control-plane replica looks, while anyone listens, at the cluster and its brokers every interval, and tells each
// listener what it saw, with keys to tell what changed. Reading the database (not hooking the writers) sees every
// writer: brokers' heartbeats reach any replica, the leader's controllers change states. The cost is two or three
// queries per interval per watched cluster, however many listen.
import type { Cluster } from "../api-schemas/clusters.ts";
import type { DbOrTx } from "../db/database.ts";
import { ApiError } from "../errors.ts";
import { type BrokerView, listBrokers } from "./broker-views.ts";
import { getCluster } from "./clusters.ts";

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

export interface ClusterListener {
  onLook(look: ClusterLook): void;
  /** The cluster no longer exists (deleted): no more looks come. */
  onGone(): void;
}

interface Watched {
  listeners: Set<ClusterListener>;
  timer: NodeJS.Timeout;
  looking: Promise<void> | undefined;
}

export class ClusterFeed {
  readonly #db: DbOrTx;
  readonly #intervalMs: number;
  readonly #watched = new Map<string, Watched>();
  #closed = false;
  /** Called with a failed look's error; the next look retries. */
  onError: (error: unknown) => void = () => {};

  constructor(db: DbOrTx, options: { intervalMs: number }) {
    this.#db = db;
    this.#intervalMs = options.intervalMs;
  }

  /** Clusters read now (one reader each, only while someone listens). */
  get watchedCount(): number {
    return this.#watched.size;
  }

  /**
   * Calls `listener` after each look at cluster `clusterId` from the next interval on (a change committed after
   * this call is always seen by a later look). Returns the unsubscribe.
   */
  subscribe(clusterId: string, listener: ClusterListener): () => void {
    if (this.#closed) throw new Error("cluster feed closed");
    let watched = this.#watched.get(clusterId);
    if (!watched) {
      const entry: Watched = {
        listeners: new Set(),
        timer: setInterval(() => void this.#look(clusterId, entry), this.#intervalMs),
        looking: undefined,
      };
      watched = entry;
      this.#watched.set(clusterId, watched);
    }
    const mine = watched;
    mine.listeners.add(listener);
    return () => {
      mine.listeners.delete(listener);
      if (mine.listeners.size === 0) this.#unwatch(clusterId, mine);
    };
  }

  /** Stops reading; later subscribes throw. Listeners are dropped (their streams are ended by their owners). */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#watched.entries()];
    for (const [clusterId, watched] of all) this.#unwatch(clusterId, watched);
    await Promise.all(all.map(([, watched]) => watched.looking));
  }

  #unwatch(clusterId: string, watched: Watched): void {
    clearInterval(watched.timer);
    watched.listeners.clear();
    if (this.#watched.get(clusterId) === watched) this.#watched.delete(clusterId);
  }

  #look(clusterId: string, watched: Watched): Promise<void> {
    // One look at a time per cluster: a slow database must not pile queries up.
    watched.looking ??= this.#read(clusterId, watched)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        watched.looking = undefined;
      });
    return watched.looking;
  }

  async #read(clusterId: string, watched: Watched): Promise<void> {
    const at = Date.now();
    let cluster: Cluster;
    try {
      cluster = await getCluster(this.#db, clusterId);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "NOT_FOUND")) throw error;
      const listeners = [...watched.listeners];
      this.#unwatch(clusterId, watched);
      for (const listener of listeners) listener.onGone();
      return;
    }
    const brokers = await listBrokers(this.#db, clusterId);
    const look: ClusterLook = { at, cluster, brokers, keys: lookKeys(cluster, brokers) };
    for (const listener of [...watched.listeners]) listener.onLook(look);
  }
}
