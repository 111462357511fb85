// Produce, Fetch, ListOffsets, Metadata and ApiVersions over a real socket against a real broker (real
// control plane, real storage), with requests built by the codec so every field is under the test's control.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  Compression,
  ErrorCode,
  encodeRecordBatch,
  iterateRecords,
  readRecordBatchHeader,
  splitRecordBatches,
} from "@cirrus/kafka-protocol";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { fetchOneBody, KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;
let wire: KafkaWire;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "data-path");
  await broker.services.controlPlane.createTopic({ name: "t", partitions: 2 });
  await eventually(() => broker.services.partitions.byName("t", 1) !== undefined, 10_000, "partitions of t");
  wire = await KafkaWire.connect(broker.kafkaPort);
});

after(async () => {
  wire?.close();
  await broker?.close();
  await cp?.close();
});

function batch(values: string[], timestamp = 1_000n) {
  return encodeRecordBatch({
    baseTimestamp: timestamp,
    records: values.map((value, i) => ({ value, timestamp: timestamp + BigInt(i) })),
  });
}

function produce(partition: number, records: Buffer, acks = -1, topic = "t") {
  return wire.request(0, 9, {
    acks,
    timeoutMs: 5_000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
}

function fetchOnce(
  partition: number,
  offset: bigint,
  options: Parameters<typeof fetchOneBody>[3] & { topic?: string } = {},
) {
  return wire.request(1, 12, fetchOneBody(options.topic ?? "t", partition, offset, options), 15_000);
}

function values(records: Buffer | null): string[] {
  if (!records) return [];
  return splitRecordBatches(records).flatMap((b) => [...iterateRecords(b)].map((r) => r.value!.toString()));
}

describe("ApiVersions", () => {
  test("lists the data path and group APIs; an unknown version gets UNSUPPORTED_VERSION at v0", async () => {
    const answer = await wire.request(18, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    assert.equal(answer.errorCode, ErrorCode.NONE);
    const keys = answer.apiKeys.map((k) => k.apiKey);
    for (const key of [0, 1, 2, 3, 18, 10, 11]) assert.ok(keys.includes(key), `api ${key} advertised`);
    wire.socket.write(
      (() => {
        const b = Buffer.alloc(4 + 2 + 2 + 4 + 2);
        b.writeInt32BE(10, 0);
        b.writeInt16BE(18, 4);
        b.writeInt16BE(99, 6);
        b.writeInt32BE(4242, 8);
        b.writeInt16BE(-1, 12);
        return b;
      })(),
    );
    const unsupported = await wire.response(18, 0);
    assert.equal(unsupported.correlationId, 4242);
    assert.equal(unsupported.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.ok(unsupported.body.apiKeys.length > 0);
  });
});

describe("Produce and Fetch", () => {
  test("acks=-1 assigns consecutive base offsets and fetch returns the batches as sent", async () => {
    const first = batch(["a", "b", "c"]);
    const sentCopy = Buffer.from(first);
    const r1 = await produce(0, first);
    const p1 = r1.responses[0]!.partitionResponses[0]!;
    assert.equal(p1.errorCode, ErrorCode.NONE);
    const r2 = await produce(0, batch(["d"]), 1);
    const p2 = r2.responses[0]!.partitionResponses[0]!;
    assert.equal(p2.baseOffset, p1.baseOffset + 3n);
    const fetched = await fetchOnce(0, p1.baseOffset);
    const part = fetched.responses[0]!.partitions[0]!;
    assert.equal(part.errorCode, ErrorCode.NONE);
    assert.equal(part.highWatermark, p2.baseOffset + 1n);
    assert.deepEqual(values(part.records), ["a", "b", "c", "d"]);
    const stored = splitRecordBatches(part.records!)[0]!;
    assert.equal(stored.readBigInt64BE(0), p1.baseOffset, "base offset set in place");
    assert.deepEqual(stored.subarray(8), sentCopy.subarray(8), "every other byte stored as sent");
  });

  test("a batch with a bad CRC is refused with CORRUPT_MESSAGE and nothing is appended", async () => {
    const before = broker.services.partitions.byName("t", 1)!.highWatermark;
    const bad = batch(["x"]);
    bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
    const answer = await produce(1, bad);
    assert.equal(answer.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE);
    const garbage = await produce(
      1,
      Buffer.from("not a record batch at all, just bytes...................."),
    );
    assert.equal(garbage.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(broker.services.partitions.byName("t", 1)!.highWatermark, before);
  });

  test("unknown topics and partitions get UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const noTopic = await produce(0, batch(["x"]), -1, "nope");
    assert.equal(
      noTopic.responses[0]!.partitionResponses[0]!.errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    const noPartition = await produce(7, batch(["x"]));
    assert.equal(
      noPartition.responses[0]!.partitionResponses[0]!.errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    const fetchNone = await fetchOnce(9, 0n);
    assert.equal(fetchNone.responses[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test("clients cannot produce to the internal __consumer_offsets topic (INVALID_TOPIC_EXCEPTION)", async () => {
    const answer = await produce(0, batch(["forged offset commit"]), -1, "__consumer_offsets");
    const result = answer.responses[0]!.partitionResponses[0]!;
    assert.equal(result.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.match(String(result.errorMessage), /internal topic/);
  });

  test("acks=0 gets no response but keeps the order of pipelined requests, and the data lands", async () => {
    const hw = broker.services.partitions.byName("t", 1)!.highWatermark;
    wire.send(0, 9, {
      acks: 0,
      timeoutMs: 5_000,
      topicData: [{ name: "t", partitionData: [{ index: 1, records: batch(["z"]) }] }],
    });
    const id = wire.send(18, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    const next = await wire.response(18, 3);
    assert.equal(next.correlationId, id, "the next response is the ApiVersions one: acks=0 answered nothing");
    await eventually(
      () => broker.services.partitions.byName("t", 1)!.highWatermark === hw + 1,
      5_000,
      "acks=0 append",
    );
  });

  test("a fetch long-polls until an append arrives, and times out after maxWaitMs without one", async () => {
    const hw = BigInt(broker.services.partitions.byName("t", 1)!.highWatermark);
    const started = performance.now();
    const empty = await fetchOnce(1, hw, { maxWaitMs: 300, minBytes: 1 });
    const waited = performance.now() - started;
    assert.ok(waited >= 280 && waited < 2_000, `waited ${waited} ms`);
    assert.equal(values(empty.responses[0]!.partitions[0]!.records).length, 0);

    const other = await KafkaWire.connect(broker.kafkaPort);
    try {
      const pollStart = performance.now();
      const polling = fetchOnce(1, hw, { maxWaitMs: 10_000, minBytes: 1 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await other.request(0, 9, {
        acks: 1,
        timeoutMs: 5_000,
        topicData: [{ name: "t", partitionData: [{ index: 1, records: batch(["wake"]) }] }],
      });
      const woke = await polling;
      assert.ok(performance.now() - pollStart < 3_000, "answered by the append, not the 10 s timeout");
      assert.deepEqual(values(woke.responses[0]!.partitions[0]!.records), ["wake"]);
    } finally {
      other.close();
    }
  });

  test("fetch limits: at least one whole batch even above partitionMaxBytes; out-of-range offsets", async () => {
    const small = await fetchOnce(0, 0n, { partitionMaxBytes: 1 });
    assert.deepEqual(
      values(small.responses[0]!.partitions[0]!.records),
      ["a", "b", "c"],
      "exactly the first batch",
    );
    const beyond = await fetchOnce(0, 1_000n);
    assert.equal(beyond.responses[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  });
});

describe("ListOffsets", () => {
  test("earliest, latest and by timestamp (the first record at or after it, found inside its batch)", async () => {
    await produce(1, batch(["late1", "late2"], 5_000_000n));
    const hw = BigInt(broker.services.partitions.byName("t", 1)!.highWatermark);
    const answer = await wire.request(2, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2n },
            { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -1n },
            { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: 5_000_001n },
            { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: 9_000_000n },
            { partitionIndex: 5, currentLeaderEpoch: -1, timestamp: -1n },
          ],
        },
      ],
    });
    const [earliest, latest, byTime, future, unknown] = answer.topics[0]!.partitions;
    assert.equal(earliest!.offset, 0n);
    assert.equal(latest!.offset, hw);
    assert.equal(byTime!.offset, hw - 1n, "late2, the second record of the batch");
    assert.equal(byTime!.timestamp, 5_000_001n);
    assert.equal(future!.offset, -1n);
    assert.equal(unknown!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});

describe("a record stamped past 2^53", () => {
  test("is accepted and read back as written; ListOffsets finds it by timestamp and as the max", async () => {
    await broker.services.controlPlane.createTopic({ name: "far", partitions: 1 });
    await eventually(() => broker.services.partitions.byName("far", 0) !== undefined, 10_000, "far-0");
    const far = 2n ** 62n;
    // 1024 apart: a double's step at 2^62, so both survive the broker's number arithmetic exactly.
    const records = encodeRecordBatch({
      baseTimestamp: far,
      records: [
        { value: "future", timestamp: far },
        { value: "later", timestamp: far + 1024n },
      ],
    });
    const produced = await produce(0, records, -1, "far");
    assert.equal(produced.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const fetched = await fetchOnce(0, 0n, { topic: "far" });
    const read = fetched.responses[0]!.partitions[0]!.records!;
    const stamps = splitRecordBatches(read).flatMap((b) => [...iterateRecords(b)].map((r) => r.timestamp));
    assert.deepEqual(stamps, [far, far + 1024n]);
    const answer = await wire.request(2, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: "far",
          partitions: [2n ** 40n, 2n ** 60n, far + 1024n, -3n, 2n ** 63n - 1n].map((timestamp) => ({
            partitionIndex: 0,
            currentLeaderEpoch: -1,
            timestamp,
          })),
        },
      ],
    });
    assert.deepEqual(
      answer.topics[0]!.partitions.map((p: { offset: bigint; timestamp: bigint }) => [p.offset, p.timestamp]),
      [
        [0n, far],
        [0n, far],
        [1n, far + 1024n],
        // The max as Partition.maxTimestampOffset answers it for any batch: the batch's offset.
        [0n, far + 1024n],
        [-1n, -1n],
      ],
    );
  });
});

describe("a new topic", () => {
  test("a ListOffsets right after CreateTopics answers its offsets, not NOT_LEADER_OR_FOLLOWER", async () => {
    const created = await wire.request(19, 5, {
      topics: [{ name: "fresh", numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5_000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
    const offsets = await wire.request(2, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: "fresh",
          partitions: [
            { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n },
            { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2n },
            { partitionIndex: 2, currentLeaderEpoch: -1, timestamp: -1n },
          ],
        },
      ],
    });
    assert.deepEqual(
      offsets.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset]),
      [
        [0, ErrorCode.NONE, 0n],
        [1, ErrorCode.NONE, 0n],
        [2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ],
    );
    // Later tests count the partitions each broker leads.
    await broker.services.controlPlane.deleteTopic("fresh");
  });
});

describe("DeleteRecords", () => {
  test("moves the log start offset; earlier records are gone for Fetch and ListOffsets", async () => {
    const { controlPlane } = broker.services;
    await controlPlane.createTopic({ name: "trimmed", partitions: 1 });
    await eventually(
      () => broker.services.partitions.byName("trimmed", 0) !== undefined,
      10_000,
      "trimmed-0",
    );
    for (const v of ["a", "b", "c"]) await produce(0, batch([v]), -1, "trimmed");
    const del = (offset: bigint, partitionIndex = 0) =>
      wire.request(21, 2, {
        topics: [{ name: "trimmed", partitions: [{ partitionIndex, offset }] }],
        timeoutMs: 5_000,
      });
    const first = (await del(2n)).topics[0]!.partitions[0]!;
    assert.deepEqual([first.errorCode, first.lowWatermark], [ErrorCode.NONE, 2n]);
    const earliest = await wire.request(2, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        { name: "trimmed", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] },
      ],
    });
    assert.equal(earliest.topics[0]!.partitions[0]!.offset, 2n);
    const fetchAt = (fetchOffset: bigint) => fetchOnce(0, fetchOffset, { topic: "trimmed" });
    const below = (await fetchAt(0n)).responses[0]!.partitions[0]!;
    assert.equal(below.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.deepEqual(values((await fetchAt(2n)).responses[0]!.partitions[0]!.records), ["c"]);
    const backwards = (await del(1n)).topics[0]!.partitions[0]!;
    assert.deepEqual([backwards.errorCode, backwards.lowWatermark], [ErrorCode.NONE, 2n], "never moves back");
    const beyond = (await del(99n)).topics[0]!.partitions[0]!;
    assert.equal(beyond.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    const all = (await del(-1n)).topics[0]!.partitions[0]!;
    assert.deepEqual([all.errorCode, all.lowWatermark], [ErrorCode.NONE, 3n], "-1: up to the high watermark");
    const unknown = (await del(0n, 4)).topics[0]!.partitions[0]!;
    assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await controlPlane.deleteTopic("trimmed");
  });
});

describe("Produce applies the topic's configs", () => {
  test("LogAppendTime stamps the batch, max.message.bytes and the timestamp window refuse, changes apply", async () => {
    const { controlPlane } = broker.services;
    await controlPlane.createTopic({
      name: "stamped",
      partitions: 1,
      configs: { "message.timestamp.type": "LogAppendTime", "max.message.bytes": "200" },
    });
    await eventually(
      () => broker.services.partitions.byName("stamped", 0) !== undefined,
      10_000,
      "stamped-0",
    );
    const before = Date.now();
    const stamped = await produce(0, batch(["a", "b"], 1_000n), -1, "stamped");
    const answer = stamped.responses[0]!.partitionResponses[0]!;
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.ok(answer.logAppendTimeMs >= BigInt(before), "the append time is answered");
    const fetched = await fetchOnce(0, 0n, { topic: "stamped" });
    const records = splitRecordBatches(fetched.responses[0]!.partitions[0]!.records!).flatMap((b) => [
      ...iterateRecords(b),
    ]);
    assert.deepEqual(
      records.map((r) => r.timestamp),
      [answer.logAppendTimeMs, answer.logAppendTimeMs],
      "every record reads the append time",
    );
    const big = await produce(0, batch(["x".repeat(300)]), -1, "stamped");
    assert.equal(big.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.MESSAGE_TOO_LARGE);

    await controlPlane.alterTopicConfigs("stamped", {
      changes: [
        { name: "message.timestamp.type", op: "set", value: "CreateTime" },
        { name: "message.timestamp.before.max.ms", op: "set", value: "3600000" },
        { name: "max.message.bytes", op: "delete", value: null },
      ],
      replace: false,
    });
    // Brokers pick config changes up with their metadata (at most maxAge old while producing).
    await eventually(
      async () => {
        const old = await produce(0, batch(["old"], 1_000n), -1, "stamped");
        return old.responses[0]!.partitionResponses[0]!.errorCode === ErrorCode.INVALID_TIMESTAMP;
      },
      10_000,
      "the timestamp window applies",
    );
    const now = await produce(0, batch(["x".repeat(300)], BigInt(Date.now())), -1, "stamped");
    const ok = now.responses[0]!.partitionResponses[0]!;
    assert.equal(
      ok.errorCode,
      ErrorCode.NONE,
      "max.message.bytes back at its default; a CreateTime record in the window",
    );
    assert.equal(ok.logAppendTimeMs, -1n);
    await controlPlane.deleteTopic("stamped");
  });

  test("compression.type: a named codec stores every batch in it, `producer` stores it as sent", async () => {
    const { controlPlane } = broker.services;
    await controlPlane.createTopic({
      name: "zipped",
      partitions: 1,
      configs: { "compression.type": "gzip" },
    });
    await eventually(() => broker.services.partitions.byName("zipped", 0) !== undefined, 10_000, "zipped-0");
    const stored = async (from: bigint) => {
      const fetched = await fetchOnce(0, from, { topic: "zipped" });
      const [first] = splitRecordBatches(fetched.responses[0]!.partitions[0]!.records!);
      return {
        compression: readRecordBatchHeader(first!).compression,
        values: [...iterateRecords(first!)].map((r) => [r.offset, r.value?.toString()]),
      };
    };
    const sent = batch(["a".repeat(100), "b".repeat(100)]);
    assert.equal(readRecordBatchHeader(sent).compression, Compression.None);
    const first = await produce(0, sent, -1, "zipped");
    assert.equal(first.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    assert.deepEqual(await stored(0n), {
      compression: Compression.Gzip,
      values: [
        [0n, "a".repeat(100)],
        [1n, "b".repeat(100)],
      ],
    });

    await controlPlane.alterTopicConfigs("zipped", {
      changes: [{ name: "compression.type", op: "set", value: "producer" }],
      replace: false,
    });
    await eventually(
      async () => {
        const next = await produce(0, batch(["c"]), -1, "zipped");
        const offset = next.responses[0]!.partitionResponses[0]!.baseOffset;
        return (await stored(offset)).compression === Compression.None;
      },
      10_000,
      "`producer` keeps the producer's codec",
    );
    await controlPlane.deleteTopic("zipped");
  });
});

describe("Metadata", () => {
  test("topic ids, leaders and a controller that is a live broker; auto-creation", async () => {
    const md = await wire.request(3, 12, {
      topics: [{ topicId: "00000000000000000000000000000000", name: "t" }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.equal(md.controllerId, broker.brokerId());
    assert.deepEqual(
      md.brokers.map((b) => [b.nodeId, b.port]),
      [[broker.brokerId(), broker.kafkaPort]],
    );
    const t = md.topics[0]!;
    assert.equal(t.errorCode, ErrorCode.NONE);
    assert.notEqual(t.topicId, "00000000000000000000000000000000");
    assert.deepEqual(
      t.partitions.map((p) => [p.partitionIndex, p.leaderId]),
      [
        [0, broker.brokerId()],
        [1, broker.brokerId()],
      ],
    );
    const want = {
      topics: [{ topicId: "00000000000000000000000000000000", name: "auto-created" }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    };
    const first = await wire.request(3, 12, want);
    assert.ok([ErrorCode.NONE, ErrorCode.LEADER_NOT_AVAILABLE].includes(first.topics[0]!.errorCode as 0));
    await eventually(
      async () => {
        const again = await wire.request(3, 12, want);
        return (
          again.topics[0]!.errorCode === ErrorCode.NONE &&
          again.topics[0]!.partitions[0]?.leaderId === broker.brokerId()
        );
      },
      10_000,
      "auto-created topic led by the broker",
    );
    const refused = await wire.request(3, 12, {
      ...want,
      topics: [{ topicId: want.topics[0]!.topicId, name: "not-created" }],
      allowAutoTopicCreation: false,
    });
    assert.equal(refused.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test("v0–3 (no allowAutoTopicCreation field) auto-create unknown topics, as Kafka does implicitly", async () => {
    for (const version of [0, 1, 3]) {
      const name = `old-client-v${version}`;
      const ask = () => wire.request(3, version, { topics: [{ name }] });
      const first = await ask();
      assert.ok(
        [ErrorCode.NONE, ErrorCode.LEADER_NOT_AVAILABLE].includes(first.topics[0]!.errorCode as 0),
        `v${version}: ${first.topics[0]!.errorCode}`,
      );
      await eventually(
        async () => (await ask()).topics[0]!.partitions[0]?.leaderId === broker.brokerId(),
        10_000,
        `${name} created and led`,
      );
      await broker.services.controlPlane.deleteTopic(name);
    }
  });

  test("never auto-creates an internal topic (its owner creates it with its own partition count)", async () => {
    const ask = {
      topics: [{ topicId: "00000000000000000000000000000000", name: "__transaction_state" }],
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: false,
    };
    const first = await wire.request(3, 12, ask);
    assert.equal(first.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await wire.request(3, 12, ask);
    assert.equal(again.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "still not created");
  });
});

describe("ownership", () => {
  test("partitions led by another broker get NOT_LEADER_OR_FOLLOWER; metadata points at the leader", {
    timeout: 60_000,
  }, async () => {
    const other = await startTestBroker(cp, "data-path-2");
    try {
      await broker.services.controlPlane.createTopic({ name: "spread", partitions: 6 });
      let leaders = new Map<number, number>();
      await eventually(
        async () => {
          const md = await wire.request(3, 12, {
            topics: [{ topicId: "00000000000000000000000000000000", name: "spread" }],
            allowAutoTopicCreation: false,
            includeTopicAuthorizedOperations: false,
          });
          leaders = new Map(md.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId]));
          const both = new Set(leaders.values());
          return leaders.size === 6 && both.has(broker.brokerId()) && both.has(other.brokerId());
        },
        20_000,
        "partitions of spread led by both brokers",
      );
      const foreign = [...leaders].find(([, leader]) => leader === other.brokerId())![0];
      await eventually(
        () => other.services.partitions.byName("spread", foreign) !== undefined,
        10_000,
        "opened on the other broker",
      );
      const refused = await produce(foreign, batch(["x"]), -1, "spread");
      assert.equal(refused.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      const elsewhere = await KafkaWire.connect(other.kafkaPort);
      try {
        const accepted = await elsewhere.request(0, 9, {
          acks: -1,
          timeoutMs: 5_000,
          topicData: [{ name: "spread", partitionData: [{ index: foreign, records: batch(["y"]) }] }],
        });
        assert.equal(accepted.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
      } finally {
        elsewhere.close();
      }
    } finally {
      await other.close();
    }
  });
});
