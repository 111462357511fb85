// The cluster as the planner sees it while it plans: per-broker loads that moves change, the fixed targets
// they are measured against, and each broker's movable partitions sorted by traffic. Every goal scores a
// candidate move through `evaluate` (O(1): only the two brokers it touches change) and commits it with `apply`.
import {
  type BalancerBroker,
  type BalancerOptions,
  type BalancerPartition,
  BrokerHealth,
  type BrokerLoad,
} from "./plan-types.ts";

/** Network direction: 0 in, 1 out. */
export type Direction = 0 | 1;
export const DIRECTIONS: readonly Direction[] = [0, 1];
export const EPSILON = 1e-6;

/** What a move would change, each goal's excess summed over brokers (negative: better). */
export interface MoveDelta {
  capacity: number;
  band: number;
  count: number;
}

export class ClusterModel {
  readonly brokers: readonly BalancerBroker[];
  readonly partitions: readonly BalancerPartition[];
  readonly options: BalancerOptions;
  /** Per broker index: current load and count. */
  readonly load: [Float64Array, Float64Array];
  readonly count: Int32Array;
  readonly capacity: [Float64Array, Float64Array];
  /** Its share of the balanced set's total, by capacity (equal capacities: the mean). */
  readonly target: [Float64Array, Float64Array];
  /** In the balanced set (not draining). */
  readonly inSet: boolean[];
  /** May take partitions (healthy). */
  readonly canTake: boolean[];
  /** Network goals act on this direction (the mean load is above the idle floor). */
  readonly networkActive: [boolean, boolean];
  readonly meanLoad: [number, number];
  readonly countFloor: number;
  readonly countCeil: number;
  /** Per partition: its broker index (-1: not in the model) and whether it may move. */
  readonly leaderIndex: Int32Array;
  readonly movable: Uint8Array;
  /**
   * Per broker index and direction: partition indices, ascending by that direction's traffic. Moved
   * partitions stay in their old broker's list until it is compacted: skip those that are not `movable`.
   */
  readonly sorted: [number[][], number[][]];
  readonly #stale: [Int32Array, Int32Array];
  /** Per direction and partition: its traffic, bytes/s. */
  readonly partitionTraffic: [Float64Array, Float64Array];

  constructor(
    brokers: readonly BalancerBroker[],
    partitions: readonly BalancerPartition[],
    options: BalancerOptions,
  ) {
    this.brokers = brokers;
    this.partitions = partitions;
    this.options = options;
    const n = brokers.length;
    const indexOf = new Map(brokers.map((b, i) => [b.id, i]));
    this.load = [new Float64Array(n), new Float64Array(n)];
    this.count = new Int32Array(n);
    this.capacity = [
      Float64Array.from(brokers, (b) => b.capacityInBytesPerSec),
      Float64Array.from(brokers, (b) => b.capacityOutBytesPerSec),
    ];
    this.inSet = brokers.map((b) => b.health !== BrokerHealth.DRAINING);
    this.canTake = brokers.map((b) => b.health === BrokerHealth.HEALTHY);
    this.#stale = [new Int32Array(n), new Int32Array(n)];
    this.leaderIndex = new Int32Array(partitions.length);
    this.movable = new Uint8Array(partitions.length);
    this.sorted = [Array.from({ length: n }, () => []), Array.from({ length: n }, () => [])];
    this.partitionTraffic = [new Float64Array(partitions.length), new Float64Array(partitions.length)];
    for (let p = 0; p < partitions.length; p++) {
      const part = partitions[p]!;
      this.partitionTraffic[0][p] = part.bytesInPerSec;
      this.partitionTraffic[1][p] = part.bytesOutPerSec;
      const b = indexOf.get(part.leader) ?? -1;
      this.leaderIndex[p] = b;
      if (b < 0) continue;
      this.load[0][b]! += part.bytesInPerSec;
      this.load[1][b]! += part.bytesOutPerSec;
      this.count[b]! += 1;
      const cooling = part.lastMovedAt !== undefined && options.now - part.lastMovedAt < options.cooldownMs;
      if (this.inSet[b] && !cooling && !part.pinned) this.movable[p] = 1;
    }
    // One sort per direction over all partitions, dealt out in order: each broker's list comes out sorted.
    for (const d of DIRECTIONS)
      for (const p of ascendingByTraffic(this.partitionTraffic[d])) {
        if (this.movable[p]) this.sorted[d][this.leaderIndex[p]!]!.push(p);
      }

    let setSize = 0;
    let setCount = 0;
    const total = [0, 0];
    const totalCapacity = [0, 0];
    for (let b = 0; b < n; b++) {
      if (!this.inSet[b]) continue;
      setSize++;
      setCount += this.count[b]!;
      for (const d of DIRECTIONS) {
        total[d]! += this.load[d][b]!;
        totalCapacity[d]! += this.capacity[d][b]!;
      }
    }
    this.target = [new Float64Array(n), new Float64Array(n)];
    for (const d of DIRECTIONS)
      for (let b = 0; b < n; b++)
        if (this.inSet[b] && totalCapacity[d]! > 0)
          this.target[d][b] = (total[d]! * this.capacity[d][b]!) / totalCapacity[d]!;
    this.meanLoad = [setSize ? total[0]! / setSize : 0, setSize ? total[1]! / setSize : 0];
    this.networkActive = [
      this.meanLoad[0] >= options.idleBytesPerSec,
      this.meanLoad[1] >= options.idleBytesPerSec,
    ];
    this.countFloor = setSize ? Math.floor(setCount / setSize) : 0;
    this.countCeil = setSize ? Math.ceil(setCount / setSize) : 0;
  }

