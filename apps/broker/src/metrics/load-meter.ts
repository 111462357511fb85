// Bytes in/out per partition and per broker between two samples: the load the broker reports to the
// control plane in each heartbeat (the balancer and the local autoscaler read it).

export interface PartitionRate {
  topicId: string;
  partition: number;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export interface LoadSample {
  bytesInPerSec: number;
  bytesOutPerSec: number;
  partitions: PartitionRate[];
}

/** What identifies a partition's traffic: its topic id and index. */
export interface PartitionRef {
  readonly topicId: string;
  readonly partition: number;
}

interface Totals {
  topicId: string;
  partition: number;
  bytesIn: number;
  bytesOut: number;
}

export class LoadMeter {
  #networkIn = 0;
  #networkOut = 0;
  #partitions = new Map<PartitionRef, Totals>();
  #since: number;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#since = now();
  }

  addNetwork(bytesIn: number, bytesOut: number): void {
    this.#networkIn += bytesIn;
    this.#networkOut += bytesOut;
  }

  /**
   * Adds traffic of one partition. Keyed by the partition object itself (the broker's Partition; one per
   * topic id and index while it is open), so the produce and fetch paths build no key per request.
   */
  addPartition(partition: PartitionRef, bytesIn: number, bytesOut: number): void {
    let totals = this.#partitions.get(partition);
    if (!totals) {
      totals = { topicId: partition.topicId, partition: partition.partition, bytesIn: 0, bytesOut: 0 };
      this.#partitions.set(partition, totals);
    }
    totals.bytesIn += bytesIn;
    totals.bytesOut += bytesOut;
  }

  /** Rates since the previous sample (or construction); resets the window. */
  sample(): LoadSample {
    const now = this.#now();
    const seconds = Math.max((now - this.#since) / 1000, 0.001);
    // A partition closed and opened again within the window has two entries: one row each, summed.
    const merged = new Map<string, PartitionRate>();
    for (const t of this.#partitions.values()) {
      const key = `${t.topicId}:${t.partition}`;
      const row = merged.get(key);
      if (row) {
        row.bytesInPerSec += t.bytesIn / seconds;
        row.bytesOutPerSec += t.bytesOut / seconds;
      } else {
        merged.set(key, {
          topicId: t.topicId,
          partition: t.partition,
          bytesInPerSec: t.bytesIn / seconds,
          bytesOutPerSec: t.bytesOut / seconds,
        });
      }
    }
    const partitions = [...merged.values()];
    const out = {
      bytesInPerSec: this.#networkIn / seconds,
      bytesOutPerSec: this.#networkOut / seconds,
      partitions,
    };
    this.#networkIn = 0;
    this.#networkOut = 0;
    this.#partitions = new Map();
    this.#since = now;
    return out;
  }
}
