// kafkajs's admin deletes consumer groups on a real broker (real control plane in process, real storage):
// GROUP_ID_NOT_FOUND for a group that does not exist, NON_EMPTY_GROUP while a member is connected, and a
// deletion that survives the broker's restart (its coordinator replays the tombstones of the offsets log).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import type { BrokerHandle } from "../../src/index.ts";
import { useGroupFixture, waitFor } from "./group-consumers-kit.ts";

const TOPIC = "group-admin-orders";
const fixture = useGroupFixture("broker-group-admin-kafkajs");

function kafkaFor(b: BrokerHandle): Kafka {
  return new Kafka({
    clientId: "group-admin-test",
    brokers: [b.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  });
}

/** The error codes kafkajs reports per group when deleteGroups fails. */
async function deleteGroupsError(kafka: Kafka, groups: string[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groups);
    return [];
  } catch (error) {
    const failed = (error as { groups?: { groupId: string; error: { type: string } }[] }).groups ?? [];
    return failed.map((g) => `${g.groupId}:${g.error.type}`);
  } finally {
    await admin.disconnect();
  }
}

test("kafkajs deleteGroups: not found, non-empty, then deleted durably across a broker restart", {
  timeout: 120_000,
}, async () => {
  const kafka = kafkaFor(fixture.broker());
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  await admin.setOffsets({ groupId: "idle", topic: TOPIC, partitions: [{ partition: 0, offset: "5" }] });
  await admin.setOffsets({ groupId: "kept", topic: TOPIC, partitions: [{ partition: 1, offset: "7" }] });
  assert.deepEqual(await deleteGroupsError(kafka, ["nobody"]), ["nobody:GROUP_ID_NOT_FOUND"]);

  const consumer = kafka.consumer({ groupId: "live", sessionTimeout: 10_000, heartbeatInterval: 500 });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async () => {} });
  await waitFor(
    () => joined,
    () => "the consumer to join its group",
    30_000,
  );
  assert.deepEqual(await deleteGroupsError(kafka, ["live"]), ["live:NON_EMPTY_GROUP"]);
  await consumer.disconnect();

  const deleted = await admin.deleteGroups(["idle", "live"]);
  assert.deepEqual(deleted.map((r) => [r.groupId, r.errorCode ?? 0]).sort(), [
    ["idle", 0],
    ["live", 0],
  ]);
  const listed = async (a: typeof admin) => (await a.listGroups()).groups.map((g) => g.groupId).sort();
  assert.deepEqual(await listed(admin), ["kept"]);
  await admin.disconnect();

  const restarted = kafkaFor(await fixture.restart()).admin();
  await restarted.connect();
  try {
    let groups: string[] = [];
    // The restarted coordinator replays the offsets log before it lists anything.
    for (let i = 0; i < 60 && !groups.includes("kept"); i++) {
      groups = await listed(restarted);
      if (!groups.includes("kept")) await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(groups, ["kept"], "the deleted groups stay deleted after the offsets log is replayed");
    const idle = await restarted.fetchOffsets({ groupId: "idle", topics: [TOPIC] });
    assert.deepEqual(idle[0]!.partitions.map((p) => p.offset).sort(), ["-1", "-1"]);
    const kept = await restarted.fetchOffsets({ groupId: "kept", topics: [TOPIC] });
    assert.equal(kept[0]!.partitions.find((p) => p.partition === 1)?.offset, "7");
  } finally {
    await restarted.disconnect();
  }
});
