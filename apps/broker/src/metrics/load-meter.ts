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

interface Totals {
  topicId: string;
  partition: number;
  bytesIn: number;
  bytesOut: number;
}

export class LoadMeter {
  #networkIn = 0;
  #networkOut = 0;
  #partitions = new Map<string, Totals>();
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

  addPartition(topicId: string, partition: number, bytesIn: number, bytesOut: number): void {
    const key = `${topicId}:${partition}`;
    let totals = this.#partitions.get(key);
    if (!totals) {
      totals = { topicId, partition, bytesIn: 0, bytesOut: 0 };
      this.#partitions.set(key, totals);
    }
    totals.bytesIn += bytesIn;
    totals.bytesOut += bytesOut;
  }

  /** Rates since the previous sample (or construction); resets the window. */
  sample(): LoadSample {
    const now = this.#now();
    const seconds = Math.max((now - this.#since) / 1000, 0.001);
    const partitions = [...this.#partitions.values()].map((t) => ({
      topicId: t.topicId,
      partition: t.partition,
      bytesInPerSec: t.bytesIn / seconds,
      bytesOutPerSec: t.bytesOut / seconds,
    }));
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
