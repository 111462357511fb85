// SASL against a real broker with kafkajs: PLAIN and SCRAM-SHA-256 users can produce and consume, a wrong
// password is refused, and a client that does not authenticate is disconnected before any other API.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import type { BrokerHandle } from "../../src/index.ts";
import { startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";

let cp: TestControlPlane;
let broker: BrokerHandle;

before(async () => {
  cp = await startControlPlane();
  broker = await startTestBroker(cp, "sasl-broker", {
    saslMechanisms: ["PLAIN", "SCRAM-SHA-256"],
    saslUsers: new Map([
      ["alice", "alice-secret"],
      ["bob", "b=b:ob"],
    ]),
  });
});

after(async () => {
  await broker?.close();
  await cp?.close();
});

const client = (sasl?: SASLOptions) =>
  new Kafka({
    clientId: "sasl-test",
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
    ...(sasl ? { sasl } : {}),
  });

test("PLAIN and SCRAM-SHA-256 users produce and consume; bad or missing credentials are refused", {
  timeout: 90_000,
}, async () => {
  const plain = client({ mechanism: "plain", username: "alice", password: "alice-secret" });
  const admin = plain.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "secured", numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = plain.producer();
  await producer.connect();
  await producer.send({ topic: "secured", messages: [{ value: "one" }, { value: "two" }] });
  await producer.disconnect();

  const scram = client({ mechanism: "scram-sha-256", username: "bob", password: "b=b:ob" });
  const consumer = scram.consumer({ groupId: "secured-readers" });
  await consumer.connect();
  await consumer.subscribe({ topic: "secured", fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${values}`)), 30_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (values.length === 2) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  assert.deepEqual(values, ["one", "two"]);

  const wrong = client({ mechanism: "plain", username: "alice", password: "nope" }).admin();
  await assert.rejects(wrong.connect(), (e: Error) => /SASL|authentication/i.test(`${e.name} ${e.message}`));
  const wrongScram = client({ mechanism: "scram-sha-256", username: "bob", password: "nope" }).admin();
  await assert.rejects(wrongScram.connect(), (e: Error) =>
    /SASL|authentication|scram/i.test(`${e.name} ${e.message}`),
  );
  const anonymous = client().admin();
  await assert.rejects(async () => {
    await anonymous.connect();
    await anonymous.listTopics();
  }, "a client without SASL is disconnected at its first non-SASL request");
  await anonymous.disconnect().catch(() => {});
});
