// The consumer-group coordinator on real storage (file WAL with fdatasync, in-memory object store):
//   1. OffsetCommit throughput and latency: many groups committing 12 partitions each, 64 commits in
//      flight, each answered once its records are durable in the offsets log;
//   2. the ceiling in the same run: the same number of appends of the same bytes straight to a stream
//      (no coordinator), so the ratio shows what the coordinator itself costs;
//   3. a coordinator move: the offsets partition closes on one "broker" and opens on another, which
//      replays the whole log (the time a group is unavailable after a move, beyond the partition move);
//   4. offsets-log compaction: a shard with 1,000,000 committed offsets over 1,000 keys (100,000 in quick
//      mode) replayed by a new owner without compaction (the reference), then compacted (with the largest
//      event-loop stall while it runs: the coordinator keeps serving) and replayed again after a move;
//   5. transactional offsets (exactly-once): TxnOffsetCommit then the producer's commit marker, each durable in
//      the offsets log, per transaction (its ratio to a plain OffsetCommit), and a new owner's replay of that log.
// Prints one JSON line.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { encodeRecordBatch } from "@cirrus/kafka-protocol";
import { MemObjectStore } from "@cirrus/object-store";
import type { Storage } from "@cirrus/s3stream";
import { defaultGroupConfig } from "../../apps/broker/src/groups/group-context.ts";
import { GroupShard } from "../../apps/broker/src/groups/group-shard.ts";
import { PartitionGroupLog, replayOffsetsLog } from "../../apps/broker/src/groups/offsets-log.ts";
import {
  encodeOffsetsLogKey,
  encodeOffsetsLogValue,
  type OffsetsLogRecord,
} from "../../apps/broker/src/groups/offsets-log-record.ts";
import { openOffsetsShard } from "../../apps/broker/src/groups/offsets-shard.ts";
import type { Partition } from "../../apps/broker/src/partitions/partition.ts";
import { BenchBrokers } from "./partition-bench-kit.ts";
import { percentile, printResult, quick, round } from "./s3stream-bench-kit.ts";

const COMMITS = quick ? 4_000 : 40_000;
const GROUPS = 200;
const PARTITIONS_PER_COMMIT = 12;
const IN_FLIGHT = 64;
// Compaction: COMPACTION_RECORDS committed offsets over KEY_GROUPS × KEY_PARTITIONS keys, one OffsetCommit
// of KEY_PARTITIONS partitions per append.
const COMPACTION_RECORDS = quick ? 100_000 : 1_000_000;
const KEY_GROUPS = 100;
const KEY_PARTITIONS = 10;
const TXNS = quick ? 2_000 : 20_000;

const brokers = await BenchBrokers.create("groups", () => new MemObjectStore());
const broker = (nodeId: number) => brokers.storage(nodeId, { walCapacity: 256 * 1024 * 1024 });
const partitionOn = (storage: Storage, streamId: number, epoch: number) =>
  brokers.partition(storage, streamId, epoch, { topic: "__consumer_offsets" });

function commitRequest(i: number) {
  return {
    groupId: `group-${i % GROUPS}`,
    generationId: -1,
    memberId: "",
    groupInstanceId: null,
    topics: [
      {
        name: "orders",
        partitions: Array.from({ length: PARTITIONS_PER_COMMIT }, (_, p) => ({
          partitionIndex: p,
          committedOffset: BigInt(i * 100 + p),
          committedLeaderEpoch: 1,
          committedMetadata: "",
        })),
      },
    ],
  };
}

