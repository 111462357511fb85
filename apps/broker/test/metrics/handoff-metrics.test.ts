// cirrus_broker_partition_handoff_seconds is fed by a real broker: opening a partition times its stream open
// and producer-state load, and closing it (what a move does on the source) times each step of the close.
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
  broker = await startTestBroker(cp, "handoff-metrics");
  await broker.services.controlPlane.createTopic({ name: "handoff", partitions: 1 });
  await eventually(() => broker.services.partitions.byName("handoff", 0) !== undefined, 10_000, "partition");
});

after(async () => {
  await broker?.close();
  await cp?.close();
});

async function counts(): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${broker.adminPort}/metrics`)).text();
  const found = new Map<string, number>();
  for (const m of text.matchAll(
    /^cirrus_broker_partition_handoff_seconds_count\{[^}]*step="([a-z_]+)"[^}]*\} (\S+)$/gm,
  ))
    found.set(m[1]!, Number(m[2]));
  return found;
}

test("a partition's open and close are timed step by step", async () => {
  await eventually(async () => (await counts()).get("open_state") === 1, 10_000, "the producer state loaded");
  assert.equal((await counts()).get("open_stream"), 1);
  const run = await runKcat(broker.bootstrap, ["-P", "-t", "handoff", "-p", "0", "-X", "acks=all"], {
    input: "a\nb\nc\n",
  });
  assert.equal(run.code, 0, run.stderr);
  const partition = broker.services.partitions.byName("handoff", 0)!;
  await broker.services.partitions.closePartition(partition);
  const closed = await counts();
  for (const step of ["close_checkpoint", "close_settle", "close_upload", "close_commit", "close"])
    assert.equal(closed.get(step), 1, `${step} observed once`);
});
