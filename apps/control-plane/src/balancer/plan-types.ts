// What the balancer plans from and what it answers. Pure data: the planner reads no database, no clock and no
// randomness, so the same input always gives the same plan.

export const BrokerHealth = {
  /** Takes and gives partitions. */
  HEALTHY: "healthy",
  /** Being drained: out of the plan entirely (its partitions are the drain's), takes nothing. */
  DRAINING: "draining",
  /** Late with its heartbeats: may give partitions away, takes nothing new. */
  SLOW: "slow",
} as const;
export type BrokerHealth = (typeof BrokerHealth)[keyof typeof BrokerHealth];

export interface BalancerBroker {
  id: number;
  zone: string;
  health: BrokerHealth;
  /** Sustained network capacity into the broker, bytes/s (instance baseline or configured). */
  capacityInBytesPerSec: number;
  /** Sustained network capacity out of the broker, bytes/s. */
  capacityOutBytesPerSec: number;
}

export interface BalancerPartition {
  topicId: string;
  topic: string;
  partition: number;
  /** The broker leading it now; a partition led by no broker of the input (-1, fenced) is left alone. */
  leader: number;
  /** Traffic over the load window (the leader's heartbeats), bytes/s. */
  bytesInPerSec: number;
  bytesOutPerSec: number;
  /** When the partition last moved (ms since the epoch); within the cooldown it does not move again. */
  lastMovedAt?: number;
  /**
   * Never moved to balance (its load still counts): an internal topic's partition is a group or transaction
   * coordinator, and moving one makes every client of its groups find the coordinator again mid-request
   * (NOT_COORDINATOR). Drains and failovers still move it.
   */
  pinned?: boolean;
}

export interface BalancerOptions {
  /** The plan's "now" (ms since the epoch), for cooldowns. */
  now: number;
  /** A partition moved less than this long ago stays where it is (no oscillation). */
  cooldownMs: number;
  /** Network in and out of each broker are balanced when within ±bandFraction of its share of the mean. */
  bandFraction: number;
  /** No broker above this fraction of its network capacity (in or out). */
  capacityThreshold: number;
  /**
   * Band excess (bytes/s outside the band, summed over brokers and both directions) below this fraction of
   * the mean broker load is noise: the network goal does not act on it.
   */
  minUsefulChange: number;
  /** Below this mean broker load per direction (bytes/s) traffic is noise: only counts are balanced. */
  idleBytesPerSec: number;
  /**
   * A broker whose load in a direction is below this (bytes/s) is within its band in that direction: it is
   * never moved from or to for that direction's sake alone (AutoMQ's network usage distribution detection
   * threshold). Keeps a lightly loaded cluster still: at a few hundred KB/s per broker a move costs clients a
   * metadata refresh and gains nothing. 0: every broker is held to the band.
   */
  usageThresholdBytesPerSec: number;
  /** At most this many moves in one plan (the most important first). */
  maxMoves: number;
}

export const DEFAULT_BALANCER_OPTIONS: Readonly<Omit<BalancerOptions, "now">> = Object.freeze({
  cooldownMs: 60_000,
  bandFraction: 0.1,
  capacityThreshold: 0.8,
  minUsefulChange: 0.02,
  idleBytesPerSec: 1024,
  usageThresholdBytesPerSec: 0,
  maxMoves: 10_000,
});

/** The goals, in the order they win over each other. */
export const Goal = {
  CAPACITY: "capacity",
  NETWORK_IN: "network-in",
  NETWORK_OUT: "network-out",
  PARTITION_COUNT: "partition-count",
} as const;
export type Goal = (typeof Goal)[keyof typeof Goal];

export interface BrokerLoad {
  brokerId: number;
  zone: string;
  health: BrokerHealth;
  bytesInPerSec: number;
  bytesOutPerSec: number;
  /** Partitions it leads (one replica per partition: partition and leader counts are the same). */
  partitions: number;
  /** Load over capacity, 0..1+ */
  inUtilization: number;
  outUtilization: number;
}

export interface PlannedMove {
  topicId: string;
  topic: string;
  partition: number;
  from: number;
  to: number;
  goal: Goal;
  /** Why, in words: the broker and the figure that made the move worth it. */
  reason: string;
  bytesInPerSec: number;
  bytesOutPerSec: number;
}

export interface GoalOutcome {
  goal: Goal;
  metBefore: boolean;
  metAfter: boolean;
  /** What is still off after the plan, and why it could not be fixed (empty when met). */
  detail: string;
}

export interface BalancePlan {
  moves: PlannedMove[];
  /** Every broker of the input, before and after the moves (same order). */
  before: BrokerLoad[];
  after: BrokerLoad[];
  goals: GoalOutcome[];
}
