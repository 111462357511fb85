// The checkpointer's failure paths and cadence on an in-memory log: a checkpoint can make opening faster,
// never wrong and never failed. Corrupt, foreign, beyond-the-end and below-the-log-start checkpoints are
// skipped for an older one or the full scan; a store failing list/get/put never fails an open or a write
// path; old checkpoints are pruned; lookups read at most about one granule.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crc32 } from "node:zlib";
import { encodeEndTxnMarker, encodeRecordBatch } from "@cirrus/kafka-protocol";
import { MemObjectStore } from "@cirrus/object-store";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/partitions/checkpoint-codec.ts";
import { type CheckpointStore, ObjectStoreCheckpointStore } from "../../src/partitions/checkpoint-store.ts";
import {
  type CheckpointOptions,
  newCheckpointTally,
  PartitionCheckpointer,
} from "../../src/partitions/partition-checkpointer.ts";
import { rebuildProducerState } from "../../src/producers/producer-state-manager.ts";
import { MemoryLog, scanForTimestamp } from "./memory-log.ts";

const stateOptions = { producerIdleExpiryMs: 1e15, maxProducers: 1000 };

/** A checkpoint store whose operations can be made to fail or hang. */
class FlakyStore implements CheckpointStore {
  readonly inner = new ObjectStoreCheckpointStore(new MemObjectStore());
  fail = new Set<"list" | "get" | "put" | "delete">();
  hangPut = false;

  #check(op: "list" | "get" | "put" | "delete") {
    if (this.fail.has(op)) throw new Error(`injected ${op} failure`);
  }
  async list(streamId: number) {
    this.#check("list");
    return this.inner.list(streamId);
  }
  async get(streamId: number, offset: number) {
    this.#check("get");
    return this.inner.get(streamId, offset);
  }
  async put(streamId: number, offset: number, body: Buffer) {
    this.#check("put");
    if (this.hangPut) return new Promise<void>(() => {});
    return this.inner.put(streamId, offset, body);
  }
  async delete(streamId: number, offsets: readonly number[]) {
    this.#check("delete");
    return this.inner.delete(streamId, offsets);
  }
}

/** A transactional batch of one record at `timestamp`. */
function txnData(producerId: bigint, producerEpoch: number, baseSequence: number, timestamp: number): Buffer {
  const records = [{ value: "v", timestamp: BigInt(timestamp) }];
  return encodeRecordBatch({ producerId, producerEpoch, baseSequence, isTransactional: true, records });
}

/** A commit or abort marker written at `timestamp`. */
function txnMarker(producerId: bigint, producerEpoch: number, committed: boolean, timestamp: number): Buffer {
  return encodeEndTxnMarker({
    producerId,
    producerEpoch,
    committed,
    coordinatorEpoch: 1,
    timestamp: BigInt(timestamp),
  });
}

/** Writes `batches` idempotent batches of producer 5 (3 records each) and a plain one every 4th. */
function fill(log: MemoryLog, batches: number, firstSeq = 0, firstTs = 0): number {
  let seq = firstSeq;
  for (let i = 0; i < batches; i++) {
    log.append([{ producerId: 5n, producerEpoch: 0, baseSequence: seq, records: 3 }], firstTs + i * 10);
    seq += 3;
    if (i % 4 === 0)
      log.append(
        [{ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: 1 }],
        firstTs + i * 10 + 1,
      );
  }
  return seq;
}

/**
 * The checkpoint `body` as the code before marker times were carried wrote it (version 2): its marker epochs,
 * the last thing in it, without their times.
 */
function asVersion2(body: Buffer): Buffer {
  const checkpoint = decodeCheckpoint(body);
  const markers = checkpoint.txns?.markers ?? [];
  const withoutMarkers = encodeCheckpoint({
    ...checkpoint,
    txns: checkpoint.txns && { ...checkpoint.txns, markers: [] },
  });
  assert.ok(
    markers.length < 128 && markers.every((m) => m.epoch < 128 && m.offset < 128),
    "one-byte varints",
  );
  const v2Markers = markers.map((m) => {
    const bytes = Buffer.alloc(10);
    bytes.writeBigInt64BE(m.producerId, 0);
    bytes.writeUInt8(m.epoch, 8);
    bytes.writeUInt8(m.offset, 9);
    return bytes;
  });
  // Drop the empty marker count (the body's last byte) for the real one and the entries.
  const v2 = Buffer.concat([withoutMarkers.subarray(0, -1), Buffer.from([markers.length]), ...v2Markers]);
  v2.writeUInt8(2, 4);
  v2.writeUInt32BE(crc32(v2.subarray(9)) >>> 0, 5);
  return v2;
}

