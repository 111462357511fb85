// kafkajs 2.2.4 as a ClientDriver.
import { type Consumer, Kafka, logLevel } from "kafkajs";
import type { ClientDriver } from "./driver.ts";
import { FETCH_MAX_WAIT_MS } from "./driver.ts";
import { groupStarter, sendInBatches } from "./group-members.ts";
import type { KeyedRecord } from "./workload.ts";

export function kafkajsDriver(bootstrap: string): ClientDriver {
  const kafka = new Kafka({
    clientId: "cirrus-e2e-kafkajs",
    brokers: bootstrap.split(","),
    logLevel: logLevel.NOTHING,
  });
  return {
    name: "kafkajs",
    idempotent: true,
    async createTopic(topic, partitions) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
    },
    async produce(topic: string, records: KeyedRecord[]) {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        await sendInBatches(records, 2000, (messages) => producer.send({ topic, acks: -1, messages }));
      } finally {
        await producer.disconnect();
      }
    },
    startGroup: groupStarter<Consumer>("kafkajs", {
      async startMember({ topic, groupId, sink }, m, report) {
        const consumer = kafka.consumer({
          groupId,
          sessionTimeout: 10_000,
          heartbeatInterval: 500,
          rebalanceTimeout: 10_000,
          maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
        });
        consumer.on(consumer.events.GROUP_JOIN, (e) => {
          const assigned = Object.values(e.payload.memberAssignment).reduce((s, p) => s + p.length, 0);
          report((e.payload as unknown as { generationId?: number }).generationId ?? 0, assigned);
        });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommitInterval: 200,
          eachMessage: async ({ partition, message }) => {
            sink({
              partition,
              offset: BigInt(message.offset),
              key: message.key?.toString() ?? "",
              value: message.value?.toString() ?? "",
              member: m,
            });
          },
        });
        return consumer;
      },
      async stopMembers(consumers) {
        // In parallel: each member commits what it consumed, then leaves the group.
        await Promise.all(consumers.map((c) => c.disconnect()));
      },
    }),
  };
}