  /** Traffic of partition `p` in direction `d`. */
  traffic(d: Direction, p: number): number {
    return this.partitionTraffic[d][p]!;
  }

  /** Bytes/s above the capacity threshold, both directions. */
  capacityExcess(b: number, loadIn: number, loadOut: number): number {
    if (!this.inSet[b]) return 0;
    const t = this.options.capacityThreshold;
    return Math.max(0, loadIn - t * this.capacity[0][b]!) + Math.max(0, loadOut - t * this.capacity[1][b]!);
  }

  /**
   * Bytes/s outside the band in direction `d` (0 where the network goal is idle, the broker is out, or its load
   * is below the usage threshold).
   */
  bandExcess(d: Direction, b: number, load: number): number {
    if (!this.inSet[b] || !this.networkActive[d]) return 0;
    if (load < this.options.usageThresholdBytesPerSec) return 0;
    const target = this.target[d][b]!;
    const excess = Math.abs(load - target) - this.options.bandFraction * target;
    // Below its share, a broker that cannot take is nobody's fault: no move can fix it.
    if (load < target && !this.canTake[b]) return 0;
    return Math.max(0, excess);
  }

  /** Partitions above the even ceiling, or (for a broker that can take) below the even floor. */
  countExcess(b: number, count: number): number {
    if (!this.inSet[b]) return 0;
    return Math.max(0, count - this.countCeil) + (this.canTake[b] ? Math.max(0, this.countFloor - count) : 0);
  }

  /** Signed deviation from the broker's share, as a fraction of it. */
  deviation(d: Direction, b: number): number {
    const target = this.target[d][b]!;
    return target > 0 ? (this.load[d][b]! - target) / target : 0;
  }

  totals(): MoveDelta {
    const sum: MoveDelta = { capacity: 0, band: 0, count: 0 };
    for (let b = 0; b < this.brokers.length; b++) {
      sum.capacity += this.capacityExcess(b, this.load[0][b]!, this.load[1][b]!);
      sum.band += this.bandExcess(0, b, this.load[0][b]!) + this.bandExcess(1, b, this.load[1][b]!);
      sum.count += this.countExcess(b, this.count[b]!);
    }
    return sum;
  }

  /** What moving partition `p` to broker `to` would change. */
  evaluate(p: number, to: number): MoveDelta {
    const from = this.leaderIndex[p]!;
    const pIn = this.traffic(0, p);
    const pOut = this.traffic(1, p);
    const [fIn, fOut, tIn, tOut] = [
      this.load[0][from]!,
      this.load[1][from]!,
      this.load[0][to]!,
      this.load[1][to]!,
    ];
    return {
      capacity:
        this.capacityExcess(from, fIn - pIn, fOut - pOut) +
        this.capacityExcess(to, tIn + pIn, tOut + pOut) -
        this.capacityExcess(from, fIn, fOut) -
        this.capacityExcess(to, tIn, tOut),
      band:
        this.bandExcess(0, from, fIn - pIn) +
        this.bandExcess(1, from, fOut - pOut) +
        this.bandExcess(0, to, tIn + pIn) +
        this.bandExcess(1, to, tOut + pOut) -
        this.bandExcess(0, from, fIn) -
        this.bandExcess(1, from, fOut) -
        this.bandExcess(0, to, tIn) -
        this.bandExcess(1, to, tOut),
      count:
        this.countExcess(from, this.count[from]! - 1) +
        this.countExcess(to, this.count[to]! + 1) -
        this.countExcess(from, this.count[from]!) -
        this.countExcess(to, this.count[to]!),
    };
  }

