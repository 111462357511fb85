// Fetch sessions (KIP-227) over a real socket against a real broker: full → incremental → forget → epoch
// errors, topic-id sessions, long polls inside a session, and sessions used from another connection.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ErrorCode, encodeRecordBatch, iterateRecords, splitRecordBatches } from "@cirrus/kafka-protocol";
import { handleFetch } from "../../src/handlers/fetch.ts";
import type { RequestContext } from "../../src/handlers/handler.ts";
import { toWireTopicId } from "../../src/handlers/topic-ids.ts";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;
let wire: KafkaWire;
let topicId: string;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "fetch-sessions");
  await broker.services.controlPlane.createTopic({ name: "s", partitions: 3 });
  await eventually(() => broker.services.partitions.byName("s", 2) !== undefined, 10_000, "partitions of s");
  topicId = toWireTopicId(broker.services.partitions.byName("s", 0)!.topicId);
  wire = await KafkaWire.connect(broker.kafkaPort);
});

after(async () => {
  wire?.close();
  await broker?.close();
  await cp?.close();
});

async function produce(partition: number, ...values: string[]): Promise<void> {
  const response = await wire.request(0, 9, {
    acks: -1,
    timeoutMs: 5_000,
    topicData: [
      {
        name: "s",
        partitionData: [
          { index: partition, records: encodeRecordBatch({ records: values.map((value) => ({ value })) }) },
        ],
      },
    ],
  });
  assert.equal(response.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
}

interface FetchArgs {
  sessionId: number;
  epoch: number;
  partitions?: [number, number][];
  forget?: number[];
  maxWaitMs?: number;
  version?: number;
  on?: KafkaWire;
}

function fetch(args: FetchArgs) {
  const version = args.version ?? 12;
  const byId = version >= 13;
  const partitions = args.partitions ?? [];
  return (args.on ?? wire).request(
    1,
    version,
    {
      maxWaitMs: args.maxWaitMs ?? 0,
      minBytes: args.maxWaitMs ? 1 : 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: args.sessionId,
      sessionEpoch: args.epoch,
      topics:
        partitions.length === 0
          ? []
          : [
              {
                topic: byId ? "" : "s",
                topicId,
                partitions: partitions.map(([partition, offset]) => ({
                  partition,
                  fetchOffset: BigInt(offset),
                  partitionMaxBytes: 1 << 20,
                })),
              },
            ],
      forgottenTopicsData: args.forget ? [{ topic: byId ? "" : "s", topicId, partitions: args.forget }] : [],
      rackId: "",
    },
    15_000,
  );
}

type FetchAnswer = Awaited<ReturnType<typeof fetch>>;

/** partition → values, for the partitions the answer lists. */
function listed(answer: FetchAnswer): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const topic of answer.responses) {
    for (const p of topic.partitions) {
      const values = p.records
        ? splitRecordBatches(p.records).flatMap((b) => [...iterateRecords(b)].map((r) => r.value!.toString()))
        : [];
      out.set(p.partitionIndex, values);
    }
  }
  return out;
}

