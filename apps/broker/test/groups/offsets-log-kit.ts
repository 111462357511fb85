// Helpers of the offsets-log compaction tests: offsets shards on real s3stream partitions, a canonical
// dump of what a shard holds (to compare replays), and random commit/delete workloads for fast-check.
import type { Storage } from "@cirrus/s3stream";
import fc from "fast-check";
import { ManualClock } from "../../src/groups/clock.ts";
import { defaultGroupConfig, type GroupConfig } from "../../src/groups/group-context.ts";
import { GroupShard } from "../../src/groups/group-shard.ts";
import { type OffsetsPartition, replayOffsetsLog } from "../../src/groups/offsets-log.ts";
import type { OffsetsLogRecord, StoredGroup } from "../../src/groups/offsets-log-record.ts";
import { type OffsetsShard, openOffsetsShard } from "../../src/groups/offsets-shard.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import type { StreamCluster } from "./stream-test-kit.ts";

/** Compaction on every run (no thresholds), in small batches so that races have room. */
export const compactingConfig: GroupConfig = {
  ...defaultGroupConfig,
  initialRebalanceDelayMs: 0,
  offsetsCompactionMinRecords: 1,
  offsetsCompactionMinSupersededPercent: 50,
  offsetsCompactionBatchRecords: 4,
};

/** Opens `partition` as a coordinator shard and waits until it serves. */
export async function serveShard(
  partition: OffsetsPartition,
  config: GroupConfig = compactingConfig,
  clock = new ManualClock(),
): Promise<OffsetsShard & { clock: ManualClock; errors: unknown[] }> {
  const errors: unknown[] = [];
  const opened = openOffsetsShard(partition, {
    partitionIndex: 0,
    clock,
    config,
    onBackgroundError: (e) => errors.push(e),
  });
  await opened.loaded;
  return { ...opened, clock, errors };
}

/** What the shard holds, in a canonical form (sorted), for deepEqual between replays. */
export function shardState(shard: GroupShard): unknown[] {
  return shard
    .groupIds()
    .sort()
    .map((id) => {
      const g = shard.inspect(id)!;
      return {
        id,
        state: g.state,
        generationId: g.generationId,
        protocolType: g.protocolType,
        protocolName: g.protocolName,
        leaderId: g.leaderId,
        stateTimestamp: g.stateTimestamp,
        members: [...g.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          sessionTimeoutMs: m.sessionTimeoutMs,
          protocols: m.protocols.map((p) => [p.name, p.metadata.toString("hex")]),
          assignment: m.assignment.toString("hex"),
        })),
        offsets: [...g.offsets]
          .flatMap(([topic, partitions]) => [...partitions].map(([p, c]) => ({ topic, p, ...c })))
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.p - b.p),
      };
    });
}

/** The state a fresh shard reaches by replaying `records` in order (the reference: no storage at all). */
export function stateOfRecords(records: readonly OffsetsLogRecord[]): unknown[] {
  const shard = new GroupShard({
    partition: 0,
    clock: new ManualClock(),
    config: defaultGroupConfig,
    log: { append: async () => {}, appendTxnMarker: async () => {} },
    onBackgroundError: () => {},
  });
  for (const r of records) shard.replay(r);
  shard.startServing();
  const state = shardState(shard);
  shard.unload();
  return state;
}

/** Replays what `partition` holds now into a fresh shard; returns its state and the records read. */
export async function stateOfPartition(
  partition: OffsetsPartition,
): Promise<{ state: unknown[]; records: number }> {
  const replayed: OffsetsLogRecord[] = [];
  const records = await replayOffsetsLog(partition, (r) => replayed.push(r));
  return { state: stateOfRecords(replayed), records };
}

/**
 * An offsets partition on real storage (on `broker`, or a broker of its own); `moveTo` closes it there
 * and opens it on a new broker at the next epoch, as a coordinator move does.
 */
export async function offsetsPartition(cluster: StreamCluster, broker?: Storage) {
  const streamId = await cluster.createStream();
  let epoch = 1;
  let partition: Partition = await cluster.openPartition(
    broker ?? (await cluster.openBroker(epoch)),
    streamId,
    epoch,
  );
  return {
    get partition() {
      return partition;
    },
    async moveTo(): Promise<Partition> {
      await partition.close();
      epoch++;
      partition = await cluster.openPartition(await cluster.openBroker(epoch), streamId, epoch);
      return partition;
    },
  };
}

const groupIds = ["g0", "g1", "g2", "g3"];

const storedGroup = (generationId: number, members: number, ts: number): StoredGroup => ({
  protocolType: "consumer",
  generationId,
  protocolName: "range",
  leader: members > 0 ? "m0" : null,
  stateTimestamp: BigInt(ts),
  members: Array.from({ length: members }, (_, i) => ({
    memberId: `m${i}`,
    groupInstanceId: i === 0 ? "static-0" : null,
    clientId: `c${i}`,
    clientHost: "/127.0.0.1",
    rebalanceTimeoutMs: 30_000,
    sessionTimeoutMs: 10_000,
    subscription: Buffer.from(`sub-${generationId}`),
    assignment: Buffer.from(`a-${generationId}-${i}`),
  })),
});

/** One step of a workload: the records of one append (a commit, a group change, a group deletion). */
export type WorkloadStep = readonly OffsetsLogRecord[];

/** Commits over a few groups × topics × partitions, group metadata changes, and deletions (tombstones). */
export const workloadStep: fc.Arbitrary<WorkloadStep> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        group: fc.constantFrom(...groupIds),
        topic: fc.constantFrom("a", "b"),
        partitions: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 3 }),
        offset: fc.bigInt(0n, 1_000_000n),
        ts: fc.nat(1_000_000),
      })
      .map(({ group, topic, partitions, offset, ts }) =>
        partitions.map(
          (partition): OffsetsLogRecord => ({
            kind: "offset",
            groupId: group,
            topic,
            partition,
            value: { offset, leaderEpoch: 1, metadata: `m${ts % 7}`, commitTimestamp: BigInt(ts) },
          }),
        ),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        group: fc.constantFrom(...groupIds),
        // Generation 0 without members is the corner where replay must not depend on order between keys.
        generation: fc.oneof(fc.constant(0), fc.nat(20)),
        members: fc.nat(2),
        ts: fc.nat(1_000_000),
      })
      .map(
        ({ group, generation, members, ts }): WorkloadStep => [
          { kind: "group", groupId: group, value: storedGroup(generation, members, ts) },
        ],
      ),
  },
  {
    weight: 1,
    // A deletion as offset expiry writes it: a tombstone per offset it may hold, then the group's.
    arbitrary: fc.constantFrom(...groupIds).map(
      (group): WorkloadStep => [
        ...["a", "b"].flatMap((topic) =>
          [0, 1, 2, 3].map(
            (partition): OffsetsLogRecord => ({
              kind: "offset",
              groupId: group,
              topic,
              partition,
              value: null,
            }),
          ),
        ),
        { kind: "group", groupId: group, value: null },
      ],
    ),
  },
);
