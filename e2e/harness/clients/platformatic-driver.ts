// @platformatic/kafka 2.x as a ClientDriver.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import type { ClientDriver } from "./driver.ts";
import { FETCH_MAX_WAIT_MS } from "./driver.ts";
import { groupStarter, sendInBatches } from "./group-members.ts";
import type { KeyedRecord } from "./workload.ts";

export function platformaticDriver(bootstrap: string): ClientDriver {
  // @platformatic/kafka 2.x retries NOT_LEADER_OR_FOLLOWER against the leader it has cached and refreshes its
  // metadata only once that is metadataMaxAge old (5 s by default), longer than its retry budget: with the
  // default, any partition move (the automatic balancer's, a drain's) exhausts its retries. A second of
  // metadata age and a 4 s budget ride through a move, as a user of that client would configure it
  // (README, "Clients").
  const base = {
    bootstrapBrokers: bootstrap.split(","),
    retries: 20,
    retryDelay: 200,
    metadataMaxAge: 1_000,
  };
  return {
    name: "@platformatic/kafka",
    idempotent: true,
    async createTopic(topic, partitions) {
      const admin = new Admin({ ...base, clientId: "cirrus-e2e-platformatic-admin" });
      try {
        await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
      } finally {
        await admin.close();
      }
    },
    async produce(topic: string, records: KeyedRecord[]) {
      const producer = new Producer({
        ...base,
        clientId: "cirrus-e2e-platformatic-producer",
        serializers: stringSerializers,
        idempotent: true,
        acks: -1,
      });
      try {
        await sendInBatches(records, 2000, (batch) =>
          producer.send({ messages: batch.map((r) => ({ topic, key: r.key, value: r.value })) }),
        );
      } finally {
        await producer.close();
      }
    },
    startGroup: groupStarter<Consumer<string, string, string, string>>("platformatic", {
      async startMember({ topic, groupId, sink }, m, report) {
        const consumer = new Consumer({
          ...base,
          clientId: `cirrus-e2e-platformatic-${m}`,
          groupId,
          deserializers: stringDeserializers,
          sessionTimeout: 10_000,
          heartbeatInterval: 500,
          rebalanceTimeout: 10_000,
          maxWaitTime: FETCH_MAX_WAIT_MS,
        });
        consumer.on("consumer:group:join", (e) => {
          const assigned = (e.assignments ?? []).reduce(
            (s, a) => s + (a.topic === topic ? a.partitions.length : 0),
            0,
          );
          report(e.generationId ?? 0, assigned);
        });
        const stream = await consumer.consume({
          topics: [topic],
          mode: "committed",
          fallbackMode: "earliest",
          autocommit: 200,
        });
        stream.on("data", (message) => {
          sink({
            partition: message.partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            member: m,
          });
        });
        return consumer;
      },
      async stopMembers(consumers) {
        await new Promise((r) => setTimeout(r, 500)); // one more autocommit period for what was just consumed
        await Promise.all(consumers.map((c) => c.close(true)));
      },
    }),
  };
}
