import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Storage } from "@cirrus/s3stream";
import fc from "fast-check";
import { isCoordinatorError } from "../../src/errors.ts";
import { type OffsetsPartition, PartitionGroupLog } from "../../src/groups/offsets-log.ts";
import { OffsetsLogCompactor } from "../../src/groups/offsets-log-compactor.ts";
import { OffsetsLogIndex } from "../../src/groups/offsets-log-index.ts";
import type { OffsetsLogRecord } from "../../src/groups/offsets-log-record.ts";
import type { Partition } from "../../src/partitions/partition.ts";
import { standaloneCommit } from "./group-test-kit.ts";
import {
  compactingConfig,
  offsetsPartition,
  serveShard,
  stateOfPartition,
  stateOfRecords,
  type WorkloadStep,
  workloadStep,
} from "./offsets-log-kit.ts";
import { StreamCluster } from "./stream-test-kit.ts";

const cluster = new StreamCluster();
let broker: Storage;
before(async () => {
  broker = await cluster.openBroker(1);
});
after(() => cluster.close());

const commitRecord = (groupId: string, partition: number, offset: bigint, ts = 1n): OffsetsLogRecord => ({
  kind: "offset",
  groupId,
  topic: "t",
  partition,
  value: { offset, leaderEpoch: 1, metadata: "", commitTimestamp: ts },
});

