// Partition moves under load (issue 14): while an idempotent producer of each real client (kcat/librdkafka,
// kafkajs, @platformatic/kafka; acks=all) writes a keyed workload, its topic's partitions are moved back and
// forth between two brokers through POST /v1/clusters/:id/partitions/moves. Afterwards the whole topic is read
// back: every record exactly once, in offset order per partition and in value order per key.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Producer, stringSerializers } from "@platformatic/kafka";
import { readWholeTopic } from "../harness/clients/acked-producer.ts";
import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import type { ClientDriver } from "../harness/clients/driver.ts";
import { kafkajsDriver } from "../harness/clients/kafkajs-driver.ts";
import { kcatDriver } from "../harness/clients/kcat-driver.ts";
import { platformaticDriver } from "../harness/clients/platformatic-driver.ts";
import type { KeyedRecord } from "../harness/clients/workload.ts";
import { keyedRecords, verifyConsumed } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

const RECORDS = Number(process.env.CIRRUS_E2E_MOVE_RECORDS ?? 30_000);
const CHUNK = 2_000;
const PAUSE_BETWEEN_MOVES_MS = 1_000;
/** Fewest moves that must have completed while a client was producing, or the test proved nothing. */
const MIN_MOVES = 3;

let cluster: StartedCluster;

before(async () => {
  // Only the test's own moves: the automatic balancer (on by default) would otherwise even out the partition
  // counts these moves skew, moving partitions of the same topic at the same time.
  cluster = await startCluster({ brokers: 2, env: { AUTO_REBALANCE_SETTLE_MS: "3600000" } });
});
after(async () => {
  const { orphans } = await cluster.stop();
  assert.equal(orphans, 0);
});

/** Moves partitions of `topic` to the other broker, one after the other, until `done()`; returns how many. */
async function moveUntil(
  topic: string,
  partitions: number,
  done: () => boolean,
  onMoved: () => void,
): Promise<number> {
  const brokerIds = cluster.brokers.map((b) => b.brokerId);
  let moves = 0;
  for (let i = 0; !done(); i++) {
    const partition = i % partitions;
    const leader = (await partitionLeaders(cluster, topic))[partition]!;
    const to = brokerIds.find((id) => id !== leader)!;
    const started = await cluster.api<{ id: string; code?: string }>(
      "POST",
      `/v1/clusters/${cluster.clusterId}/partitions/moves`,
      { moves: [{ topic, partition, to }] },
    );
    // A partition still moving (announced, not yet released) is refused with 409: try the next one.
    if (started.status === 409) continue;
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await waitFor(
      `move of ${topic}-${partition} (operation ${started.body.id})`,
      async () => {
        const op = await cluster.api<{ status: string; error: unknown }>(
          "GET",
          `/v1/operations/${started.body.id}`,
        );
        assert.notEqual(op.body.status, "FAILED", JSON.stringify(op.body.error));
        return op.body.status === "SUCCEEDED" ? true : undefined;
      },
      60_000,
    );
    moves++;
    onMoved();
    // One disruption at a time: back-to-back moves of one partition would leave a client with exponential
    // backoff (kafkajs: 300 ms doubling, 5 retries) landing in the next window again and again.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_MOVES_MS));
  }
  return moves;
}

/**
 * @platformatic/kafka 2.x retries NOT_LEADER_OR_FOLLOWER against the broker it has cached and refreshes its
 * metadata only once that is metadataMaxAge (5 s) old, so a producer that must ride through a leader change
 * needs a retry budget longer than that (the shared driver's 10 × 200 ms is not).
 */
function platformaticRidingLeaderChanges(bootstrap: string): ClientDriver {
  const driver = platformaticDriver(bootstrap);
  return {
    ...driver,
    async produce(topic: string, records: KeyedRecord[]) {
      const producer = new Producer({
        clientId: "cirrus-e2e-moves",
        bootstrapBrokers: bootstrap.split(","),
        serializers: stringSerializers,
        idempotent: true,
        acks: -1,
        retries: 60,
        retryDelay: 200,
        metadataMaxAge: 1_000,
      });
      try {
        await producer.send({ messages: records.map((r) => ({ topic, key: r.key, value: r.value })) });
      } finally {
        await producer.close();
      }
    },
  };
}

// kafkajs 2.2.4 acks a send without sending the records of a partition whose leader moved to a broker that
// had already answered for other partitions of the same send (tulios/kafkajs#1303, see acked-producer.ts):
// its topic has one partition, so no send spans partitions. The others write four.
const clients: { name: string; partitions: number; driver: (bootstrap: string) => ClientDriver }[] = [
  {
    name: "kcat",
    partitions: 4,
    driver: (bootstrap) => kcatDriver(bootstrap, (topic, count) => createTopicViaApi(cluster, topic, count)),
  },
  { name: "kafkajs", partitions: 1, driver: kafkajsDriver },
  { name: "platformatic", partitions: 4, driver: platformaticRidingLeaderChanges },
];

describe("partition moves under load", () => {
  for (const client of clients) {
    test(`${client.name}: nothing lost or duplicated while partitions move`, async () => {
      const topic = `moves-${client.name}`;
      await createTopicViaApi(cluster, topic, client.partitions);
      const driver = client.driver(bootstrapOf(cluster));
      // In chunks, until RECORDS are written and MIN_MOVES moves completed meanwhile (a fast client would
      // otherwise be done before the first move).
      let producing = true;
      let movesDone = 0;
      const mover = moveUntil(
        topic,
        client.partitions,
        () => !producing,
        () => movesDone++,
      );
      let sent = 0;
      const deadline = Date.now() + 180_000;
      let moverFailed = false;
      const moved = mover.catch((error: unknown) => {
        moverFailed = true;
        throw error;
      });
      try {
        while ((sent < RECORDS || movesDone < MIN_MOVES) && Date.now() < deadline && !moverFailed) {
          await driver.produce(topic, keyedRecords(sent, CHUNK));
          sent += CHUNK;
        }
      } finally {
        producing = false;
        await moved.catch(() => {});
      }
      const movedCount = await moved;
      assert.ok(movedCount >= MIN_MOVES, `only ${movedCount} moves completed while ${client.name} produced`);
      const consumed = await readWholeTopic(bootstrapOf(cluster), topic);
      const verdict = verifyConsumed(consumed, 0, sent);
      assert.deepEqual(
        { received: verdict.received, missing: verdict.missing, duplicates: verdict.duplicates },
        { received: sent, missing: 0, duplicates: 0 },
        `after ${movedCount} moves`,
      );
      assert.deepEqual(verdict.outOfOrder, []);
    });
  }
});
