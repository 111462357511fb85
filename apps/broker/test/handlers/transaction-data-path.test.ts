// The transaction APIs over a real socket against a real broker (real control plane, real storage), with
// requests built by the codec: the coordinator found and loaded, a transaction begun, written, aborted and
// committed, read_committed fetches held at the LSO and given the aborted transactions, OffsetFetch require_stable held
// while a transaction has offsets of the group, and the refusals.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ErrorCode, encodeEndTxnMarker, encodeRecordBatch } from "@cirrus/kafka-protocol";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;
let wire: KafkaWire;
// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = any;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "txn-data-path");
  await broker.services.controlPlane.createTopic({ name: "tt", partitions: 2 });
  await eventually(
    () => broker.services.partitions.byName("tt", 1) !== undefined,
    10_000,
    "partitions of tt",
  );
  wire = await KafkaWire.connect(broker.kafkaPort);
});

after(async () => {
  wire?.close();
  await broker?.close();
  await cp?.close();
});

function produce(
  partition: number,
  records: Buffer,
  topic = "tt",
  transactionalId: string | null = null,
): Promise<Any> {
  return wire.request(0, 9, {
    transactionalId,
    acks: -1,
    timeoutMs: 5_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
}

function fetch(partition: number, offset: bigint, isolationLevel: number): Promise<Any> {
  return wire.request(1, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: "tt", partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: "",
  });
}

const code = (answer: Any) => answer.responses[0].partitionResponses[0].errorCode;

/** Retries a coordinator call while it answers a retriable coordinator error. */
async function untilServed(call: () => Promise<Any>, errorOf: (a: Any) => number): Promise<Any> {
  const retriable: number[] = [
    ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    ErrorCode.COORDINATOR_NOT_AVAILABLE,
    ErrorCode.NOT_COORDINATOR,
    ErrorCode.CONCURRENT_TRANSACTIONS,
  ];
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await call();
    if (!retriable.includes(errorOf(answer)) || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("transactions over the wire", () => {
  test("refusals: control batches from producers, transactional batches without producer id, the state topic", async () => {
    const marker = encodeEndTxnMarker({
      producerId: 1n,
      producerEpoch: 0,
      committed: true,
      coordinatorEpoch: 0,
      timestamp: 0n,
    });
    assert.equal(code(await produce(0, marker)), ErrorCode.INVALID_RECORD);
    const noId = encodeRecordBatch({ isTransactional: true, records: [{ value: "x" }] });
    assert.equal(code(await produce(0, noId)), ErrorCode.INVALID_RECORD);
    const forged = encodeRecordBatch({ records: [{ value: "x" }] });
    assert.equal(code(await produce(0, forged, "__transaction_state")), ErrorCode.INVALID_TOPIC_EXCEPTION);
    const empty: Any = await wire.request(10, 3, { key: "", keyType: 1 });
    assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test("begin, write, abort, commit: LSO, aborted transactions, fencing", async () => {
    const found = await untilServed(
      () => wire.request(10, 3, { key: "wire-txn", keyType: 1 }),
      (a) => a.errorCode,
    );
    assert.equal(found.errorCode, ErrorCode.NONE);
    const init = await untilServed(
      () =>
        wire.request(22, 4, {
          transactionalId: "wire-txn",
          transactionTimeoutMs: 60_000,
          producerId: -1n,
          producerEpoch: -1,
        }),
      (a) => a.errorCode,
    );
    assert.equal(init.errorCode, ErrorCode.NONE);
    const { producerId, producerEpoch } = init;
    const addPartitions = (topics: { name: string; partitions: number[] }[], epoch = producerEpoch) =>
      wire.request(24, 3, {
        v3AndBelowTransactionalId: "wire-txn",
        v3AndBelowProducerId: producerId,
        v3AndBelowProducerEpoch: epoch,
        v3AndBelowTopics: topics,
      }) as Promise<Any>;
    const endTxn = (committed: boolean, version = 3, epoch = producerEpoch) =>
      untilServed(
        () =>
          wire.request(26, version, {
            transactionalId: "wire-txn",
            producerId,
            producerEpoch: epoch,
            committed,
          }),
        (a) => a.errorCode,
      );

    const unknown = await addPartitions([
      { name: "no-such-topic", partitions: [0] },
      { name: "tt", partitions: [0] },
    ]);
    const codes = unknown.resultsByTopicV3AndBelow.map(
      (t: Any) => t.resultsByPartition[0].partitionErrorCode,
    );
    assert.deepEqual(codes, [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OPERATION_NOT_ATTEMPTED]);

    const added = await addPartitions([{ name: "tt", partitions: [0] }]);
    assert.equal(added.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, ErrorCode.NONE);
    const before = broker.services.partitions.byName("tt", 0)!.highWatermark;
    const txnBatch = (seq: number, value: string) =>
      encodeRecordBatch({
        producerId,
        producerEpoch,
        baseSequence: seq,
        isTransactional: true,
        records: [{ value }],
      });
    assert.equal(code(await produce(0, txnBatch(0, "a1"), "tt", "wire-txn")), ErrorCode.NONE);

    const held = await fetch(0, BigInt(before), 1);
    const p = held.responses[0].partitions[0];
    assert.equal(p.lastStableOffset, BigInt(before), "read_committed: held at the open transaction");
    assert.equal(p.records?.length ?? 0, 0);
    const uncommitted = (await fetch(0, BigInt(before), 0)).responses[0].partitions[0];
    assert.equal(uncommitted.highWatermark, BigInt(before + 1));
    assert.ok((uncommitted.records?.length ?? 0) > 0, "read_uncommitted reads the open transaction");

    assert.equal((await endTxn(false)).errorCode, ErrorCode.NONE);
    await eventually(
      () => broker.services.partitions.byName("tt", 0)!.highWatermark === before + 2,
      10_000,
      "the abort marker",
    );
    const afterAbort = (await fetch(0, BigInt(before), 1)).responses[0].partitions[0];
    assert.equal(afterAbort.lastStableOffset, BigInt(before + 2));
    assert.deepEqual(afterAbort.abortedTransactions, [{ producerId, firstOffset: BigInt(before) }]);
    assert.ok(
      afterAbort.records.length > 0,
      "the aborted batch and its marker are returned; the client drops them",
    );

    assert.equal(
      (await addPartitions([{ name: "tt", partitions: [1] }])).resultsByTopicV3AndBelow[0]
        .resultsByPartition[0].partitionErrorCode,
      ErrorCode.NONE,
    );
    assert.equal(code(await produce(1, txnBatch(0, "c1"), "tt", "wire-txn")), ErrorCode.NONE);
    assert.equal(
      (await endTxn(true, 1, producerEpoch + 1)).errorCode,
      ErrorCode.INVALID_PRODUCER_EPOCH,
      "v1 answers INVALID_PRODUCER_EPOCH",
    );
    assert.equal((await endTxn(true, 3, producerEpoch + 1)).errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal((await endTxn(true)).errorCode, ErrorCode.NONE);
    await eventually(
      () => broker.services.partitions.byName("tt", 1)!.highWatermark >= 2,
      10_000,
      "the commit marker",
    );
    const committed = (await fetch(1, 0n, 1)).responses[0].partitions[0];
    assert.equal(committed.lastStableOffset, committed.highWatermark);
    assert.deepEqual(committed.abortedTransactions, []);

    // kafka-transactions.sh's view: describe, list, producers of a partition.
    // "nobody" hashes to another __transaction_state partition, which may still be loading on a busy machine
    // (COORDINATOR_LOAD_IN_PROGRESS, retriable, as a client retries it).
    let described: Any;
    await eventually(
      async () => {
        described = await wire.request(65, 0, { transactionalIds: ["wire-txn", "nobody"] });
        return described.transactionStates.every(
          (s: Any) => s.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        );
      },
      10_000,
      "every transaction coordinator loaded",
    );
    const [mine, nobody] = described.transactionStates;
    assert.deepEqual(
      [mine.errorCode, mine.transactionState, mine.producerId, mine.producerEpoch],
      [ErrorCode.NONE, "CompleteCommit", producerId, producerEpoch],
    );
    assert.equal(nobody.errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const listed: Any = await wire.request(66, 1, {
      stateFilters: ["CompleteCommit", "Bogus"],
      producerIdFilters: [],
      durationFilter: -1n,
    });
    assert.deepEqual(listed.unknownStateFilters, ["Bogus"]);
    assert.ok(
      listed.transactionStates.some(
        (t: Any) => t.transactionalId === "wire-txn" && t.producerId === producerId,
      ),
    );
    const onlyOngoing: Any = await wire.request(66, 0, { stateFilters: ["Ongoing"], producerIdFilters: [] });
    assert.ok(!onlyOngoing.transactionStates.some((t: Any) => t.transactionalId === "wire-txn"));
    const producers: Any = await wire.request(61, 0, {
      topics: [
        { name: "tt", partitionIndexes: [0, 9] },
        { name: "nope", partitionIndexes: [0] },
      ],
    });
    const [p0, p9] = producers.topics[0].partitions;
    assert.equal(p0.errorCode, ErrorCode.NONE);
    const active = p0.activeProducers.find((a: Any) => a.producerId === producerId);
    assert.deepEqual(
      [active.producerEpoch, active.lastSequence, active.currentTxnStartOffset],
      [producerEpoch, 0, -1n],
    );
    assert.equal(p9.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(producers.topics[1].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

    // A marker for a partition this broker does not lead.
    const markers: Any = await wire.request(27, 1, {
      markers: [
        {
          producerId,
          producerEpoch,
          transactionResult: true,
          topics: [{ name: "tt", partitionIndexes: [9] }],
          coordinatorEpoch: 0,
        },
      ],
    });
    assert.equal(markers.markers[0].topics[0].partitions[0].errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
  test("OffsetFetch require_stable answers UNSTABLE_OFFSET_COMMIT while a transaction holds offsets of the group", async () => {
    await untilServed(
      () => wire.request(10, 3, { key: "wire-offsets", keyType: 1 }),
      (a) => a.errorCode,
    );
    await untilServed(
      () => wire.request(10, 3, { key: "stable-group", keyType: 0 }),
      (a) => a.errorCode,
    );
    const init = await untilServed(
      () =>
        wire.request(22, 4, {
          transactionalId: "wire-offsets",
          transactionTimeoutMs: 60_000,
          producerId: -1n,
          producerEpoch: -1,
        }),
      (a) => a.errorCode,
    );
    assert.equal(init.errorCode, ErrorCode.NONE);
    const ids = {
      transactionalId: "wire-offsets",
      producerId: init.producerId,
      producerEpoch: init.producerEpoch,
    };
    const offsetFetch = (requireStable: boolean) =>
      untilServed(
        () =>
          wire.request(9, 7, {
            groupId: "stable-group",
            topics: [{ name: "tt", partitionIndexes: [0, 1] }],
            requireStable,
          }),
        (a) => a.errorCode,
      );
    const partitionsOf = (a: Any) => a.topics[0].partitions.map((p: Any) => [p.committedOffset, p.errorCode]);

    const added: Any = await untilServed(
      () => wire.request(25, 3, { ...ids, groupId: "stable-group" }),
      (a) => a.errorCode,
    );
    assert.equal(added.errorCode, ErrorCode.NONE);
    const staged: Any = await untilServed(
      () =>
        wire.request(28, 3, {
          ...ids,
          groupId: "stable-group",
          generationId: -1,
          memberId: "",
          groupInstanceId: null,
          topics: [
            {
              name: "tt",
              partitions: [
                { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: "" },
              ],
            },
          ],
        }),
      (a) => a.topics[0].partitions[0].errorCode,
    );
    assert.equal(staged.topics[0].partitions[0].errorCode, ErrorCode.NONE);

    assert.deepEqual(partitionsOf(await offsetFetch(true)), [
      [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      [-1n, ErrorCode.NONE],
    ]);
    assert.deepEqual(partitionsOf(await offsetFetch(false)), [
      [-1n, ErrorCode.NONE],
      [-1n, ErrorCode.NONE],
    ]);
    const ended: Any = await untilServed(
      () => wire.request(26, 3, { ...ids, committed: true }),
      (a) => a.errorCode,
    );
    assert.equal(ended.errorCode, ErrorCode.NONE);
    // EndTxn answers once the markers are written; the group's offsets follow at once or shortly after.
    await eventually(
      async () => partitionsOf(await offsetFetch(true))[0][0] === 42n,
      10_000,
      "the committed transaction's offset",
    );
    assert.deepEqual(partitionsOf(await offsetFetch(true)), [
      [42n, ErrorCode.NONE],
      [-1n, ErrorCode.NONE],
    ]);
  });
});
