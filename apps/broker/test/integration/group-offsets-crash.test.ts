// Invariant 1 for group state: offsets a broker acknowledged (OffsetCommit answered NONE) survive that
// broker being killed with SIGKILL while commits are in flight, because they live in the offsets log on
// the WAL like any record; the restarted broker replays the log and serves the same offsets.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { Kafka, logLevel } from "kafkajs";
import { testBrokerConfig } from "../helpers/broker-fixture.ts";
import { type BrokerProcess, spawnBroker } from "../helpers/broker-process.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
const running: BrokerProcess[] = [];

beforeEach(async () => {
  cp = await startControlPlane({ leaseMs: 2_000 });
});

afterEach(async () => {
  for (const b of running.splice(0)) b.child.kill("SIGKILL");
  await cp?.close();
});

async function start(): Promise<BrokerProcess> {
  const broker = await spawnBroker(testBrokerConfig(cp, "offsets-crash"));
  running.push(broker);
  return broker;
}

const portOf = (bootstrap: string) => Number(bootstrap.split(":").at(-1));
const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
]);

/** OffsetCommit outside group management; true once acknowledged, false on a retriable coordinator error. */
async function commit(wire: KafkaWire, groupId: string, offset: number): Promise<boolean> {
  const r = await wire.request(ApiKey.OffsetCommit, 8, {
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: "",
    groupInstanceId: null,
    topics: [
      {
        name: "crash-offsets",
        partitions: [0, 1, 2, 3].map((partitionIndex) => ({
          partitionIndex,
          committedOffset: BigInt(offset * 10 + partitionIndex),
          committedLeaderEpoch: -1,
          committedMetadata: null,
        })),
      },
    ],
  });
  const codes = r.topics[0]!.partitions.map((p) => p.errorCode);
  if (codes.every((c) => c === ErrorCode.NONE)) return true;
  if (codes.every((c) => RETRIABLE.has(c))) return false;
  throw new Error(`commit answered ${codes}`);
}

test("kill -9 while committing offsets, restart: every acknowledged commit is there", {
  timeout: 120_000,
}, async () => {
  let broker = await start();
  const kafka = new Kafka({ clientId: "c", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "crash-offsets", numPartitions: 4 }], waitForLeaders: true });
  await admin.disconnect();
  // The last acknowledged offset of each group (one connection per group: acks arrive in order).
  const acked = new Map<string, number>();
  let killed = false;
  const writers = Array.from({ length: 4 }, async (_, g) => {
    const groupId = `crash-group-${g}`;
    const wire = await KafkaWire.connect(portOf(broker.bootstrap));
    try {
      // As clients do: FindCoordinator first (it also creates the offsets topic on first use).
      while ((await wire.request(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0 })).errorCode !== 0) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (let offset = 1; !killed; ) {
        if (await commit(wire, groupId, offset)) acked.set(groupId, offset++);
        else await new Promise((r) => setTimeout(r, 50)); // coordinator loading: try again
      }
    } catch {
      // the broker died under this commit: not acknowledged
    } finally {
      wire.close();
    }
  });
  const deadline = Date.now() + 60_000;
  while ([...acked.values()].reduce((n, v) => n + v, 0) < 400) {
    assert.ok(Date.now() < deadline, `only ${[...acked.values()]} commits acknowledged`);
    await new Promise((r) => setTimeout(r, 10));
  }
  broker.child.kill("SIGKILL");
  killed = true;
  assert.equal(await broker.exited, "SIGKILL");
  await Promise.all(writers);

  broker = await start();
  const wire = await KafkaWire.connect(portOf(broker.bootstrap));
  try {
    for (const [groupId, offset] of acked) {
      const deadline = Date.now() + 30_000;
      let fetched: { partitionIndex: number; committedOffset: bigint }[] = [];
      for (;;) {
        const r = await wire.request(ApiKey.OffsetFetch, 8, {
          groups: [{ groupId, topics: [{ name: "crash-offsets", partitionIndexes: [0, 1, 2, 3] }] }],
          requireStable: false,
        });
        const group = r.groups[0]!;
        if (group.errorCode === ErrorCode.NONE) {
          fetched = group.topics[0]!.partitions;
          break;
        }
        assert.ok(
          RETRIABLE.has(group.errorCode) && Date.now() < deadline,
          `OffsetFetch answered ${group.errorCode}`,
        );
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const p of fetched) {
        // Acked commits are durable; the one in flight at the kill may or may not have landed.
        const got = Number(p.committedOffset);
        const candidates = [offset * 10 + p.partitionIndex, (offset + 1) * 10 + p.partitionIndex];
        assert.ok(candidates.includes(got), `${groupId}/${p.partitionIndex}: ${got}, acked ${offset}`);
      }
    }
  } finally {
    wire.close();
  }
  broker.child.kill("SIGTERM");
  assert.equal(await broker.exited, 0);
});
