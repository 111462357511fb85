import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokerMetrics } from "../../src/metrics/broker-metrics.ts";
import { LoadMeter } from "../../src/metrics/load-meter.ts";

test("the autoscaler's counters and the storage gauges appear in the exposition", async () => {
  const metrics = new BrokerMetrics({ broker: "1" });
  metrics.networkIn.inc(1234);
  metrics.networkOut.inc(99);
  metrics.requestSeconds.observe({ api: "Produce" }, 0.003);
  metrics.setStorageStats(() => ({
    walBytes: 10,
    walCapacityBytes: 100,
    walSpaceWaits: 4,
    uploads: 2,
    cacheBytes: 7,
    objectStoreRequests: { put: 3 },
  }));
  const text = await metrics.scrape();
  assert.match(text, /^cirrus_broker_network_in_bytes_total\{broker="1"\} 1234$/m);
  assert.match(text, /^cirrus_broker_network_out_bytes_total\{broker="1"\} 99$/m);
  assert.match(text, /^cirrus_broker_request_duration_seconds_count\{broker="1",api="Produce"\} 1$/m);
  assert.match(text, /^cirrus_broker_wal_used_bytes\{broker="1"\} 10$/m);
  assert.match(text, /^cirrus_broker_wal_space_waits_total\{broker="1"\} 4$/m);
  assert.match(text, /^cirrus_broker_wal_uploads_total\{broker="1"\} 2$/m);
  assert.match(text, /^cirrus_broker_object_store_requests\{operation="put",broker="1"\} 3$/m);
});

test("two brokers in one process keep separate registries", async () => {
  const a = new BrokerMetrics();
  const b = new BrokerMetrics();
  a.networkIn.inc(5);
  assert.match(await b.scrape(), /^cirrus_broker_network_in_bytes_total 0$/m);
});

test("the load meter turns byte totals into per-second rates and resets each sample", () => {
  let now = 0;
  const meter = new LoadMeter(() => now);
  meter.addNetwork(1000, 500);
  meter.addPartition("id-1", 3, 800, 0);
  now = 2000;
  const sample = meter.sample();
  assert.equal(sample.bytesInPerSec, 500);
  assert.equal(sample.bytesOutPerSec, 250);
  assert.deepEqual(sample.partitions, [
    { topicId: "id-1", partition: 3, bytesInPerSec: 400, bytesOutPerSec: 0 },
  ]);
  now = 3000;
  assert.deepEqual(meter.sample(), { bytesInPerSec: 0, bytesOutPerSec: 0, partitions: [] });
});