  /** Moves partition `p` to broker `to`; it will not move again in this plan. */
  apply(p: number, to: number): void {
    const from = this.leaderIndex[p]!;
    this.count[from]! -= 1;
    this.count[to]! += 1;
    this.leaderIndex[p] = to;
    this.movable[p] = 0;
    for (const d of DIRECTIONS) {
      this.load[d][from]! -= this.traffic(d, p);
      this.load[d][to]! += this.traffic(d, p);
      // Removing each moved partition from a list of thousands costs more than the plan: drop them in bulk.
      const list = this.sorted[d][from]!;
      if (++this.#stale[d][from]! * 4 > list.length) {
        this.sorted[d][from] = list.filter((q) => this.movable[q]);
        this.#stale[d][from] = 0;
      }
    }
  }

  /**
   * Up to `count` movable partitions of `list` walking down from index `from - 1`, then up to `count` walking
   * up from `from`: the same candidates whether or not moved partitions were dropped from the list yet.
   */
  movableAround(list: readonly number[], from: number, down: number, up: number): number[] {
    const below: number[] = [];
    for (let i = Math.min(from, list.length) - 1; i >= 0 && below.length < down; i--)
      if (this.movable[list[i]!]) below.push(list[i]!);
    const above: number[] = [];
    for (let i = Math.max(from, 0); i < list.length && above.length < up; i++)
      if (this.movable[list[i]!]) above.push(list[i]!);
    return below.concat(above);
  }

  /** Index in `list` (sorted ascending in direction d) of the first partition with traffic ≥ `bytes`. */
  lowerBound(d: Direction, list: readonly number[], bytes: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.traffic(d, list[mid]!) < bytes) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  loads(): BrokerLoad[] {
    return this.brokers.map((broker, b) => ({
      brokerId: broker.id,
      zone: broker.zone,
      health: broker.health,
      bytesInPerSec: this.load[0][b]!,
      bytesOutPerSec: this.load[1][b]!,
      partitions: this.count[b]!,
      inUtilization: this.capacity[0][b]! > 0 ? this.load[0][b]! / this.capacity[0][b]! : 0,
      outUtilization: this.capacity[1][b]! > 0 ? this.load[1][b]! / this.capacity[1][b]! : 0,
    }));
  }
}

/**
 * Partition indices ascending by traffic, ties by index. A comparator sort of 100,000 indices costs more than
 * the rest of a plan, so this sorts the numbers themselves (the engine's native numeric sort) with each
 * index written into the low 32 bits of its value's mantissa: for non-negative doubles the order is kept
 * (values closer than ~1 part in 10^6 order by index), and the index is read back from those bits.
 */
export function ascendingByTraffic(traffic: Float64Array): Uint32Array {
  const keys = new Float64Array(traffic.length);
  const words = new Uint32Array(keys.buffer);
  const low = new Uint32Array(new Float64Array([1]).buffer)[0] === 0 ? 0 : 1; // little-endian: word 0
  for (let p = 0; p < traffic.length; p++) {
    keys[p] = traffic[p]!;
    words[2 * p + low] = p;
  }
  keys.sort();
  const order = new Uint32Array(traffic.length);
  for (let i = 0; i < order.length; i++) order[i] = words[2 * i + low]!;
  return order;
}

/** True when `a` is a better move than `b`: capacity first, then the band, then counts. */
export function betterDelta(a: MoveDelta, b: MoveDelta | undefined): boolean {
  if (!b) return true;
  if (Math.abs(a.capacity - b.capacity) > EPSILON) return a.capacity < b.capacity;
  if (Math.abs(a.band - b.band) > EPSILON) return a.band < b.band;
  return a.count < b.count;
}
