// Transactional id expiry (Kafka's transactional.id.expiration.ms, CIRRUS_TRANSACTIONAL_ID_EXPIRATION_MS) with
// kafkajs 2.2.4 against a real broker: once an id has had no transaction for the expiration time, the
// coordinator writes its tombstone and forgets it; the producer that still holds the old producer id is told
// INVALID_PRODUCER_ID_MAPPING on its next transaction, and a new producer with the same id initialises afresh
// and commits, read by a read_committed consumer like the records committed before the expiry.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { bootstrapOf, createTopicViaApi } from "../harness/clients/cluster-topics.ts";
import { waitFor } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";

const TOPIC = "txn-id-expiry";
const EXPIRATION_MS = 2_000;

let cluster: StartedCluster;
let kafka: Kafka;
const closers: (() => Promise<void>)[] = [];

async function transactionalProducer(transactionalId: string): Promise<Producer> {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  closers.push(() => producer.disconnect());
  return producer;
}

describe("transactional id expiry with kafkajs", { timeout: 180_000 }, () => {
  before(async () => {
    cluster = await startCluster({
      brokers: 1,
      env: { CIRRUS_TRANSACTIONAL_ID_EXPIRATION_MS: String(EXPIRATION_MS) },
    });
    kafka = new Kafka({
      clientId: "cirrus-e2e-txn-expiry",
      brokers: bootstrapOf(cluster).split(","),
      logLevel: logLevel.NOTHING,
    });
    await createTopicViaApi(cluster, TOPIC, 1);
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0);
  });

  test("an expired id: the old producer's next transaction is refused, a new producer re-initialises it", async () => {
    const expiring = await transactionalProducer("txn-expiring");
    const first = await expiring.transaction();
    await first.send({ topic: TOPIC, acks: -1, messages: [{ value: "before-expiry" }] });
    await first.commit();

    // Idle well past the expiration and the coordinator's sweep (every second).
    await new Promise((r) => setTimeout(r, EXPIRATION_MS + 3_000));
    const late = await expiring.transaction();
    await assert.rejects(
      async () => {
        await late.send({ topic: TOPIC, acks: -1, messages: [{ value: "with-expired-id" }] });
        await late.commit();
      },
      (error: Error & { type?: string }) => String(error.type) === "INVALID_PRODUCER_ID_MAPPING",
      "the coordinator forgot the id: the old producer id maps to nothing",
    );

    const successor = await transactionalProducer("txn-expiring");
    const next = await successor.transaction();
    await next.send({ topic: TOPIC, acks: -1, messages: [{ value: "after-expiry" }] });
    await next.commit();

    const values: string[] = [];
    const consumer = kafka.consumer({ groupId: `txn-expiry-reader-${Date.now()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    closers.push(() => consumer.disconnect());
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
    await waitFor(
      () => values.includes("after-expiry"),
      30_000,
      "read_committed reads the successor's commit",
    );
    assert.deepEqual(values, ["before-expiry", "after-expiry"]);
  });
});
