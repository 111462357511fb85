// The metrics that say where a produce latency tail comes from are fed by a real broker: records produced with
// kcat (acks=all) show up as WAL group commits, the WAL's durability mode is exposed, and the event-loop delay
// and GC pause series are there for an operator to read next to the request histograms.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { runKcat } from "../helpers/kcat.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "latency-sources");
  await broker.services.controlPlane.createTopic({ name: "latency", partitions: 1 });
  await eventually(() => broker.services.partitions.byName("latency", 0) !== undefined, 10_000, "partition");
});

after(async () => {
  await broker?.close();
  await cp?.close();
});

async function exposition(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${broker.adminPort}/metrics`)).text();
}

function value(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  assert.ok(match, `${pattern} is exposed`);
  return Number(match[1]);
}

test("acks=all produces are WAL group commits in cirrus_broker_wal_write_seconds", {
  timeout: 60_000,
}, async () => {
  const before = value(await exposition(), /^cirrus_broker_wal_write_seconds_count\{[^}]*\} (\S+)$/m);
  const lines = Array.from({ length: 50 }, (_, i) => `record-${i}`).join("\n");
  const run = await runKcat(broker.bootstrap, ["-P", "-t", "latency", "-p", "0", "-X", "acks=all"], {
    input: `${lines}\n`,
  });
  assert.equal(run.code, 0, run.stderr);
  const text = await exposition();
  const commits = value(text, /^cirrus_broker_wal_write_seconds_count\{[^}]*\} (\S+)$/m) - before;
  assert.ok(commits >= 1, `group commits for 50 acked records: ${commits}`);
  const seconds = value(text, /^cirrus_broker_wal_write_seconds_sum\{[^}]*\} (\S+)$/m);
  assert.ok(seconds > 0 && seconds < 60, `time spent in group commits: ${seconds} s`);
});

test("the WAL durability mode is exposed as exactly one mode", async () => {
  const text = await exposition();
  const dsync = value(text, /^cirrus_broker_wal_durability\{mode="o_dsync"[^}]*\} (\S+)$/m);
  const fdatasync = value(text, /^cirrus_broker_wal_durability\{mode="fdatasync"[^}]*\} (\S+)$/m);
  assert.equal(dsync + fdatasync, 1);
});

test("event-loop delay quantiles and GC pause histograms are exposed", async () => {
  await new Promise((resolve) => setTimeout(resolve, 50)); // a few delay samples since the last scrape
  const text = await exposition();
  const longest = value(text, /^cirrus_broker_event_loop_delay_seconds\{quantile="1"[^}]*\} (\S+)$/m);
  assert.ok(longest >= 0 && longest < 10, `longest stall ${longest} s`);
  assert.match(text, /^cirrus_broker_gc_pause_seconds_count\{[^}]*kind="major"[^}]*\} \d+$/m);
});
