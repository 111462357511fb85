// Retention in a running broker (real control plane, file object store), checked every 200 ms: a topic with
// retention.ms loses its old batches (ListOffsets earliest moves past them, a fetch below gets
// OFFSET_OUT_OF_RANGE, the new ones still read); a topic without configs takes Kafka's 7-day default; a topic
// with retention.ms=-1 or cleanup.policy=compact keeps everything.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ErrorCode, encodeRecordBatch, iterateRecords, splitRecordBatches } from "@cirrus/kafka-protocol";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { fetchOneBody, KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;
let wire: KafkaWire;
const DAY = 86_400_000;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "retention", { logRetentionCheckIntervalMs: 200 });
  wire = await KafkaWire.connect(broker.kafkaPort);
});

after(async () => {
  wire?.close();
  await broker?.close();
  await cp?.close();
});

async function topic(name: string, configs: Record<string, string>) {
  await broker.services.controlPlane.createTopic({ name, partitions: 1, configs });
  await eventually(() => broker.services.partitions.byName(name, 0) !== undefined, 10_000, name);
}

async function produce(name: string, value: string, timestamp: number) {
  const records = encodeRecordBatch({
    baseTimestamp: BigInt(timestamp),
    // Keyed: a compacted topic refuses records without a key (INVALID_RECORD, as Kafka does).
    records: [{ key: value, value, timestamp: BigInt(timestamp) }],
  });
  const response = await wire.request(0, 9, {
    acks: -1,
    timeoutMs: 5_000,
    topicData: [{ name, partitionData: [{ index: 0, records }] }],
  });
  assert.equal(response.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
}

async function earliest(name: string): Promise<bigint> {
  const response = await wire.request(2, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }],
  });
  return response.topics[0]!.partitions[0]!.offset;
}

async function fetchAt(name: string, fetchOffset: bigint) {
  const response = await wire.request(1, 12, fetchOneBody(name, 0, fetchOffset));
  const partition = response.responses[0]!.partitions[0]!;
  const values: string[] = [];
  if (partition.records) {
    for (const b of splitRecordBatches(partition.records))
      for (const r of iterateRecords(b)) values.push(r.value?.toString() ?? "");
  }
  return { errorCode: partition.errorCode, values };
}

describe("retention in a running broker", () => {
  test("old batches leave the log after a check; new ones and unlimited topics stay", async () => {
    const now = Date.now();
    await topic("short", { "retention.ms": "60000" });
    await topic("defaults", {});
    await topic("forever", { "retention.ms": "-1" });
    await topic("compacted", { "cleanup.policy": "compact", "retention.ms": "1000" });
    for (const name of ["short", "defaults", "forever", "compacted"]) {
      await produce(name, "old-0", now - 8 * DAY);
      await produce(name, "old-1", now - 8 * DAY);
    }
    for (const name of ["short", "defaults", "forever", "compacted"]) await produce(name, "new", Date.now());

    await eventually(async () => (await earliest("short")) === 2n, 10_000, "retention of short");
    await eventually(async () => (await earliest("defaults")) === 2n, 10_000, "7-day default of defaults");
    const below = await fetchAt("short", 0n);
    assert.equal(below.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.deepEqual((await fetchAt("short", 2n)).values, ["new"]);
    // Several more rounds pass; the unlimited and compact-only topics keep their old records.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const name of ["forever", "compacted"]) {
      assert.equal(await earliest(name), 0n, name);
      assert.deepEqual((await fetchAt(name, 0n)).values, ["old-0", "old-1", "new"], name);
    }
  });
});