/** Runs `count` async operations with `IN_FLIGHT` at a time; returns per-operation latencies (ms) and seconds. */
async function drive(
  count: number,
  op: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

const coordinatorOptions = {
  partitionIndex: 0,
  clock: { now: () => Date.now(), schedule: () => () => {} },
  config: defaultGroupConfig,
  onBackgroundError: (e: unknown) => {
    throw e;
  },
};

/** A group shard serving from the offsets log on `partition` (its first owner: nothing to replay). */
function servingShard(partition: Partition): GroupShard {
  const shard = new GroupShard({
    partition: coordinatorOptions.partitionIndex,
    clock: coordinatorOptions.clock,
    config: coordinatorOptions.config,
    log: new PartitionGroupLog(partition),
    onBackgroundError: coordinatorOptions.onBackgroundError,
  });
  shard.startServing();
  return shard;
}

/** Every key's committed offset as a new owner of `partition` replays it, and how long that took. */
async function replayOn(partition: Partition) {
  const started = performance.now();
  const opened = openOffsetsShard(partition, coordinatorOptions);
  const records = await opened.loaded;
  const ms = performance.now() - started;
  const offsets: bigint[] = [];
  for (let g = 0; g < KEY_GROUPS; g++) {
    const fetched = opened.shard.offsets.fetch(`bench-${g}`, null)[0]?.partitions ?? [];
    for (const p of fetched) offsets.push(p.committedOffset);
  }
  return { partition, opened, records, ms, offsets };
}

async function compactionBench() {
  const streamId = (await brokers.objectManager.createStream({})).streamId;
  const writer = await partitionOn(await broker(11), streamId, 11);
  const log = new PartitionGroupLog(writer);
  const commits = COMPACTION_RECORDS / KEY_PARTITIONS;
  await drive(commits, async (i) => {
    const groupId = `bench-${i % KEY_GROUPS}`;
    const records: OffsetsLogRecord[] = Array.from({ length: KEY_PARTITIONS }, (_, p) => ({
      kind: "offset",
      groupId,
      topic: "orders",
      partition: p,
      value: { offset: BigInt(i), leaderEpoch: 1, metadata: "", commitTimestamp: BigInt(Date.now()) },
    }));
    await log.append(records);
  });
  await writer.close();

  // The reference: a new owner replays every commit ever made.
  const full = await replayOn(await partitionOn(await broker(12), streamId, 12));
  if (full.records !== COMPACTION_RECORDS || full.offsets.length !== KEY_GROUPS * KEY_PARTITIONS)
    throw new Error(`replayed ${full.records} records, ${full.offsets.length} keys`);
  const source = full.opened.compactor;
  const due = source.isDue();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const compactStarted = performance.now();
  const result = await source.compact();
  const compactMs = performance.now() - compactStarted;
  delay.disable();
  full.opened.unload();
  await full.partition.close();
  const compacted = await replayOn(await partitionOn(await broker(13), streamId, 13));
  // The new owner's replay (same broker storage, same code) of the compacted stream; it must agree.
  if (compacted.offsets.join() !== full.offsets.join()) throw new Error("compacted replay differs");
  compacted.opened.unload();
  await compacted.partition.close();
  return {
    compactionCommittedOffsets: COMPACTION_RECORDS,
    compactionKeys: KEY_GROUPS * KEY_PARTITIONS,
    compactionWasDue: due,
    replayUncompactedRecords: full.records,
    replayUncompactedMs: round(full.ms, 1),
    compactionMs: round(compactMs, 1),
    compactionCopied: result.copied,
    compactionTrimmedTo: result.trimmedTo,
    compactionMaxEventLoopDelayMs: round(delay.max / 1e6, 1),
    replayCompactedRecords: compacted.records,
    replayCompactedMs: round(compacted.ms, 1),
    replaySpeedup: round(full.ms / compacted.ms, 1),
  };
}

/** TXNS transactions, each a TxnOffsetCommit of 12 partitions and its commit marker; then a move replays them. */
async function txnOffsetsBench() {
  const streamId = (await brokers.objectManager.createStream({})).streamId;
  const writer = await partitionOn(await broker(21), streamId, 21);
  const shard = servingShard(writer);
  const txns = await drive(TXNS, async (i) => {
    // One producer per transaction in flight (a producer has one transaction open at a time).
    const producer = { producerId: BigInt(i + 1), producerEpoch: 0 };
    const staged = await shard.offsets.stageTxn(producer, commitRequest(i));
    if (staged[0]!.partitions[0]!.errorCode !== 0) throw new Error(`TxnOffsetCommit ${i} failed`);
    const ended = await shard.offsets.completeTxn({ ...producer, committed: true, coordinatorEpoch: 0 });
    if (ended !== 0) throw new Error(`commit marker ${i} failed`);
  });
  await writer.close();
  const reader = await partitionOn(await broker(22), streamId, 22);
  const started = performance.now();
  const moved = openOffsetsShard(reader, coordinatorOptions);
  const replayed = await moved.loaded;
  const replayMs = performance.now() - started;
  const check = moved.shard.offsets.fetch("group-0", [{ name: "orders", partitionIndexes: [0] }], true)[0]!
    .partitions[0]!;
  const lastForGroup0 = Math.floor((TXNS - 1) / GROUPS) * GROUPS;
  if (check.committedOffset !== BigInt(lastForGroup0 * 100) || check.errorCode !== 0)
    throw new Error("replayed transactional offsets differ");
  moved.unload();
  await reader.close();
  return { txns, replayed, replayMs };
}

try {
  const a = await broker(1);
  const offsetsStream = (await brokers.objectManager.createStream({})).streamId;
  const onA = await partitionOn(a, offsetsStream, 1);
  const shard = servingShard(onA);
  const commits = await drive(COMMITS, async (i) => {
    const result = await shard.offsets.commit(commitRequest(i));
    if (result[0]!.partitions[0]!.errorCode !== 0) throw new Error(`commit ${i} failed`);
  });

  // The ceiling: the same payloads appended straight to another stream, same concurrency.
  const rawStream = await a.openStream((await brokers.objectManager.createStream({})).streamId, 1);
  const sample = commitRequest(0);
  const payload = encodeRecordBatch({
    records: sample.topics[0]!.partitions.map((p) => {
      const record = {
        kind: "offset" as const,
        groupId: sample.groupId,
        topic: "orders",
        partition: p.partitionIndex,
        value: { offset: p.committedOffset, leaderEpoch: 1, metadata: "", commitTimestamp: 0n },
      };
      return { key: encodeOffsetsLogKey(record), value: encodeOffsetsLogValue(record) };
    }),
  });
  const raw = await drive(COMMITS, async () => {
    await rawStream.append({ payload: Buffer.from(payload), count: PARTITIONS_PER_COMMIT });
  });

  // Coordinator move: close on A (tail uploaded), open on B, replay everything.
  await onA.close();
  const b = await broker(2);
  const onB = await partitionOn(b, offsetsStream, 2);
  const moved = new GroupShard({
    partition: 0,
    clock: { now: () => Date.now(), schedule: () => () => {} },
    config: defaultGroupConfig,
    log: new PartitionGroupLog(onB),
    onBackgroundError: () => {},
  });
  const replayStarted = performance.now();
  const replayed = await replayOffsetsLog(onB, (r) => moved.replay(r));
  const replayMs = performance.now() - replayStarted;
  const check = moved.offsets.fetch("group-0", [{ name: "orders", partitionIndexes: [0] }])[0]!
    .partitions[0]!;
  const lastForGroup0 = Math.floor((COMMITS - 1) / GROUPS) * GROUPS;
  if (check.committedOffset !== BigInt(lastForGroup0 * 100)) throw new Error("replayed state differs");

  const compaction = await compactionBench();
  const txn = await txnOffsetsBench();

  printResult({
    bench: "group-coordinator",
    quick,
    commits: COMMITS,
    partitionsPerCommit: PARTITIONS_PER_COMMIT,
    inFlight: IN_FLIGHT,
    commitsPerSec: round(COMMITS / commits.seconds, 0),
    commitP50Ms: round(percentile(commits.latencies, 50)),
    commitP99Ms: round(percentile(commits.latencies, 99)),
    ceilingAppendsPerSec: round(COMMITS / raw.seconds, 0),
    ceilingP99Ms: round(percentile(raw.latencies, 99)),
    commitVsCeiling: round(raw.seconds / commits.seconds, 3),
    replayRecords: replayed,
    replayMs: round(replayMs, 1),
    replayRecordsPerSec: round(replayed / (replayMs / 1000), 0),
    ...compaction,
    txnOffsetCommits: TXNS,
    txnsPerSec: round(TXNS / txn.txns.seconds, 0),
    txnP50Ms: round(percentile(txn.txns.latencies, 50)),
    txnP99Ms: round(percentile(txn.txns.latencies, 99)),
    txnVsPlainCommit: round(TXNS / txn.txns.seconds / (COMMITS / commits.seconds), 3),
    txnReplayRecords: txn.replayed,
    txnReplayMs: round(txn.replayMs, 1),
  });
} finally {
  await brokers.close();
}