function open(log: MemoryLog, store: CheckpointStore | undefined, extra: Partial<CheckpointOptions> = {}) {
  const errors: string[] = [];
  const checkpointer = new PartitionCheckpointer(log, {
    ...stateOptions,
    granuleBytes: 500,
    tickMs: 1e9,
    store,
    onError: (message) => errors.push(message),
    ...extra,
  });
  return { checkpointer, errors };
}

async function assertMatchesScan(checkpointer: PartitionCheckpointer, log: MemoryLog) {
  const live = await checkpointer.producerState(stateOptions);
  const scanned = await rebuildProducerState(log, { ...stateOptions, rebuildReadBytes: 4096 });
  // Sorted: after retention the two may list producers in another order (which only breaks eviction ties).
  const byId = (a: { producerId: bigint }, b: { producerId: bigint }) =>
    a.producerId < b.producerId ? -1 : 1;
  assert.deepEqual(live.snapshot().sort(byId), scanned.snapshot().sort(byId));
  for (const t of [0, 55, 1000, 1e9])
    assert.deepEqual(await checkpointer.offsetForTimestamp(t), scanForTimestamp(log, t));
}

describe("PartitionCheckpointer", () => {
  it("opens from the newest checkpoint and replays only the tail", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const writer = open(log, store).checkpointer;
    await writer.ready();
    const seq = fill(log, 40);
    await writer.checkpointNow();
    const at = log.highWatermark;
    fill(log, 5, seq, 400);
    writer.abandon(); // kill -9: the 5 batches after the checkpoint are only in the log
    const { checkpointer, errors } = open(log, store);
    await checkpointer.ready();
    assert.equal(checkpointer.stats.loadedFrom, at);
    assert.equal(checkpointer.stats.replayedOffsets, log.highWatermark - at);
    assert.deepEqual(errors, []);
    await assertMatchesScan(checkpointer, log);
    checkpointer.abandon();
  });

  it("skips a corrupt newest checkpoint for the previous one, and all corrupt ones for the full scan", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const writer = open(log, store).checkpointer;
    await writer.ready();
    let seq = fill(log, 10);
    await writer.checkpointNow();
    const first = log.highWatermark;
    seq = fill(log, 10, seq, 200);
    await writer.checkpointNow();
    const second = log.highWatermark;
    writer.abandon();
    const bytes = await store.inner.get(log.streamId, second);
    bytes[bytes.length - 1]! ^= 0xff;
    await store.inner.put(log.streamId, second, bytes);

    const previous = open(log, store);
    await previous.checkpointer.ready();
    assert.equal(previous.checkpointer.stats.loadedFrom, first);
    assert.match(previous.errors.join("\n"), new RegExp(`checkpoint ${second} .* not usable`));
    await assertMatchesScan(previous.checkpointer, log);
    previous.checkpointer.abandon();

    await store.inner.put(log.streamId, first, Buffer.from("garbage"));
    const scan = open(log, store);
    await scan.checkpointer.ready();
    assert.equal(scan.checkpointer.stats.loadedFrom, undefined);
    assert.equal(scan.checkpointer.stats.replayedOffsets, log.highWatermark);
    await assertMatchesScan(scan.checkpointer, log);
    scan.checkpointer.abandon();
  });

  it("ignores and deletes a checkpoint beyond the stream end, and refuses one made from another log", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const writer = open(log, store).checkpointer;
    await writer.ready();
    fill(log, 10);
    await writer.checkpointNow();
    const valid = log.highWatermark;
    writer.abandon();
    // A fenced writer's checkpoint past what the stream holds.
    await store.inner.put(log.streamId, valid + 100, await store.inner.get(log.streamId, valid));

    const { checkpointer } = open(log, store);
    await checkpointer.ready();
    assert.equal(checkpointer.stats.loadedFrom, valid);
    await setImmediatePromise();
    assert.deepEqual(await store.inner.list(log.streamId), [valid]);
    checkpointer.abandon();

    // Same stream id, same offsets, other bytes: the last batch's CRC gives it away.
    const other = new MemoryLog(log.streamId);
    fill(other, 10, 1000);
    const foreign = open(other, store);
    await foreign.checkpointer.ready();
    assert.equal(foreign.checkpointer.stats.loadedFrom, undefined);
    assert.match(foreign.errors.join("\n"), /is not the one stored there|not usable/);
    await assertMatchesScan(foreign.checkpointer, other);
    foreign.checkpointer.abandon();
  });

  it("falls back to the full scan when the store fails list or get, and survives failing puts", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const writer = open(log, store);
    await writer.checkpointer.ready();
    fill(log, 12);
    store.fail.add("put");
    await writer.checkpointer.checkpointNow();
    assert.equal(writer.checkpointer.stats.checkpointsWritten, 0);
    assert.match(writer.errors.join("\n"), /checkpoint of stream \d+ failed/);
    store.fail.delete("put");
    await writer.checkpointer.checkpointNow();
    assert.equal(writer.checkpointer.stats.checkpointsWritten, 1);
    writer.checkpointer.abandon();

    for (const op of ["list", "get"] as const) {
      store.fail = new Set([op]);
      const { checkpointer, errors } = open(log, store);
      await checkpointer.ready();
      assert.equal(checkpointer.stats.loadedFrom, undefined, op);
      assert.ok(errors.length > 0, op);
      await assertMatchesScan(checkpointer, log);
      checkpointer.abandon();
    }
  });

  it("adds loads by kind, replayed offsets, writes and failed writes to a tally shared by checkpointers", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const tally = newCheckpointTally();
    const writer = open(log, store, { tally }).checkpointer;
    await writer.ready(); // empty log, no checkpoint: a full scan of nothing
    const seq = fill(log, 12);
    store.fail.add("put");
    await writer.checkpointNow();
    store.fail.delete("put");
    await writer.checkpointNow();
    const at = log.highWatermark;
    fill(log, 4, seq, 500);
    writer.abandon();
    assert.deepEqual(tally, {
      written: 1,
      writeFailures: 1,
      loadsFromCheckpoint: 0,
      loadsFullScan: 1,
      replayedOffsets: 0,
    });

    const reopened = open(log, store, { tally }).checkpointer;
    await reopened.ready();
    await reopened.ready(); // one load, however many callers
    reopened.abandon();
    const scanned = open(log, undefined, { tally }).checkpointer;
    await scanned.ready();
    scanned.abandon();
    assert.deepEqual(tally, {
      written: 1,
      writeFailures: 1,
      loadsFromCheckpoint: 1,
      loadsFullScan: 2,
      replayedOffsets: log.highWatermark - at + log.highWatermark,
    });
  });

  it("keeps only the newest two checkpoints", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const { checkpointer } = open(log, store);
    await checkpointer.ready();
    const written: number[] = [];
    let seq = 0;
    for (let i = 0; i < 5; i++) {
      seq = fill(log, 3, seq, i * 100);
      await checkpointer.checkpointNow();
      written.push(log.highWatermark);
    }
    assert.deepEqual(await store.inner.list(log.streamId), written.slice(-2));
    checkpointer.abandon();
  });

  it("a checkpoint forgets idle producers but keeps one whose transaction is still open", async () => {
    const log = new MemoryLog();
    const store = new ObjectStoreCheckpointStore(new MemObjectStore());
    log.appendBatches([txnData(9n, 0, 0, 0)], 0);
    log.append([{ producerId: 5n, producerEpoch: 0, baseSequence: 0, records: 3 }], 0);
    const options = { producerIdleExpiryMs: 1_000, now: () => 3_600_000 };
    const { checkpointer } = open(log, store, options);
    await checkpointer.ready();
    await checkpointer.checkpointNow();
    checkpointer.abandon();
    const reopened = open(log, store, options).checkpointer;
    const producers = (await reopened.producerState(stateOptions)).snapshot().map((p) => p.producerId);
    assert.equal(reopened.stats.loadedFrom, log.highWatermark, "opened from the checkpoint");
    assert.deepEqual(producers, [9n], "the idle idempotent producer expired, the open transaction's did not");
    reopened.abandon();
  });

  it("a checkpoint forgets idle marker epochs, keeps those of an open transaction or a recent batch, and carries their times", async () => {
    const log = new MemoryLog();
    const store = new ObjectStoreCheckpointStore(new MemObjectStore());
    const data = (producerId: bigint, seq: number, timestamp: number) =>
      txnData(producerId, 1, seq, timestamp);
    const marker = (producerId: bigint, timestamp: number) => txnMarker(producerId, 1, true, timestamp);
    log.appendBatches([marker(30n, 1_000)], 0); // only a marker, long ago: expires
    log.appendBatches([data(31n, 0, 1_000), marker(31n, 1_000), data(31n, 1, 1_000)], 0); // open again
    log.appendBatches([marker(32n, 1_000), data(32n, 0, 3_000_000)], 0); // a recent batch after it
    log.appendBatches([marker(33n, 2_000_000)], 0); // a recent marker
    const options = { producerIdleExpiryMs: 1_000_000, now: () => 3_000_000 };
    const { checkpointer } = open(log, store, options);
    await checkpointer.ready();
    await checkpointer.checkpointNow();
    checkpointer.abandon();
    const reopened = open(log, store, { ...options, now: () => 9e12 }).checkpointer;
    const { txns } = await reopened.openState(stateOptions);
    assert.equal(reopened.stats.loadedFrom, log.highWatermark, "opened from the checkpoint");
    assert.deepEqual(
      [...txns.markerEpochs],
      [
        [31n, { epoch: 1, lastTimestamp: 1_000 }],
        [32n, { epoch: 1, lastTimestamp: 1_000 }],
        [33n, { epoch: 1, lastTimestamp: 2_000_000 }],
      ],
    );
    reopened.abandon();
  });

  it("marker epochs of a version 2 checkpoint count as written when the checkpoint was", async () => {
    const log = new MemoryLog();
    const store = new ObjectStoreCheckpointStore(new MemObjectStore());
    log.appendBatches([txnMarker(40n, 2, false, 1_000)], 0);
    log.append([{ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: 1 }], 0);
    const { checkpointer } = open(log, store, { producerIdleExpiryMs: 1_000_000, now: () => 2_000 });
    await checkpointer.ready();
    await checkpointer.checkpointNow();
    checkpointer.abandon();
    const offset = log.highWatermark;
    await store.put(log.streamId, offset, asVersion2(await store.get(log.streamId, offset)));
    const reopened = open(log, store, { producerIdleExpiryMs: 1_000_000, now: () => 5_000_000 }).checkpointer;
    const { txns } = await reopened.openState(stateOptions);
    assert.equal(reopened.stats.loadedFrom, offset);
    assert.equal(reopened.stats.txnScannedOffsets, 0, "the version 2 checkpoint carried the transactions");
    // Written at 1 000, checkpointed at 2 000 (the latest it can have been written), loaded at 5 000 000.
    assert.deepEqual([...txns.markerEpochs], [[40n, { epoch: 2, lastTimestamp: 2_000 }]]);
    reopened.abandon();
  });

  it("dropAborted forgets aborted transactions in every stored checkpoint, then in the state; a failure keeps them", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const data = encodeRecordBatch({
      producerId: 9n,
      producerEpoch: 0,
      baseSequence: 0,
      isTransactional: true,
      records: [{ value: "aborted" }],
    });
    const abort = { producerId: 9n, producerEpoch: 0, committed: false, coordinatorEpoch: 1, timestamp: 0n };
    log.appendBatches([data], 0);
    log.appendBatches([encodeEndTxnMarker(abort)], 0);
    const { checkpointer } = open(log, store);
    await checkpointer.ready();
    await checkpointer.checkpointNow();
    log.append([{ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: 1 }], 0);
    await checkpointer.checkpointNow();
    const storedAborted = async () => {
      const out = [];
      for (const offset of await store.list(log.streamId))
        out.push(decodeCheckpoint(await store.get(log.streamId, offset)).txns?.aborted.length);
      return out;
    };
    const held = async () => (await checkpointer.catchUp()).txns.abortedIn(0, log.highWatermark).length;
    assert.deepEqual(await storedAborted(), [1, 1]);
    const entry = { producerId: 9n, firstOffset: 0, lastOffset: 1 };

    store.fail.add("put");
    await assert.rejects(checkpointer.dropAborted([entry]), /injected put failure/);
    assert.equal(await held(), 1, "the state still holds it: a later pass retries");
    store.fail.clear();
    await checkpointer.dropAborted([entry]);
    assert.deepEqual(await storedAborted(), [0, 0]);
    assert.equal(await held(), 0);

    const reopened = open(log, store).checkpointer;
    assert.equal((await reopened.catchUp()).txns.abortedIn(0, log.highWatermark).length, 0);
    reopened.abandon();
    await checkpointer.close();
    await assert.rejects(checkpointer.dropAborted([entry]), { code: "PARTITION_NOT_OWNED" });
  });

  it("writes on its own every N bytes, and after T ms when anything was appended", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    let now = 0;
    const { checkpointer } = open(log, store, {
      tickMs: 5,
      everyBytes: 2000,
      everyMs: 60_000,
      now: () => now,
    });
    await checkpointer.ready();
    fill(log, 40); // > 2000 bytes
    await waitFor(() => checkpointer.stats.checkpointsWritten === 1);
    assert.equal(checkpointer.stats.lastCheckpointOffset, log.highWatermark);
    log.append([{ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: 1 }], 5);
    await sleep(30);
    assert.equal(checkpointer.stats.checkpointsWritten, 1, "a few bytes are not enough before T");
    now += 60_000;
    await waitFor(() => checkpointer.stats.checkpointsWritten === 2);
    assert.equal(checkpointer.stats.lastCheckpointOffset, log.highWatermark);
    checkpointer.abandon();
  });

  it("writes a final checkpoint on close, bounded in time when the store hangs", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const first = open(log, store).checkpointer;
    await first.ready();
    fill(log, 7);
    await (await first.close()).written;
    assert.deepEqual(await store.inner.list(log.streamId), [log.highWatermark]);

    fill(log, 3, 21, 500);
    store.hangPut = true;
    const second = open(log, store, { closeTimeoutMs: 100 }).checkpointer;
    await second.ready();
    const started = performance.now();
    await (await second.close()).written;
    assert.ok(performance.now() - started < 1000, "close waited for a hanging put");
  });

  it("answers ListOffsets by reading about one granule, not the log", async () => {
    const log = new MemoryLog();
    const { checkpointer } = open(log, undefined, { granuleBytes: 1000 });
    for (let i = 0; i < 2000; i++)
      log.append([{ producerId: -1n, producerEpoch: -1, baseSequence: -1, records: 1 }], i);
    await checkpointer.catchUp();
    const perGranule = Math.ceil(1000 / log.records[0]!.payload.length) + 1;
    for (const t of [0, 777, 1500, 1999, 2500]) {
      log.recordsRead = 0;
      assert.deepEqual(await checkpointer.offsetForTimestamp(t), scanForTimestamp(log, t));
      assert.ok(log.recordsRead <= perGranule, `${log.recordsRead} records read for ${t}`);
    }
    log.recordsRead = 0;
    assert.deepEqual(await checkpointer.maxTimestampOffset(), { offset: 1999, timestamp: 1999 });
    assert.equal(log.recordsRead, 0);
    checkpointer.abandon();
  });

  it("after retention, ignores checkpoints at or below the log start and forgets what was trimmed", async () => {
    const log = new MemoryLog();
    const store = new FlakyStore();
    const writer = open(log, store).checkpointer;
    await writer.ready();
    const seq = fill(log, 10);
    await writer.checkpointNow();
    const low = log.highWatermark;
    log.append([{ producerId: 6n, producerEpoch: 0, baseSequence: 0, records: 2 }], 9999);
    fill(log, 10, seq, 300);
    await writer.checkpointNow();
    writer.abandon();
    log.trim(low + 1); // cuts into producer 6's batch: a scan from here still sees it
    const { checkpointer } = open(log, store);
    await checkpointer.ready();
    assert.equal(checkpointer.stats.loadedFrom, log.highWatermark);
    await assertMatchesScan(checkpointer, log);
    assert.deepEqual(await checkpointer.maxTimestampOffset(), { offset: low + 1, timestamp: 9999 });
    checkpointer.abandon();

    log.trim(log.highWatermark);
    const trimmedAway = open(log, store).checkpointer;
    await trimmedAway.ready();
    assert.equal(trimmedAway.stats.loadedFrom, undefined);
    assert.equal((await trimmedAway.producerState(stateOptions)).producerCount, 0);
    trimmedAway.abandon();
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const setImmediatePromise = () => new Promise((resolve) => setImmediate(resolve));

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}
