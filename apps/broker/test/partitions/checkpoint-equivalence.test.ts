// The checkpoint invariant on random workloads: a partition opened from its newest checkpoint plus the tail
// after it has exactly the producer state and the ListOffsets answers of a full scan of the log. Workloads
// mix idempotent producers (in sequence, new epochs, stray sequences the log holds anyway), plain batches,
// records of several batches, control-free retention trims, checkpoints at random points, and end without a
// final checkpoint (a kill -9 between checkpoints: the tail replay must cover it).
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemObjectStore } from "@cirrus/object-store";
import fc from "fast-check";
import { ObjectStoreCheckpointStore } from "../../src/partitions/checkpoint-store.ts";
import { PartitionCheckpointer } from "../../src/partitions/partition-checkpointer.ts";
import type { PartitionProducerState } from "../../src/producers/partition-producer-state.ts";
import { rebuildProducerState } from "../../src/producers/producer-state-manager.ts";
import { type BatchSpec, MemoryLog, scanForTimestamp, scanMaxTimestamp } from "./memory-log.ts";

const stateOptions = { producerIdleExpiryMs: 1e15, maxProducers: 1_000_000 };
const checkpointOptions = { ...stateOptions, granuleBytes: 400, tickMs: 1e9, readBytes: 700 };

type Op =
  | {
      kind: "batch";
      producer: number;
      action: "next" | "epoch" | "stray";
      records: number;
      ts: number;
      extra: boolean;
    }
  | { kind: "plain"; records: number; ts: number }
  | { kind: "checkpoint" }
  | { kind: "trim"; fraction: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      producer: fc.integer({ min: 0, max: 4 }),
      action: fc.constantFrom("next", "next", "next", "epoch", "stray") as fc.Arbitrary<
        "next" | "epoch" | "stray"
      >,
      records: fc.integer({ min: 1, max: 4 }),
      ts: fc.integer({ min: 0, max: 2000 }),
      extra: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("plain" as const),
      records: fc.integer({ min: 1, max: 3 }),
      ts: fc.integer({ min: 0, max: 2000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("checkpoint" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("trim" as const),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
);

/**
 * Producer state as compared: after retention, without lastTimestamp (a checkpoint may remember a later one
 * than a scan from the log start sees) and sorted (the order only breaks eviction ties).
 */
function shape(state: PartitionProducerState, exact: boolean) {
  const producers = state.snapshot();
  if (exact) return producers;
  return producers
    .map((p) => ({ producerId: p.producerId, batches: p.batches }))
    .sort((a, b) => (a.producerId < b.producerId ? -1 : 1));
}

/** Every verdict the state would give to the next batch, a retry of each kept batch, and a new epoch. */
function verdicts(state: PartitionProducerState, producers: readonly ProducerSim[]) {
  return producers.flatMap((p, i) => {
    const id = BigInt(100 + i);
    const probe = (producerEpoch: number, baseSequence: number, lastOffsetDelta: number) =>
      state.admit({ producerId: id, producerEpoch, baseSequence, lastOffsetDelta, maxTimestamp: 0n }, 1e9, 0);
    return [probe(p.epoch, p.seq, 0), probe(p.epoch + 1, 0, 0), probe(p.epoch, Math.max(0, p.seq - 3), 2)];
  });
}

interface ProducerSim {
  epoch: number;
  seq: number;
}

async function run(ops: readonly Op[]): Promise<void> {
  const log = new MemoryLog();
  const store = new ObjectStoreCheckpointStore(new MemObjectStore());
  const writer = new PartitionCheckpointer(log, { ...checkpointOptions, store });
  await writer.ready();
  const producers: ProducerSim[] = Array.from({ length: 5 }, () => ({ epoch: 0, seq: 0 }));
  let trimmed = false;
  for (const op of ops) {
    if (op.kind === "checkpoint") await writer.checkpointNow();
    else if (op.kind === "trim") {
      log.trim(Math.floor(log.highWatermark * op.fraction));
      trimmed ||= log.logStartOffset > 0;
    } else if (op.kind === "plain") {
      log.append([{ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: op.records }], op.ts);
    } else {
      const p = producers[op.producer]!;
      if (op.action === "epoch") {
        p.epoch++;
        p.seq = 0;
      }
      const seq = op.action === "stray" ? p.seq + 7 : p.seq;
      const batches: BatchSpec[] = [
        {
          producerId: BigInt(100 + op.producer),
          producerEpoch: p.epoch,
          baseSequence: seq,
          records: op.records,
        },
      ];
      p.seq = seq + op.records;
      if (op.extra) batches.push({ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: 1 });
      log.append(batches, op.ts);
    }
  }
  // The writer is "killed": no final checkpoint. A new owner opens from what is stored.
  writer.abandon();
  const reader = new PartitionCheckpointer(log, { ...checkpointOptions, store });
  const live = await reader.producerState(stateOptions);
  const scanned = await rebuildProducerState(log, { ...stateOptions, rebuildReadBytes: 900 });
  assert.deepEqual(shape(live, !trimmed), shape(scanned, !trimmed));
  assert.deepEqual(verdicts(live, producers), verdicts(scanned, producers));

  const probes = [
    -1,
    0,
    1,
    500,
    999,
    1000,
    1500,
    1999,
    2000,
    2001,
    ...log.records.slice(-3).map((r) => r.timestamp),
  ];
  for (const t of probes)
    assert.deepEqual(await reader.offsetForTimestamp(t), scanForTimestamp(log, t), `ts ${t}`);
  assert.deepEqual(await reader.maxTimestampOffset(), scanMaxTimestamp(log));
  if (reader.stats.loadedFrom !== undefined) openedFromCheckpoint++;
  reader.abandon();
}

let openedFromCheckpoint = 0;

test("checkpoint + tail equals a full scan: producer state, timestamp lookups, max timestamp", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 0, maxLength: 120 }), (ops) => run(ops)),
    { numRuns: 150 },
  );
  assert.ok(openedFromCheckpoint > 30, `only ${openedFromCheckpoint} of 150 runs opened from a checkpoint`);
});

test("the live checkpointer answers like a scan while it keeps catching up (mostly rising timestamps)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: -50, max: 20 }), { minLength: 1, maxLength: 200 }),
      fc.array(fc.integer({ min: -10, max: 2100 }), { minLength: 1, maxLength: 8 }),
      async (jitters, probes) => {
        const log = new MemoryLog();
        const checkpointer = new PartitionCheckpointer(log, {
          ...checkpointOptions,
          store: new ObjectStoreCheckpointStore(new MemObjectStore()),
        });
        for (const [i, jitter] of jitters.entries()) {
          log.append(
            [{ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: 1 + (i % 3) }],
            i * 10 + jitter,
          );
          if (i % 17 === 0) {
            for (const t of probes)
              assert.deepEqual(await checkpointer.offsetForTimestamp(t), scanForTimestamp(log, t));
            if (i % 34 === 0) await checkpointer.checkpointNow();
          }
        }
        for (const t of probes)
          assert.deepEqual(await checkpointer.offsetForTimestamp(t), scanForTimestamp(log, t));
        assert.deepEqual(await checkpointer.maxTimestampOffset(), scanMaxTimestamp(log));
        checkpointer.abandon();
      },
    ),
    { numRuns: 60 },
  );
});
