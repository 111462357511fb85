// kafkajs 2.2.4 transactions against a real 3-broker cluster (the transaction coordinator, the partition
// leaders and the group coordinator are in general three different brokers, so markers travel through
// WriteTxnMarkers): committed transactions are read by read_committed consumers, aborted ones only by
// read_uncommitted ones; an open transaction holds read_committed consumers at its first offset (the LSO)
// until it commits; offsets sent in a transaction (sendOffsets) count only if it commits; a second producer
// with the same transactional id fences the first (zombie).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Consumer, Kafka, logLevel, type Producer } from "kafkajs";
import { bootstrapOf, createTopicViaApi } from "../harness/clients/cluster-topics.ts";
import { waitFor } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";

const TOPIC = "txn-kafkajs";
const PARTITIONS = 3;
const PER_PARTITION = 20;

let cluster: StartedCluster;
let kafka: Kafka;
const closers: (() => Promise<void>)[] = [];

async function transactionalProducer(transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: 30_000,
  });
  await producer.connect();
  closers.push(() => producer.disconnect());
  return producer;
}

function messages(prefix: string) {
  const out: { partition: number; key: string; value: string }[] = [];
  for (let p = 0; p < PARTITIONS; p++)
    for (let i = 0; i < PER_PARTITION; i++)
      out.push({ partition: p, key: `${prefix}-${p}`, value: `${prefix}-${p}-${i}` });
  return out;
}

/** Every value a fresh consumer of the topic reads from the beginning, per isolation level. */
async function startReader(readUncommitted: boolean): Promise<{ values: string[]; consumer: Consumer }> {
  const values: string[] = [];
  const consumer = kafka.consumer({
    groupId: `reader-${readUncommitted ? "uncommitted" : "committed"}-${Date.now()}`,
    readUncommitted,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  closers.push(() => consumer.disconnect());
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      values.push(message.value?.toString() ?? "");
    },
  });
  return { values, consumer };
}

/** Calls `call` until it stops failing with a retriable error (30 s at most). */
async function untilAnswered<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe("kafkajs transactions against a 3-broker cluster", { timeout: 300_000 }, () => {
  before(async () => {
    cluster = await startCluster({ brokers: 3 });
    kafka = new Kafka({
      clientId: "cirrus-e2e-txn",
      brokers: bootstrapOf(cluster).split(","),
      logLevel: logLevel.NOTHING,
    });
    await createTopicViaApi(cluster, TOPIC, PARTITIONS);
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0);
  });

  test("commit, abort, sendOffsets, the LSO of an open transaction, zombie fencing", async () => {
    const producer = await transactionalProducer("txn-main");

    const committed = await producer.transaction();
    await committed.send({ topic: TOPIC, acks: -1, messages: messages("committed") });
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({ topic: TOPIC, acks: -1, messages: messages("aborted") });
    await aborted.abort();

    // Offsets in a transaction: visible to the group once it commits, never when it aborts.
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    // As in any running cluster, the group's coordinator is up before a transaction uses it: kafkajs does
    // not retry TxnOffsetCommit's COORDINATOR_LOAD_IN_PROGRESS, which a just created offsets partition answers.
    await untilAnswered(() => admin.fetchOffsets({ groupId: "eos-group", topics: [TOPIC] }));
    const withOffsets = await producer.transaction();
    await withOffsets.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: "offsets-commit" }] });
    await withOffsets.sendOffsets({
      consumerGroupId: "eos-group",
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: "7" }] }],
    });
    await withOffsets.commit();
    const abortedOffsets = await producer.transaction();
    await abortedOffsets.send({
      topic: TOPIC,
      acks: -1,
      messages: [{ partition: 0, value: "offsets-abort" }],
    });
    await abortedOffsets.sendOffsets({
      consumerGroupId: "eos-group",
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, offset: "99" }] }],
    });
    await abortedOffsets.abort();
    const groupOffsets = await admin.fetchOffsets({ groupId: "eos-group", topics: [TOPIC] });
    const p0 = groupOffsets[0]?.partitions.find((p) => p.partition === 0);
    assert.equal(p0?.offset, "7", "the committed transaction's offset, not the aborted one's");

    // An open transaction of another producer holds read_committed readers at its first record.
    const open = await transactionalProducer("txn-open");
    const openTxn = await open.transaction();
    await openTxn.send({ topic: TOPIC, acks: -1, messages: [{ partition: 1, value: "open-first" }] });
    const after = await producer.transaction();
    await after.send({ topic: TOPIC, acks: -1, messages: [{ partition: 1, value: "after-open" }] });
    await after.commit();

    const expectedCommitted = new Set([...messages("committed").map((m) => m.value), "offsets-commit"]);
    const committedReader = await startReader(false);
    const uncommittedReader = await startReader(true);
    await waitFor(
      () => committedReader.values.length >= expectedCommitted.size,
      60_000,
      `read_committed: ${expectedCommitted.size} records (have ${committedReader.values.length})`,
    );
    const everything = 2 * PARTITIONS * PER_PARTITION + 4;
    await waitFor(
      () => uncommittedReader.values.length >= everything,
      60_000,
      `read_uncommitted: ${everything} records (have ${uncommittedReader.values.length})`,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    assert.deepEqual(
      new Set(committedReader.values),
      expectedCommitted,
      "read_committed: exactly the committed records",
    );
    assert.equal(committedReader.values.length, expectedCommitted.size, "each once");
    assert.ok(!committedReader.values.includes("after-open"), "held back behind the open transaction (LSO)");
    for (const v of ["aborted-0-0", "aborted-2-19", "offsets-abort", "open-first", "after-open"]) {
      assert.ok(uncommittedReader.values.includes(v), `read_uncommitted sees ${v}`);
    }

    await openTxn.commit();
    await waitFor(
      () => committedReader.values.includes("after-open") && committedReader.values.includes("open-first"),
      30_000,
      "read_committed sees the records behind the LSO once the open transaction commits",
    );
    assert.ok(!committedReader.values.some((v) => v.startsWith("aborted") || v === "offsets-abort"));

    // Zombie fencing: a new instance with the same transactional id fences the old one.
    const zombie = producer;
    const successor = await transactionalProducer("txn-main");
    // kafkajs calls InitProducerId with the first transaction: that is when the successor fences the zombie.
    const next = await successor.transaction();
    const late = await zombie.transaction();
    await assert.rejects(
      async () => {
        await late.send({ topic: TOPIC, acks: -1, messages: [{ partition: 2, value: "zombie" }] });
        await late.commit();
      },
      (error: Error & { type?: string }) => /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/.test(String(error.type)),
    );
    await next.send({ topic: TOPIC, acks: -1, messages: [{ partition: 2, value: "successor" }] });
    await next.commit();
    await waitFor(
      () => committedReader.values.includes("successor"),
      30_000,
      "the successor's commit is read",
    );
    assert.ok(!committedReader.values.includes("zombie"));
  });
});
