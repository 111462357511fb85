// Log compaction against a real cluster (one broker process: a 4 MiB WAL so that uploads start after ~1.4 MiB,
// object compaction every second, a clean pass every 300 ms, unreferenced objects deleted at once), through
// kafkajs 2.2.4: a compacted topic written like a Kafka Connect config/offsets topic (40 keys updated 50 times,
// then 10 of them deleted by tombstones) is read from the beginning by a Connect-style reader that rebuilds
// key → value. After the cleaner has run, the topic's bytes in the object store have shrunk, a fresh reader
// rebuilds exactly the same state from fewer records, every record keeps its original offset (gaps, as with
// Kafka), the earliest and latest offsets are unchanged, and a record without a key is refused. A second
// compacted topic is written by a kafkajs transactional producer (committed and aborted transactions): the
// read_committed state is the same after compaction, the aborted records are gone from the log (read_uncommitted
// sees none), commit markers of transactions with no record left are emptied once delete.retention.ms has
// passed, and so are abort markers, a pass after their records went, and a read_committed Fetch never lists an
// aborted transaction whose marker is gone (which would make a consumer drop the producer's later records;
// every transaction is the same producer's). Checked on the raw Fetch answers and with a read_committed reader.
import assert from "node:assert/strict";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  ApiKey,
  ControlRecordType,
  iterateRecords,
  readControlRecordType,
  readRecordBatchHeader,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import { Kafka, logLevel } from "kafkajs";
import { bootstrapOf, connectToFirstBroker } from "../harness/clients/cluster-topics.ts";
import { waitFor } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster, waitFor as waitUntil } from "../harness/cluster.ts";

let cluster: StartedCluster;
let kafka: Kafka;
const closers: (() => Promise<void>)[] = [];
const TOPIC = "connect-configs";
const KEYS = 40;
const UPDATES = 50;
const DELETED = 10;
const pad = "c".repeat(1000);

/** Bytes under every `s3stream/` folder of the cluster's data folder (its file object store). */
async function storedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes("/s3stream/")) total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Reads the topic from the beginning up to `high` like Kafka Connect's KafkaBasedLog: key → value. */
async function rebuild(group: string, high: number, topic = TOPIC, lastOffset = high - 1) {
  const state = new Map<string, string>();
  const offsets: number[] = [];
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
  await consumer.connect();
  closers.push(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      offsets.push(Number(message.offset));
      const key = message.key!.toString();
      if (message.value === null) state.delete(key);
      else state.set(key, message.value.toString().slice(0, -pad.length));
    },
  });
  await waitFor(() => offsets.at(-1) === lastOffset, 60_000, `${group} reaching offset ${lastOffset}`);
  await consumer.stop();
  await consumer.disconnect();
  return { state, offsets };
}

/**
 * Creates `topic` (one partition, compacted, cleanable as soon as 1% is dirty, plus `configEntries`) through an
 * admin client closed after the suite, and returns that client.
 */
async function compactedTopic(topic: string, configEntries: { name: string; value: string }[] = []) {
  const admin = kafka.admin();
  await admin.connect();
  closers.push(() => admin.disconnect());
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic,
        numPartitions: 1,
        configEntries: [
          { name: "cleanup.policy", value: "compact" },
          { name: "min.cleanable.dirty.ratio", value: "0.01" },
          ...configEntries,
        ],
      },
    ],
  });
  return admin;
}

/**
 * What partition 0 of `topic` holds, read raw (Fetch from 0, read_uncommitted unless told): data values,
 * markers, and the aborted transactions the answers list (read_committed).
 */
async function rawLog(topic: string, high: number, isolationLevel = 0) {
  const connection = await connectToFirstBroker(cluster, "cirrus-e2e-raw-fetch");
  const values: string[] = [];
  const markers: { offset: number; producerId: bigint; kind: "commit" | "abort" | "removed" }[] = [];
  const aborted: { producerId: bigint; firstOffset: number }[] = [];
  try {
    for (let offset = 0; offset < high; ) {
      const answer = await connection.request(
        ApiKey.Fetch,
        12,
        {
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 8 << 20,
          isolationLevel,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic,
              partitions: [{ partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 8 << 20 }],
            },
          ],
          forgottenTopicsData: [],
          rackId: "",
        },
        10_000,
      );
      const partition = answer.responses[0]!.partitions[0]!;
      const records = partition.records;
      for (const a of partition.abortedTransactions ?? [])
        aborted.push({ producerId: a.producerId, firstOffset: Number(a.firstOffset) });
      const before = offset;
      for (const batch of splitRecordBatches(records ?? Buffer.alloc(0))) {
        const header = readRecordBatchHeader(batch);
        const end = Number(header.baseOffset) + header.lastOffsetDelta + 1;
        if (end <= offset) continue;
        if (header.isControl) {
          const type = readControlRecordType(batch);
          const kind =
            type === undefined ? "removed" : type === ControlRecordType.Commit ? "commit" : "abort";
          markers.push({ offset: Number(header.baseOffset), producerId: header.producerId, kind });
        } else {
          for (const r of iterateRecords(batch)) values.push(r.value?.toString().slice(0, -pad.length) ?? "");
        }
        offset = end;
      }
      assert.ok(offset > before, `the raw fetch at ${offset} returned nothing below ${high}`);
    }
  } finally {
    connection.close();
  }
  return { values, markers, aborted };
}

