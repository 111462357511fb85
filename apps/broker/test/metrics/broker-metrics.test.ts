import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BrokerState, brokerStates } from "../../src/cluster/broker-lifecycle.ts";
import { BrokerMetrics } from "../../src/metrics/broker-metrics.ts";
import { LoadMeter } from "../../src/metrics/load-meter.ts";
import { newCheckpointTally } from "../../src/partitions/partition-checkpointer.ts";

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
    compactions: 3,
    objectsDeleted: 5,
    walDurability: "fdatasync",
    cacheBytes: 7,
    objectStoreRequests: { put: 3 },
  }));
  metrics.setLogCleanerStats(() => ({
    passes: 6,
    failures: 1,
    recordsRemoved: 70,
    bytesBefore: 9000,
    bytesAfter: 1000,
  }));
  const text = await metrics.scrape();
  assert.match(text, /^cirrus_broker_log_cleaner_passes_total\{broker="1"\} 6$/m);
  assert.match(text, /^cirrus_broker_log_cleaner_failures_total\{broker="1"\} 1$/m);
  assert.match(text, /^cirrus_broker_log_cleaner_records_removed_total\{broker="1"\} 70$/m);
  assert.match(text, /^cirrus_broker_log_cleaner_bytes_before_total\{broker="1"\} 9000$/m);
  assert.match(text, /^cirrus_broker_log_cleaner_bytes_after_total\{broker="1"\} 1000$/m);
  assert.match(text, /^cirrus_broker_network_in_bytes_total\{broker="1"\} 1234$/m);
  assert.match(text, /^cirrus_broker_network_out_bytes_total\{broker="1"\} 99$/m);
  assert.match(text, /^cirrus_broker_request_duration_seconds_count\{broker="1",api="Produce"\} 1$/m);
  assert.match(text, /^cirrus_broker_wal_used_bytes\{broker="1"\} 10$/m);
  assert.match(text, /^cirrus_broker_wal_space_waits_total\{broker="1"\} 4$/m);
  assert.match(text, /^cirrus_broker_wal_uploads_total\{broker="1"\} 2$/m);
  assert.match(text, /^cirrus_broker_object_compactions_total\{broker="1"\} 3$/m);
  assert.match(text, /^cirrus_broker_objects_deleted_total\{broker="1"\} 5$/m);
  assert.match(text, /^cirrus_broker_wal_durability\{mode="fdatasync",broker="1"\} 1$/m);
  assert.match(text, /^cirrus_broker_wal_durability\{mode="o_dsync",broker="1"\} 0$/m);
  assert.match(text, /^cirrus_broker_object_store_requests\{operation="put",broker="1"\} 3$/m);
});

