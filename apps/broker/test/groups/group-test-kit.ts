// Shared helpers of the group tests: a shard on a manual clock and an in-memory offsets log.
import { ManualClock } from "../../src/groups/clock.ts";
import type { JoinOutcome } from "../../src/groups/consumer-group.ts";
import {
  defaultGroupConfig,
  type GroupConfig,
  type GroupLog,
  type TxnEnd,
  type TxnProducer,
} from "../../src/groups/group-context.ts";
import type { JoinRequest } from "../../src/groups/group-membership.ts";
import type { OffsetCommitRequest } from "../../src/groups/group-offsets.ts";
import { GroupShard } from "../../src/groups/group-shard.ts";
import type { OffsetsLogRecord } from "../../src/groups/offsets-log-record.ts";

/** What the log holds, in order: plain records, TxnOffsetCommit records (with their producer) and markers. */
export type MemoryLogEntry =
  | { readonly kind: "txn-offset"; readonly producer: TxnProducer; readonly record: OffsetsLogRecord }
  | { readonly kind: "marker"; readonly end: TxnEnd };

export class MemoryGroupLog implements GroupLog {
  /** The plain records (OffsetCommit, group metadata, tombstones). */
  readonly records: OffsetsLogRecord[] = [];
  /** Every entry, transactional ones and markers included, in append order. */
  readonly entries: (MemoryLogEntry | { readonly kind: "plain"; readonly record: OffsetsLogRecord })[] = [];
  failAppends = false;

  async append(records: readonly OffsetsLogRecord[], txn?: TxnProducer): Promise<void> {
    if (this.failAppends) throw new Error("append failed (test)");
    if (!txn) this.records.push(...records);
    for (const record of records)
      this.entries.push(txn ? { kind: "txn-offset", producer: txn, record } : { kind: "plain", record });
  }

  async appendTxnMarker(end: TxnEnd): Promise<void> {
    if (this.failAppends) throw new Error("append failed (test)");
    this.entries.push({ kind: "marker", end });
  }
}

export function makeShard(
  config: Partial<GroupConfig> = {},
  log = new MemoryGroupLog(),
  clock = new ManualClock(),
) {
  const errors: unknown[] = [];
  const shard = new GroupShard({
    partition: 0,
    clock,
    config: { ...defaultGroupConfig, initialRebalanceDelayMs: INITIAL_DELAY_MS, ...config },
    log,
    onBackgroundError: (e) => errors.push(e),
  });
  shard.startServing();
  return { shard, clock, log, errors };
}

export function joinRequest(overrides: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: "g",
    memberId: "",
    groupInstanceId: null,
    clientId: "client",
    clientHost: "/127.0.0.1",
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: Buffer.from("sub") }],
    requireKnownMemberId: false,
    ...overrides,
  };
}

/** Lets resolved promises run their continuations. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A promise's outcome if it already settled, else "pending". */
export async function peek<T>(promise: Promise<T>): Promise<T | "pending"> {
  await settle();
  return Promise.race([promise, Promise.resolve("pending" as const)]);
}

/**
 * Joins `count` new members to an empty group during its initial rebalance delay, then lets the delay
 * (and its one extension) pass: every member gets generation 1 of the same rebalance.
 */
export async function joinMembers(
  shard: GroupShard,
  clock: ManualClock,
  count: number,
  overrides: Partial<JoinRequest> = {},
): Promise<JoinOutcome[]> {
  const joins = Array.from({ length: count }, (_, i) =>
    shard.membership.join(joinRequest({ clientId: `c${i}`, ...overrides })),
  );
  // Members arriving during the first delay extend it once (Kafka's InitialDelayedJoin).
  clock.advance(count > 1 ? 2 * INITIAL_DELAY_MS : INITIAL_DELAY_MS);
  return Promise.all(joins);
}

export const INITIAL_DELAY_MS = 3_000;

/** A standalone commit (no generation, no member: what an admin tool or a simple consumer sends) of one offset. */
export function standaloneCommit(options: {
  groupId?: string;
  topic?: string;
  partition?: number;
  offset?: bigint;
  leaderEpoch?: number;
  metadata?: string | null;
}): OffsetCommitRequest {
  return {
    groupId: options.groupId ?? "g",
    generationId: -1,
    memberId: "",
    groupInstanceId: null,
    topics: [
      {
        name: options.topic ?? "t",
        partitions: [
          {
            partitionIndex: options.partition ?? 0,
            committedOffset: options.offset ?? 10n,
            committedLeaderEpoch: options.leaderEpoch ?? -1,
            committedMetadata: options.metadata === undefined ? null : options.metadata,
          },
        ],
      },
    ],
  };
}

/** A standalone commit of `t`-0, `t`-1, … at `offsets` (partition i at offsets[i], metadata `txn-<i>`). */
export function partitionsCommit(offsets: readonly bigint[], groupId = "g"): OffsetCommitRequest {
  return {
    ...standaloneCommit({ groupId }),
    topics: [
      {
        name: "t",
        partitions: offsets.map((committedOffset, partitionIndex) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: -1,
          committedMetadata: `txn-${partitionIndex}`,
        })),
      },
    ],
  };
}