describe("log compaction with kafkajs against a running cluster", { timeout: 360_000 }, () => {
  before(async () => {
    cluster = await startCluster({
      brokers: 1,
      env: {
        CIRRUS_WAL_CAPACITY_BYTES: String(4 * 1024 * 1024),
        CIRRUS_OBJECT_COMPACTION_INTERVAL_MS: "1000",
        CIRRUS_OBJECT_DELETE_GRACE_PERIOD_MS: "0",
        CIRRUS_LOG_CLEANER_BACKOFF_MS: "300",
      },
    });
    kafka = new Kafka({
      clientId: "cirrus-e2e-compaction",
      brokers: bootstrapOf(cluster).split(","),
      logLevel: logLevel.NOTHING,
    });
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0);
  });

  test("a Connect-style reader rebuilds the same state before and after compaction, from fewer bytes", async () => {
    const admin = await compactedTopic(TOPIC);
    const producer = kafka.producer();
    await producer.connect();
    closers.push(() => producer.disconnect());
    for (let round = 0; round < UPDATES; round++) {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value: `v${round}${pad}` })),
      });
    }
    await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: Array.from({ length: DELETED }, (_, k) => ({ key: `key-${k}`, value: null })),
    });
    const total = KEYS * UPDATES + DELETED;
    const { low, high } = (await admin.fetchTopicOffsets(TOPIC))[0]!;
    assert.deepEqual([low, high], ["0", String(total)]);

    // A keyless record is refused, as Kafka does (INVALID_RECORD); kafkajs does not retry it.
    await assert.rejects(
      producer.send({ topic: TOPIC, acks: -1, messages: [{ value: "no key" }] }),
      (error: Error & { type?: string }) => error.type === "INVALID_RECORD" || /key/i.test(error.message),
    );

    const before = await rebuild("reader-before", total);
    const expected = new Map(
      Array.from({ length: KEYS - DELETED }, (_, i) => [`key-${i + DELETED}`, `v${UPDATES - 1}`] as const),
    );
    assert.deepEqual(before.state, expected, "the state a reader rebuilds from the whole log");

    // The uploaded part is separated into stream objects, cleaned, and its old objects deleted.
    let peak = 0;
    await waitUntil(
      "the topic's bytes in the object store to shrink",
      async () => {
        const bytes = await storedBytes(cluster.dataDir);
        peak = Math.max(peak, bytes);
        return peak > 1024 * 1024 && bytes < peak / 2;
      },
      90_000,
    );
    const shrunk = await storedBytes(cluster.dataDir);

    const afterCompaction = await rebuild("reader-after", total);
    assert.deepEqual(afterCompaction.state, expected, "the same state after compaction");
    assert.ok(afterCompaction.offsets.length < total / 2, `${afterCompaction.offsets.length} records read`);
    const seen = new Set(before.offsets);
    for (let i = 0; i < afterCompaction.offsets.length; i++) {
      const offset = afterCompaction.offsets[i]!;
      assert.ok(seen.has(offset), `offset ${offset} existed before`);
      if (i > 0) assert.ok(offset > afterCompaction.offsets[i - 1]!, "offsets increase, with gaps");
    }
    const offsetsAfter = (await admin.fetchTopicOffsets(TOPIC))[0]!;
    assert.deepEqual([offsetsAfter.low, offsetsAfter.high], ["0", String(total)], "ListOffsets unchanged");
    console.log(
      JSON.stringify({
        test: "log-compaction",
        records: total,
        recordsAfter: afterCompaction.offsets.length,
        storedBytesPeak: peak,
        storedBytesAfter: shrunk,
        ratio: Number((shrunk / peak).toFixed(3)),
      }),
    );
  });

  test("transactions on a compacted topic: aborted records, then spent commit and abort markers go, read_committed state unchanged", async () => {
    const topic = "compacted-transactions";
    const admin = await compactedTopic(topic, [{ name: "delete.retention.ms", value: "500" }]);
    const producer = kafka.producer({
      transactionalId: "compaction-txn",
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    closers.push(() => producer.disconnect());
    // Every third transaction aborts; the last one commits. 40 × 40 records of 1 KB: past the WAL's upload size.
    const ROUNDS = 40;
    for (let round = 0; round < ROUNDS; round++) {
      const txn = await producer.transaction();
      await txn.send({
        topic,
        acks: -1,
        messages: Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value: `t${round}${pad}` })),
      });
      if (round % 3 === 2) await txn.abort();
      else await txn.commit();
    }
    // As in Kafka, EndTxn answers once the outcome is decided; the partition's marker is written right after.
    let high = 0;
    await waitUntil(
      "the last transaction's commit marker",
      async () => {
        high = Number((await admin.fetchTopicOffsets(topic))[0]!.high);
        return high >= ROUNDS * (KEYS + 1);
      },
      10_000,
    );
    assert.equal(high, ROUNDS * (KEYS + 1), "each transaction: its records and one marker");
    const expected = new Map(Array.from({ length: KEYS }, (_, k) => [`key-${k}`, `t${ROUNDS - 1}`] as const));
    const lastData = high - 2;
    const before = await rebuild("txn-reader-before", high, topic, lastData);
    assert.deepEqual(before.state, expected, "read_committed: the last committed value per key");
    const abortedRounds = new Set(Array.from({ length: ROUNDS }, (_, r) => r).filter((r) => r % 3 === 2));
    const isAborted = (v: string) => abortedRounds.has(Number(v.slice(1)));
    const rawBefore = await rawLog(topic, high);
    assert.ok(rawBefore.values.some(isAborted), "read_uncommitted sees the aborted records before cleaning");

    const abortMarkersBefore = rawBefore.markers.filter((m) => m.kind === "abort");
    assert.equal(abortMarkersBefore.length, abortedRounds.size);
    const abortedOffsets = new Set(abortMarkersBefore.map((m) => m.offset));

    // Cleaned: no aborted record left, and at least one commit and one abort marker emptied (horizon 500 ms;
    // an abort marker goes a pass after its records, and only below every stored checkpoint).
    let raw = rawBefore;
    await waitUntil(
      "aborted records, a spent commit marker and an abort marker to be cleaned away",
      async () => {
        raw = await rawLog(topic, high);
        const removed = raw.markers.filter((m) => m.kind === "removed");
        return (
          !raw.values.some(isAborted) &&
          removed.some((m) => !abortedOffsets.has(m.offset)) &&
          removed.some((m) => abortedOffsets.has(m.offset))
        );
      },
      120_000,
    );
    assert.equal(raw.markers.length, ROUNDS, "every marker keeps its offset (emptied, not deleted)");
    // read_committed answers list exactly the aborted transactions whose marker is still there.
    const committedView = await rawLog(topic, high, 1);
    const abortsLeft = committedView.markers.filter((m) => m.kind === "abort");
    assert.ok(abortsLeft.length < abortedRounds.size, "abort markers removed");
    for (const a of committedView.aborted) {
      assert.ok(
        abortsLeft.some((m) => m.producerId === a.producerId && m.offset > a.firstOffset),
        `the aborted transaction from ${a.firstOffset} is listed only while its marker is there`,
      );
    }
    assert.equal(
      raw.markers.at(-1)?.kind,
      "commit",
      "the last transaction holds the values: its marker stays",
    );
    const afterCompaction = await rebuild("txn-reader-after", high, topic, lastData);
    assert.deepEqual(afterCompaction.state, expected, "the same read_committed state after compaction");
    assert.ok(afterCompaction.offsets.length < before.offsets.length);
    console.log(
      JSON.stringify({
        test: "log-compaction-transactions",
        transactions: ROUNDS,
        aborted: abortedRounds.size,
        recordsReadCommittedBefore: before.offsets.length,
        recordsReadCommittedAfter: afterCompaction.offsets.length,
        uncommittedValuesBefore: rawBefore.values.length,
        uncommittedValuesAfter: raw.values.length,
        markersRemoved: raw.markers.filter((m) => m.kind === "removed").length,
        abortMarkersRemoved: raw.markers.filter((m) => m.kind === "removed" && abortedOffsets.has(m.offset))
          .length,
      }),
    );
  });
});
