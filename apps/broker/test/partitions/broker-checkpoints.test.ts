// Partition checkpoints in a whole broker (real control plane, file object store, kafkajs): a graceful
// shutdown leaves a checkpoint at each partition's end under objects/checkpoints/<streamId>/, and the broker
// started again answers ListOffsets by timestamp and MAX_TIMESTAMP from it.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";

let cp: TestControlPlane;
before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  await cp?.close();
});

/** Offsets of the stored checkpoints, by stream id. */
async function storedCheckpoints(): Promise<Map<string, number[]>> {
  const root = join(cp.dataDir, "objects", "checkpoints");
  const found = new Map<string, number[]>();
  for (const stream of await readdir(root).catch(() => [])) {
    found.set(
      stream,
      (await readdir(join(root, stream))).map(Number).sort((a, b) => a - b),
    );
  }
  return found;
}

/** The value of the first sample whose line starts with `prefix` (a name, or a name and leading labels). */
function metricValue(exposition: string, prefix: string): number {
  const line = exposition
    .split("\n")
    .find((l) => l.startsWith(prefix) && /[{ ,}]/.test(l[prefix.length] ?? ""));
  assert.ok(line, `${prefix} is exposed`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

test("graceful shutdown writes final checkpoints; the restarted broker answers ListOffsets from them", {
  timeout: 60_000,
}, async () => {
  let broker = await startTestBroker(cp, "ckpt");
  const kafka = () =>
    new Kafka({ clientId: "ckpt", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "ckpt", numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const t0 = Date.now() - 60_000;
  for (let batch = 0; batch < 3; batch++) {
    const messages = Array.from({ length: 10 }, (_, i) => ({
      value: `b${batch}-${i}`,
      timestamp: String(t0 + batch * 1000),
    }));
    await producer.send({ topic: "ckpt", acks: -1, messages });
  }
  await producer.disconnect();
  await broker.close();
  const written = metricValue(
    await broker.services.metrics.scrape(),
    "cirrus_broker_checkpoint_written_total",
  );
  assert.ok(written >= 1, `the final checkpoint is counted (written_total ${written})`);

  const stored = [...(await storedCheckpoints()).values()];
  assert.ok(
    stored.some((offsets) => offsets.at(-1) === 30),
    `a checkpoint at offset 30 (the partition's end): ${JSON.stringify(stored)}`,
  );

  broker = await startTestBroker(cp, "ckpt");
  try {
    const partition = broker.services.partitions.byName("ckpt", 0);
    assert.ok(partition, "the restarted broker serves the partition");
    await partition.checkpoints.ready();
    assert.deepEqual(
      { from: partition.checkpoints.stats.loadedFrom, replayed: partition.checkpoints.stats.replayedOffsets },
      { from: 30, replayed: 0 },
    );
    const exposition = await broker.services.metrics.scrape();
    assert.deepEqual(
      {
        fromCheckpoint: metricValue(exposition, 'cirrus_broker_checkpoint_loads_total{kind="checkpoint"'),
        replayed: metricValue(exposition, "cirrus_broker_checkpoint_replayed_offsets_total"),
      },
      { fromCheckpoint: 1, replayed: 0 },
    );
    const again = kafka().admin();
    await again.connect();
    const [second] = await again.fetchTopicOffsetsByTimestamp("ckpt", t0 + 500);
    assert.equal(second?.offset, "10");
    const [none] = await again.fetchTopicOffsetsByTimestamp("ckpt", t0 + 5000);
    assert.equal(none?.offset, "30", "no batch that late: the answer is the end (kafkajs maps -1 to latest)");
    await again.disconnect();
  } finally {
    await broker.close();
  }
});