describe("offsets log compaction", () => {
  it("replays to the same state as the uncompacted log, on random commit/delete workloads with commits racing it", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(workloadStep, { minLength: 1, maxLength: 40 }),
        fc.array(workloadStep, { maxLength: 12 }),
        async (beforeSteps: WorkloadStep[], racing: WorkloadStep[]) => {
          const { partition } = await offsetsPartition(cluster, broker);
          const { log, compactor, index, unload } = await serveShard(partition);
          for (const step of beforeSteps) await log.append(step);
          const uncompacted = await stateOfPartition(partition);
          const all = [...beforeSteps, ...racing].flat();
          assert.deepEqual(uncompacted.state, stateOfRecords(beforeSteps.flat()), "replay of the stream");

          // Commits and deletions issued while the compaction copies (not awaited in between).
          const run = compactor.compact();
          const writes = racing.map((step) => log.append(step));
          const result = await run;
          await Promise.all(writes);

          const compacted = await stateOfPartition(partition);
          assert.deepEqual(compacted.state, stateOfRecords(all), "replay after compaction");
          assert.ok(result.trimmedTo > result.previousStart || result.copied === 0);
          // Bounded: the copies of the live keys plus what raced the run (each at most once per key).
          assert.ok(
            compacted.records <= result.copied + racing.flat().length,
            `${compacted.records} records replayed, ${result.copied} copied`,
          );
          assert.equal(index.broken, false);
          unload();
          await partition.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a crash between writing the copies and the trim leaves a log that replays the same; a new owner compacts it", async () => {
    const moved = await offsetsPartition(cluster);
    const first = await serveShard(moved.partition);
    for (let i = 0; i < 40; i++) await first.log.append([commitRecord(`g${i % 3}`, i % 4, BigInt(i))]);
    const expected = (await stateOfPartition(moved.partition)).state;
    // The broker dies after the copies are durable, before the trim: here the trim never happens.
    const crashing = new OffsetsLogCompactor(
      view(moved.partition, { trim: () => Promise.reject(new Error("broker crashed before the trim")) }),
      first.log,
      first.index,
      { minRecords: 1, minSupersededPercent: 50, batchRecords: 5 },
    );
    await assert.rejects(crashing.compact(), /crashed before the trim/);
    const before = moved.partition.logStartOffset;
    const withCopies = await stateOfPartition(moved.partition);
    assert.equal(withCopies.records, 40 + 12, "old records plus one copy per live key");
    assert.deepEqual(withCopies.state, expected);

    first.unload();
    const second = await serveShard(await moved.moveTo());
    assert.equal(second.shard.offsets.fetch("g1", null)[0]!.partitions.length, 4);
    assert.ok(second.compactor.isDue());
    const result = await second.compactor.compact();
    assert.equal(result.previousStart, before);
    const after = await stateOfPartition(moved.partition);
    assert.deepEqual(after.state, expected);
    assert.equal(after.records, 12, "only the live keys remain");
    second.unload();
  });

  it("a run stopped half way (partition unloading) trims nothing and the log still replays the same", async () => {
    const { partition } = await offsetsPartition(cluster, broker);
    const { log, index, unload } = await serveShard(partition);
    for (let i = 0; i < 60; i++) await log.append([commitRecord(`g${i % 5}`, i % 6, BigInt(i))]);
    const expected = (await stateOfPartition(partition)).state;
    const compactor = new OffsetsLogCompactor(partition, log, index, {
      minRecords: 1,
      minSupersededPercent: 50,
      batchRecords: 3,
    });
    const run = compactor.compact();
    compactor.stop();
    await assert.rejects(run, (e) => isCoordinatorError(e, "PARTITION_UNLOADED"));
    assert.equal(partition.logStartOffset, 0);
    assert.deepEqual((await stateOfPartition(partition)).state, expected);
    assert.equal(compactor.compactIfDue(), undefined, "a stopped compactor starts nothing");
    unload();
  });

  it("commits through the coordinator during a compaction are all kept, before and after a move", async () => {
    const moved = await offsetsPartition(cluster);
    const { shard, compactor, unload } = await serveShard(moved.partition);
    const commit = (group: string, partition: number, offset: bigint) =>
      shard.offsets.commit(
        standaloneCommit({ groupId: group, partition, offset, leaderEpoch: 1, metadata: "" }),
      );
    for (let round = 0; round < 10; round++) {
      await Promise.all([0, 1, 2, 3, 4, 5].map((p) => commit(`g${p % 2}`, p, BigInt(round * 10 + p))));
    }
    // Each key is committed again while the run copies: before its copy, after it, and many times over.
    const run = compactor.compact();
    const racing: Promise<unknown>[] = [];
    for (let round = 10; round < 30; round++) {
      racing.push(...[0, 1, 2, 3, 4, 5].map((p) => commit(`g${p % 2}`, p, BigInt(round * 10 + p))));
      if (round % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([run, ...racing]);
    const latest = (p: number) => BigInt(290 + p);
    for (const p of [0, 1, 2, 3, 4, 5]) {
      const served = shard.offsets.fetch(`g${p % 2}`, [{ name: "t", partitionIndexes: [p] }])[0]!
        .partitions[0]!;
      assert.equal(served.committedOffset, latest(p));
    }
    assert.ok(moved.partition.logStartOffset > 0, "the run trimmed");
    unload();
    const next = await serveShard(await moved.moveTo());
    for (const p of [0, 1, 2, 3, 4, 5]) {
      const replayed = next.shard.offsets.fetch(`g${p % 2}`, [{ name: "t", partitionIndexes: [p] }])[0]!
        .partitions[0]!;
      assert.equal(replayed.committedOffset, latest(p), `partition ${p} after the move`);
    }
    next.unload();
  });

  it("runs only when the superseded share reaches the threshold, and drops tombstones it trimmed", async () => {
    const { partition } = await offsetsPartition(cluster, broker);
    const { log, compactor, index, unload } = await serveShard(partition, {
      ...compactingConfig,
      offsetsCompactionMinRecords: 20,
      offsetsCompactionMinSupersededPercent: 75,
    });
    for (let i = 0; i < 10; i++) await log.append([commitRecord("g", i, 1n)]);
    assert.equal(compactor.compactIfDue(), undefined, "10 live keys of 10 records: nothing superseded");
    for (let i = 0; i < 10; i++) await log.append([commitRecord("g", i, 2n)]);
    assert.equal(compactor.isDue(), false, "half superseded, below 75%");
    for (let i = 0; i < 9; i++) await log.append([{ ...commitRecord("g", i, 0n), value: null }]);
    assert.equal(index.liveKeys, 1);
    const run = compactor.compactIfDue();
    assert.ok(run, "29 records, 1 live key: due");
    assert.equal(compactor.compactIfDue(), undefined, "one run at a time");
    const result = await run;
    assert.equal(result.copied, 1);
    assert.equal(result.droppedTombstones, 9);
    assert.equal(partition.logStartOffset, 29);
    assert.equal([...index.entries()].length, 1, "the index forgot the trimmed tombstones");
    assert.equal((await stateOfPartition(partition)).records, 1);
    unload();
  });

  it("bounds the index entries looked at per turn: long runs of tombstones take several turns, none is lost", async () => {
    const { partition } = await offsetsPartition(cluster, broker);
    const { log, index, unload } = await serveShard(partition);
    for (let i = 0; i < 30; i++) await log.append([commitRecord("gone", i, 1n)]);
    await log.append([commitRecord("kept", 0, 7n)]);
    for (let i = 0; i < 30; i++) await log.append([{ ...commitRecord("gone", i, 0n), value: null }]);
    // Counts event-loop turns while the run goes, and notes how many passed before its first copy.
    let turns = 0;
    let turnsBeforeFirstCopy = -1;
    const watched = {
      append: (records: readonly OffsetsLogRecord[]) => {
        if (turnsBeforeFirstCopy < 0) turnsBeforeFirstCopy = turns;
        return log.append(records);
      },
      appendTxnMarker: log.appendTxnMarker.bind(log),
    };
    const compactor = new OffsetsLogCompactor(partition, watched, index, {
      minRecords: 1,
      minSupersededPercent: 50,
      batchRecords: 1,
    });
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await compactor.compact();
    counting = false;
    assert.deepEqual([result.copied, result.droppedTombstones, result.trimmedTo], [1, 30, 61]);
    // 30 tombstones come first in the index; 8 entries per turn: the copy of "kept" waits 3 turns.
    assert.ok(turnsBeforeFirstCopy >= 3, `first copy after ${turnsBeforeFirstCopy} turns`);
    assert.equal((await stateOfPartition(partition)).records, 1);
    unload();
  });

  it("refuses to run after an append that took offsets failed (the index may name records not stored)", async () => {
    const { partition } = await offsetsPartition(cluster, broker);
    const index = new OffsetsLogIndex();
    // The append takes its offsets, then fails (as a WAL I/O error does).
    const failing = view(partition, {
      append: (batches) =>
        partition.append(batches).then(() => Promise.reject(new Error("WAL I/O error (test)"))),
    });
    const log = new PartitionGroupLog(failing, () => 0, index);
    await assert.rejects(log.append([commitRecord("g", 0, 1n)]), (e) =>
      isCoordinatorError(e, "LOG_APPEND_FAILED"),
    );
    assert.equal(index.broken, true);
    const compactor = new OffsetsLogCompactor(failing, log, index, {
      minRecords: 1,
      minSupersededPercent: 1,
      batchRecords: 10,
    });
    assert.equal(compactor.compactIfDue(), undefined);
    await assert.rejects(compactor.compact(), (e) => isCoordinatorError(e, "LOG_APPEND_FAILED"));
    assert.equal(partition.logStartOffset, 0);
  });

  it("rejects a policy it cannot run with CONFIG_INVALID", async () => {
    const { partition } = await offsetsPartition(cluster, broker);
    const index = new OffsetsLogIndex();
    const log = new PartitionGroupLog(partition, () => 0, index);
    for (const policy of [
      { minRecords: 1, minSupersededPercent: 50, batchRecords: 0 },
      { minRecords: 1, minSupersededPercent: 100, batchRecords: 10 },
      { minRecords: 1, minSupersededPercent: 0, batchRecords: 10 },
      { minRecords: 1, minSupersededPercent: 50, batchRecords: 1.5 },
    ]) {
      assert.throws(
        () => new OffsetsLogCompactor(partition, log, index, policy),
        (e) => isCoordinatorError(e, "CONFIG_INVALID"),
      );
    }
  });
});

/** `partition` as an OffsetsPartition with some of its methods replaced (offsets stay live getters). */
function view(
  partition: Partition,
  overrides: Partial<Pick<OffsetsPartition, "append" | "read" | "trim">>,
): OffsetsPartition {
  return {
    append: overrides.append ?? partition.append.bind(partition),
    read: overrides.read ?? partition.read.bind(partition),
    trim: overrides.trim ?? partition.trim.bind(partition),
    get logStartOffset() {
      return partition.logStartOffset;
    },
    get nextOffset() {
      return partition.nextOffset;
    },
    get highWatermark() {
      return partition.highWatermark;
    },
  };
}
