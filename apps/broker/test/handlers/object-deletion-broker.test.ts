// Bytes freed in a running cluster: two brokers on the real control plane and the file object store, each
// running s3stream's object compactor every 200 ms with a 1.5 s grace period. Records trimmed by DeleteRecords
// leave the object index; once the grace period has passed, the trimmed object's file is gone from the object
// store, the object still referenced stays, the records above the new log start still read, and only the broker
// the control plane names controller deleted anything.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ErrorCode, encodeRecordBatch, iterateRecords, splitRecordBatches } from "@cirrus/kafka-protocol";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
const brokers: BrokerHandle[] = [];
const wires: KafkaWire[] = [];
const GRACE_MS = 1_500;

before(async () => {
  cp = await startControlPlane();
  for (const name of ["deleter-a", "deleter-b"]) {
    const broker = await startTestBroker(cp, name, {
      objectCompactionIntervalMs: 200,
      objectDeleteGracePeriodMs: GRACE_MS,
    });
    brokers.push(broker);
    wires.push(await KafkaWire.connect(broker.kafkaPort));
  }
});

after(async () => {
  // No partition left to move when a broker leaves: the control plane would wait for the other to take it.
  for (const topic of ["freed", "kept"])
    await brokers[0]?.services.controlPlane.deleteTopic(topic).catch(() => {});
  for (const wire of wires) wire.close();
  for (const broker of brokers) await broker.close();
  await cp?.close();
});

/** Object files of s3stream in the cluster's object store (keys relative to its root). */
async function objectFiles(): Promise<Set<string>> {
  const root = join(cp.dataDir, "objects");
  const entries = await readdir(join(root, "s3stream"), { recursive: true, withFileTypes: true }).catch(
    () => [],
  );
  return new Set(entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length)));
}

async function leaderOf(topic: string): Promise<number> {
  await brokers[0]!.services.controlPlane.createTopic({ name: topic, partitions: 1 });
  let index = -1;
  await eventually(
    () => {
      index = brokers.findIndex((b) => b.services.partitions.byName(topic, 0) !== undefined);
      return index >= 0;
    },
    10_000,
    topic,
  );
  return index;
}

async function produce(wire: KafkaWire, topic: string, values: string[]): Promise<void> {
  for (const value of values) {
    const response = await wire.request(0, 9, {
      acks: -1,
      timeoutMs: 5_000,
      topicData: [
        { name: topic, partitionData: [{ index: 0, records: encodeRecordBatch({ records: [{ value }] }) }] },
      ],
    });
    assert.equal(response.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
  }
}

async function values(wire: KafkaWire, topic: string, fetchOffset: bigint): Promise<string[]> {
  const response = await wire.request(1, 12, {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 22,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, fetchOffset, partitionMaxBytes: 1 << 22 }] }],
    forgottenTopicsData: [],
    rackId: "",
  });
  const partition = response.responses[0]!.partitions[0]!;
  assert.equal(partition.errorCode, ErrorCode.NONE);
  const out: string[] = [];
  for (const b of splitRecordBatches(partition.records ?? Buffer.alloc(0)))
    for (const r of iterateRecords(b)) out.push(r.value?.toString() ?? "");
  return out;
}

describe("unreferenced objects in a running cluster", () => {
  test("the trimmed object's bytes are deleted after the grace period, by the controller only", async () => {
    const trimmed = await leaderOf("freed");
    const kept = await leaderOf("kept");
    const payload = (i: number) => `${i}:${"x".repeat(4000)}`;
    const old = Array.from({ length: 10 }, (_, i) => payload(i));

    await produce(wires[trimmed]!, "freed", old);
    const before = await objectFiles();
    await brokers[trimmed]!.storage()!.flush();
    const first = [...(await objectFiles())].filter((k) => !before.has(k));
    assert.equal(first.length, 1, "the old records went to one object of their own");

    const del = await wires[trimmed]!.request(21, 2, {
      topics: [{ name: "freed", partitions: [{ partitionIndex: 0, offset: 10n }] }],
      timeoutMs: 5_000,
    });
    assert.deepEqual(del.topics[0]!.partitions[0]!.lowWatermark, 10n);
    await produce(wires[kept]!, "kept", ["k0", "k1"]);
    await produce(wires[trimmed]!, "freed", ["new0", "new1"]);
    const flushedBefore = await objectFiles();
    for (const broker of brokers) await broker.storage()!.flush();
    const live = [...(await objectFiles())].filter((k) => !flushedBefore.has(k));
    assert.ok(live.length >= 1, "the new records were uploaded");
    assert.ok((await objectFiles()).has(first[0]!), "still there within the grace period");

    await eventually(async () => !(await objectFiles()).has(first[0]!), 15_000, "the trimmed object deleted");
    // Several more compaction rounds: what is still referenced stays.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const now = await objectFiles();
    for (const key of live) assert.ok(now.has(key), `${key} is still referenced and stays`);
    assert.deepEqual(await values(wires[trimmed]!, "freed", 10n), ["new0", "new1"]);
    assert.deepEqual(await values(wires[kept]!, "kept", 0n), ["k0", "k1"]);

    const metadata = await brokers[0]!.services.metadata(true);
    const deleted = brokers.map((b) => b.storage()!.stats().objectsDeleted);
    const controller = brokers.findIndex((b) => b.brokerId() === metadata.controllerBrokerId);
    assert.ok(controller >= 0, "one of the two is the controller");
    assert.ok(deleted[controller]! >= 1, "the controller deleted");
    assert.equal(deleted[1 - controller], 0, "the other broker deleted nothing");
  });
});
