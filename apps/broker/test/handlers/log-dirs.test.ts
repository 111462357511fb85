// DescribeLogDirs and AlterReplicaLogDirs over a real socket against a real broker (real control plane, real
// storage): the broker's one log dir is its data folder, it lists the partitions this broker leads with their
// sizes, and a replica may be "moved" only into that dir (what Kafka 4's kafka-reassign-partitions needs; with
// the tool itself: e2e/test/kafka4-tools.test.ts).
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { ErrorCode, encodeRecordBatch } from "@cirrus/kafka-protocol";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;
let wire: KafkaWire;
/** Bytes of the batches produced to ld-0. */
let producedBytes = 0;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "log-dirs");
  await broker.services.controlPlane.createTopic({ name: "ld", partitions: 2 });
  await broker.services.controlPlane.createTopic({ name: "ab", partitions: 1 });
  await eventually(
    () =>
      broker.services.partitions.byName("ld", 1) !== undefined &&
      broker.services.partitions.byName("ab", 0) !== undefined,
    10_000,
    "partitions of ld and ab",
  );
  wire = await KafkaWire.connect(broker.kafkaPort);
  for (const values of [["a", "b"], ["c"], ["d", "e", "f"]]) {
    const records = encodeRecordBatch({
      baseTimestamp: 1_000n,
      records: values.map((value, i) => ({ value, timestamp: 1_000n + BigInt(i) })),
    });
    producedBytes += records.length;
    const answer = await wire.request(0, 9, {
      acks: -1,
      timeoutMs: 5_000,
      topicData: [{ name: "ld", partitionData: [{ index: 0, records }] }],
    });
    assert.equal(answer.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  }
});

after(async () => {
  wire?.close();
  await broker?.close();
  await cp?.close();
});

describe("DescribeLogDirs", () => {
  test("v4 names the broker's data folder and every partition it leads, sized by the bytes produced", async () => {
    const answer = await wire.request(35, 4, { topics: null });
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.equal(answer.results.length, 1);
    const dir = answer.results[0]!;
    assert.equal(dir.errorCode, ErrorCode.NONE);
    assert.equal(dir.logDir, resolve(broker.services.config.dataDir));
    assert.equal(dir.totalBytes, -1n);
    assert.equal(dir.usableBytes, -1n);
    assert.deepEqual(
      dir.topics.map((t) => [
        t.name,
        t.partitions.map((p) => [p.partitionIndex, p.partitionSize, p.offsetLag, p.isFutureKey]),
      ]),
      [
        ["ab", [[0, 0n, 0n, false]]],
        [
          "ld",
          [
            [0, BigInt(producedBytes), 0n, false],
            [1, 0n, 0n, false],
          ],
        ],
      ],
    );
  });

  test("v1 (not flexible) answers only the partitions asked that this broker leads", async () => {
    const answer = await wire.request(35, 1, {
      topics: [
        { topic: "ld", partitions: [1, 9] },
        { topic: "unknown", partitions: [0] },
      ],
    });
    assert.deepEqual(
      answer.results.map((r) => [
        r.logDir,
        r.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
      ]),
      [[resolve(broker.services.config.dataDir), [["ld", [1]]]]],
    );
  });
});

describe("AlterReplicaLogDirs", () => {
  test("a replica asked into the broker's own dir is there (NONE); any other dir is LOG_DIR_NOT_FOUND", async () => {
    for (const version of [1, 2]) {
      const answer = await wire.request(34, version, {
        dirs: [
          {
            path: resolve(broker.services.config.dataDir),
            topics: [
              { name: "ld", partitions: [0, 1] },
              { name: "not-here-yet", partitions: [3] },
            ],
          },
          { path: "/elsewhere", topics: [{ name: "ab", partitions: [0] }] },
        ],
      });
      assert.deepEqual(
        answer.results.map((t) => [t.topicName, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]),
        [
          [
            "ld",
            [
              [0, ErrorCode.NONE],
              [1, ErrorCode.NONE],
            ],
          ],
          ["not-here-yet", [[3, ErrorCode.NONE]]],
          ["ab", [[0, ErrorCode.LOG_DIR_NOT_FOUND]]],
        ],
        `v${version}`,
      );
    }
  });
});
