// Invariant 1 across process deaths: a broker killed with SIGKILL while producers are writing loses no
// acknowledged record once it is started again on the same WAL; SIGTERM hands everything back in seconds.
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, test } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { type ClusterAccess, testBrokerConfig } from "../helpers/broker-fixture.ts";
import { type BrokerProcess, spawnBroker } from "../helpers/broker-process.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";

// One cluster per test: a broker that just exited stays in its cluster's metadata until its lease expires
// (there is no deregistration call yet), and clients of the next test would try to reach it.
let cp: TestControlPlane;
let cluster: ClusterAccess;
const running: BrokerProcess[] = [];

before(async () => {
  cp = await startControlPlane({ leaseMs: 2_000 });
});

beforeEach(async () => {
  cluster = await cp.newCluster(`cluster-${running.length}-${Date.now()}`);
});

afterEach(() => {
  for (const b of running.splice(0)) b.child.kill("SIGKILL");
});

after(async () => {
  await cp?.close();
});

function config(name: string) {
  return testBrokerConfig(cluster, name, { kafkaPort: 0, adminPort: 0 });
}

async function start(name: string): Promise<BrokerProcess> {
  const broker = await spawnBroker(config(name));
  running.push(broker);
  return broker;
}

/** Consumes the topic from the beginning until every expected value was seen (or the timeout). */
async function consumeAll(
  bootstrap: string,
  topic: string,
  expected: readonly string[],
  timeoutMs = 30_000,
): Promise<Set<string>> {
  const missing = new Set(expected);
  const kafka = new Kafka({ clientId: "check", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `check-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set<string>();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value!.toString();
        seen.add(value);
        missing.delete(value);
        if (missing.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

test("kill -9 while producing, restart on the same WAL: every acked record is there", {
  timeout: 120_000,
}, async () => {
  let broker = await start("crashy");
  const kafka = new Kafka({
    clientId: "p",
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "crash", numPartitions: 4 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const acked: string[] = [];
  let next = 0;
  let killed = false;
  const writers = Array.from({ length: 4 }, async () => {
    while (!killed) {
      const values = Array.from({ length: 50 }, () => `r${next++}`);
      try {
        await producer.send({
          topic: "crash",
          acks: -1,
          messages: values.map((value) => ({ key: value, value })),
        });
        acked.push(...values);
      } catch {
        return; // the broker died under this request: not acked
      }
    }
  });
  while (acked.length < 3_000) await new Promise((resolve) => setTimeout(resolve, 10));
  broker.child.kill("SIGKILL");
  killed = true;
  assert.equal(await broker.exited, "SIGKILL");
  await Promise.all(writers);
  await producer.disconnect().catch(() => {});
  const ackedCount = acked.length;

  broker = await start("crashy");
  const seen = await consumeAll(broker.bootstrap, "crash", acked);
  const lost = acked.filter((v) => !seen.has(v));
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${ackedCount} acked records lost`);
  assert.ok(ackedCount >= 3_000);
  broker.child.kill("SIGTERM");
  assert.equal(await broker.exited, 0);
});

test("SIGTERM stops taking writes, uploads the tail and exits within seconds; a restart finds the data", {
  timeout: 60_000,
}, async () => {
  let broker = await start("graceful");
  const kafka = new Kafka({ clientId: "g", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "graceful", numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const values = Array.from({ length: 500 }, (_, i) => `g${i}`);
  await producer.send({ topic: "graceful", acks: -1, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
  const started = performance.now();
  broker.child.kill("SIGTERM");
  assert.equal(await broker.exited, 0);
  const stopMs = performance.now() - started;
  assert.ok(stopMs < 5_000, `stopped in ${Math.round(stopMs)} ms`);
  assert.match(broker.stderr(), /stopped in \d+ ms/);

  broker = await start("graceful");
  const seen = await consumeAll(broker.bootstrap, "graceful", values);
  assert.equal(seen.size, values.length);
  broker.child.kill("SIGTERM");
  assert.equal(await broker.exited, 0);
});