describe("fetch sessions on the wire", () => {
  test("full → incremental → forget → epoch and session-id errors", async () => {
    await produce(0, "a0", "a1");
    await produce(1, "b0");

    const full = await fetch({
      sessionId: 0,
      epoch: 0,
      partitions: [
        [0, 0],
        [1, 0],
        [2, 0],
      ],
    });
    assert.equal(full.errorCode, ErrorCode.NONE);
    const id = full.sessionId;
    assert.ok(id > 0, "a session was created");
    assert.deepEqual(
      [...listed(full)],
      [
        [0, ["a0", "a1"]],
        [1, ["b0"]],
        [2, []],
      ],
    );

    // The client moves its offsets past what it read: nothing new anywhere, so nothing is listed.
    const caughtUp = await fetch({
      sessionId: id,
      epoch: 1,
      partitions: [
        [0, 2],
        [1, 1],
      ],
    });
    assert.equal(caughtUp.errorCode, ErrorCode.NONE);
    assert.equal(caughtUp.sessionId, id);
    assert.deepEqual([...listed(caughtUp)], []);

    // New data on partition 2, which the request does not list: the session still reads it.
    await produce(2, "c0");
    const news = await fetch({ sessionId: id, epoch: 2 });
    assert.deepEqual([...listed(news)], [[2, ["c0"]]]);

    // Forget partition 2; data on it and on 0 arrives: only 0 is listed.
    await produce(2, "c1");
    await produce(0, "a2");
    const forgot = await fetch({ sessionId: id, epoch: 3, partitions: [[2, 1]], forget: [2] });
    assert.deepEqual([...listed(forgot)], [[0, ["a2"]]]);
    assert.equal(broker.services.fetchSessions.get(id)?.size, 2);

    // The same epoch again: refused, and the session is not disturbed.
    const duplicate = await fetch({ sessionId: id, epoch: 3 });
    assert.equal(duplicate.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    assert.equal(duplicate.sessionId, 0);
    assert.deepEqual(duplicate.responses, []);
    const next = await fetch({ sessionId: id, epoch: 4, partitions: [[0, 3]] });
    assert.equal(next.errorCode, ErrorCode.NONE);

    const unknown = await fetch({ sessionId: id + 1, epoch: 1 });
    assert.equal(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);

    // Epoch -1 naming the session closes it: a later incremental fetch no longer finds it.
    const closing = await fetch({ sessionId: id, epoch: -1, partitions: [[0, 3]] });
    assert.equal(closing.sessionId, 0);
    assert.equal((await fetch({ sessionId: id, epoch: 5 })).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  test("an incremental fetch long-polls on every partition of its session; another connection may use it", async () => {
    const hw = broker.services.partitions.byName("s", 0)!.highWatermark;
    const full = await fetch({ sessionId: 0, epoch: 0, partitions: [[0, hw]], version: 13 });
    assert.deepEqual([...listed(full)], [[0, []]]);
    assert.equal(full.responses[0]!.partitions[0]!.highWatermark, BigInt(hw));
    const id = full.sessionId;
    assert.ok(id > 0);

    const other = await KafkaWire.connect(broker.kafkaPort);
    try {
      const started = performance.now();
      const pending = fetch({ sessionId: id, epoch: 1, maxWaitMs: 5_000, version: 13, on: other });
      setTimeout(() => void produce(0, "late"), 200);
      const woke = await pending;
      assert.ok(performance.now() - started < 4_000, "woken by the append, not the timeout");
      assert.deepEqual([...listed(woke)], [[0, ["late"]]]);
      assert.equal(woke.responses[0]!.topicId, topicId);

      // a v13 (topic-id) session used by a v12 (topic-name) request
      const mixed = await fetch({ sessionId: id, epoch: 2, version: 12, on: other });
      assert.equal(mixed.errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    } finally {
      other.close();
    }
  });

  test("Fetch below v7 and epoch -1 keep no session", async () => {
    const before = broker.services.fetchSessions.stats().created;
    const v4 = await fetch({ sessionId: 0, epoch: 0, partitions: [[0, 0]], version: 4 });
    assert.equal(listed(v4).get(0)?.[0], "a0");
    const sessionless = await fetch({ sessionId: 0, epoch: -1, partitions: [[0, 0]] });
    assert.equal(sessionless.sessionId, 0);
    assert.equal(broker.services.fetchSessions.stats().created, before);
  });

  test("the answer carries the partition's stored batches themselves (no copy into one records Buffer)", async () => {
    await produce(1, "z0");
    await produce(1, "z1");
    const partition = broker.services.partitions.byName("s", 1)!;
    const stored = await partition.read(0, 1 << 20);
    assert.ok(stored.chunks.length >= 3, "several stored batches");
    const context: RequestContext = {
      apiKey: 1,
      apiVersion: 12,
      correlationId: 1,
      clientId: "direct",
      connection: { id: -1, remoteAddress: "direct", closed: new AbortController().signal },
      services: broker.services,
      receivedAt: performance.now(),
    };
    const request = {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: "s",
          topicId,
          partitions: [
            {
              partition: 1,
              currentLeaderEpoch: -1,
              fetchOffset: 0n,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: 1 << 20,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: "",
    };
    const answer = (await handleFetch(request, context)) as {
      responses: { partitions: { records: readonly Buffer[] }[] }[];
    };
    const records = answer.responses[0]!.partitions[0]!.records;
    assert.ok(Array.isArray(records));
    assert.equal(records.length, stored.chunks.length);
    records.forEach((chunk, i) => {
      assert.equal(chunk.buffer, stored.chunks[i]!.buffer, `batch ${i} is the stored memory`);
      assert.equal(chunk.byteOffset, stored.chunks[i]!.byteOffset);
    });
  });
});