test("fetch session and checkpoint metrics are read from their sources at each scrape", async () => {
  const metrics = new BrokerMetrics({ broker: "2" });
  const sessions = {
    sessions: 3,
    partitions: 40,
    created: 7,
    refused: 1,
    evicted: 2,
    expired: 2,
    incrementalFetches: 120,
  };
  const tally = newCheckpointTally();
  metrics.setFetchSessionStats(() => sessions);
  metrics.setCheckpointStats(() => tally);
  tally.written = 5;
  tally.writeFailures = 1;
  tally.loadsFromCheckpoint = 4;
  tally.loadsFullScan = 2;
  tally.replayedOffsets = 900;
  const first = await metrics.scrape();
  for (const line of [
    'cirrus_broker_fetch_session_sessions{broker="2"} 3',
    'cirrus_broker_fetch_session_partitions_cached{broker="2"} 40',
    'cirrus_broker_fetch_session_created_total{broker="2"} 7',
    'cirrus_broker_fetch_session_evicted_total{broker="2"} 2',
    'cirrus_broker_fetch_session_expired_total{broker="2"} 2',
    'cirrus_broker_fetch_session_refused_total{broker="2"} 1',
    'cirrus_broker_fetch_session_incremental_fetches_total{broker="2"} 120',
    'cirrus_broker_checkpoint_written_total{broker="2"} 5',
    'cirrus_broker_checkpoint_write_failures_total{broker="2"} 1',
    'cirrus_broker_checkpoint_loads_total{kind="checkpoint",broker="2"} 4',
    'cirrus_broker_checkpoint_loads_total{kind="full_scan",broker="2"} 2',
    'cirrus_broker_checkpoint_replayed_offsets_total{broker="2"} 900',
  ]) {
    assert.ok(first.split("\n").includes(line), `missing: ${line}`);
  }
  assert.match(first, /^# TYPE cirrus_broker_fetch_session_sessions gauge$/m);
  assert.match(first, /^# TYPE cirrus_broker_fetch_session_evicted_total counter$/m);
  assert.match(first, /^# TYPE cirrus_broker_checkpoint_loads_total counter$/m);

  // Sources move on between scrapes: the next exposition shows the new totals, not a sum of readings.
  sessions.sessions = 1;
  sessions.evicted = 3;
  tally.written = 6;
  tally.loadsFullScan = 3;
  const second = await metrics.scrape();
  assert.match(second, /^cirrus_broker_fetch_session_sessions\{broker="2"\} 1$/m);
  assert.match(second, /^cirrus_broker_fetch_session_evicted_total\{broker="2"\} 3$/m);
  assert.match(second, /^cirrus_broker_checkpoint_written_total\{broker="2"\} 6$/m);
  assert.match(second, /^cirrus_broker_checkpoint_loads_total\{kind="full_scan",broker="2"\} 3$/m);
  assert.match(second, /^cirrus_broker_checkpoint_loads_total\{kind="checkpoint",broker="2"\} 4$/m);
});

test("every fetch session, checkpoint, WAL, runtime, lifecycle and hand-off metric is documented in the README", async () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const names = [...(await new BrokerMetrics().scrape()).matchAll(/^# TYPE (\S+)/gm)]
    .map((m) => m[1]!)
    .filter((name) =>
      /^cirrus_broker_(fetch_session_|checkpoint_|wal_write|wal_durability|event_loop|gc_pause|state$|partition_handoff)/.test(
        name,
      ),
    );
  assert.equal(names.length, 17);
  assert.deepEqual(
    names.filter((name) => !readme.includes(`\`${name}`)),
    [],
  );
});

test("the lifecycle state is one-hot over every state, read at scrape time", async () => {
  const metrics = new BrokerMetrics({ broker: "5" });
  assert.doesNotMatch(await metrics.scrape(), /^cirrus_broker_state\{/m, "no series before it is wired");
  let state: string = BrokerState.SERVING;
  metrics.setBrokerState(brokerStates, () => state);
  const serving = await metrics.scrape();
  assert.equal(serving.match(/^cirrus_broker_state\{/gm)?.length, brokerStates.length);
  assert.match(serving, /^cirrus_broker_state\{state="serving",broker="5"\} 1$/m);
  assert.match(serving, /^cirrus_broker_state\{state="fenced",broker="5"\} 0$/m);
  state = BrokerState.RE_REGISTERING;
  const reopening = await metrics.scrape();
  assert.match(reopening, /^cirrus_broker_state\{state="re-registering",broker="5"\} 1$/m);
  assert.match(reopening, /^cirrus_broker_state\{state="serving",broker="5"\} 0$/m);
  metrics.close();
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
  const partition = { topicId: "id-1", partition: 3 };
  meter.addPartition(partition, 800, 0);
  meter.addPartition({ topicId: "id-1", partition: 3 }, 0, 0); // reopened in the window: still one row
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

test("event-loop stalls and GC pauses of this process are exposed, and close() detaches their observers", async () => {
  const metrics = new BrokerMetrics({ broker: "3" });
  try {
    await new Promise((resolve) => setTimeout(resolve, 30)); // some on-time samples first
    const until = performance.now() + 80;
    while (performance.now() < until); // an 80 ms stall
    let kept: number[][] = [];
    for (let i = 0; i < 200; i++) kept.push(new Array(10_000).fill(i)); // ~16 MB: scavenges
    kept = [];
    await new Promise((resolve) => setTimeout(resolve, 30)); // GC entries are delivered asynchronously
    const text = await metrics.scrape();
    const longest = Number(
      /^cirrus_broker_event_loop_delay_seconds\{quantile="1",broker="3"\} (\S+)$/m.exec(text)?.[1],
    );
    assert.ok(longest >= 0.06 && longest < 1, `longest stall ${longest} s for an 80 ms busy loop`);
    const minor = Number(
      /^cirrus_broker_gc_pause_seconds_count\{broker="3",kind="minor"\} (\S+)$/m.exec(text)?.[1],
    );
    assert.ok(minor > 0, `minor GC pauses counted: ${minor}`);
    assert.equal(kept.length, 0);

    metrics.close(); // detached: a longer stall and more garbage are not seen any more
    const later = performance.now() + 200;
    while (performance.now() < later);
    for (let i = 0; i < 200; i++) kept.push(new Array(10_000).fill(i));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const after = await metrics.scrape();
    assert.match(
      after,
      new RegExp(`^cirrus_broker_event_loop_delay_seconds\\{quantile="1",broker="3"\\} ${longest}$`, "m"),
    );
    assert.match(
      after,
      new RegExp(`^cirrus_broker_gc_pause_seconds_count\\{broker="3",kind="minor"\\} ${minor}$`, "m"),
    );
  } finally {
    metrics.close();
  }
});

test("WAL group commit durations are a histogram", async () => {
  const metrics = new BrokerMetrics({ broker: "4" });
  metrics.walWriteSeconds.observe(0.0004);
  metrics.walWriteSeconds.observe(0.03);
  const text = await metrics.scrape();
  metrics.close();
  assert.match(text, /^cirrus_broker_wal_write_seconds_bucket\{broker="4",le="0.0005"\} 1$/m);
  assert.match(text, /^cirrus_broker_wal_write_seconds_bucket\{broker="4",le="0.05"\} 2$/m);
  assert.match(text, /^cirrus_broker_wal_write_seconds_count\{broker="4"\} 2$/m);
});
