// Exactly-once needs the offsets a transaction commits (TxnOffsetCommit) to survive the group coordinator
// dying before the transaction's marker: a read-process-write app would otherwise re-process its input.
// A real broker process is killed with SIGKILL between TxnOffsetCommit and EndTxn and restarted: the
// transaction's offsets are replayed as pending (OffsetFetch require_stable: UNSTABLE_OFFSET_COMMIT), the
// commit then makes them the group's offsets; in a second transaction the abort drops them.
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { testBrokerConfig } from "../helpers/broker-fixture.ts";
import { type BrokerProcess, spawnBroker } from "../helpers/broker-process.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = any;

let cp: TestControlPlane;
const running: BrokerProcess[] = [];

beforeEach(async () => {
  cp = await startControlPlane({ leaseMs: 2_000 });
});

afterEach(async () => {
  for (const b of running.splice(0)) b.child.kill("SIGKILL");
  await cp?.close();
});

async function start(): Promise<{ broker: BrokerProcess; wire: KafkaWire }> {
  const broker = await spawnBroker(testBrokerConfig(cp, "txn-offsets-crash"));
  running.push(broker);
  const wire = await KafkaWire.connect(Number(broker.bootstrap.split(":").at(-1)));
  return { broker, wire };
}

const RETRIABLE: readonly number[] = [
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
];

/** Repeats `call` while `errorOf` its answer is retriable (or `until` is not met yet), for up to 30 s. */
async function retried(
  call: () => Promise<Any>,
  errorOf: (a: Any) => number,
  until: (a: Any) => boolean = () => true,
): Promise<Any> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await call();
    const done = !RETRIABLE.includes(errorOf(answer)) && until(answer);
    if (done || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const GROUP = "crash-eos";
const TXN = "crash-eos-txn";

function offsetFetch(wire: KafkaWire): Promise<Any> {
  return retried(
    () =>
      wire.request(ApiKey.OffsetFetch, 7, {
        groupId: GROUP,
        topics: [{ name: "eos-in", partitionIndexes: [0, 1] }],
        requireStable: true,
      }),
    (a) => a.errorCode,
  );
}

/** [offset, error] of eos-in 0 and 1, once the answer is not `waitWhile` (UNSTABLE while a marker is due). */
async function offsetsOf(wire: KafkaWire, waitWhileUnstable: boolean): Promise<[bigint, number][]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await offsetFetch(wire);
    const got: [bigint, number][] = answer.topics[0].partitions.map((p: Any) => [
      p.committedOffset,
      p.errorCode,
    ]);
    const unstable = got.some(([, code]) => code === ErrorCode.UNSTABLE_OFFSET_COMMIT);
    if (!(waitWhileUnstable && unstable) || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stageOffsets(wire: KafkaWire, ids: Any, offsets: [bigint, bigint]): Promise<void> {
  const added = await retried(
    () => wire.request(ApiKey.AddOffsetsToTxn, 3, { ...ids, groupId: GROUP }),
    (a) => a.errorCode,
  );
  assert.equal(added.errorCode, ErrorCode.NONE);
  const staged = await retried(
    () =>
      wire.request(ApiKey.TxnOffsetCommit, 3, {
        ...ids,
        groupId: GROUP,
        generationId: -1,
        memberId: "",
        groupInstanceId: null,
        topics: [
          {
            name: "eos-in",
            partitions: offsets.map((committedOffset, partitionIndex) => ({
              partitionIndex,
              committedOffset,
              committedLeaderEpoch: -1,
              committedMetadata: "",
            })),
          },
        ],
      }),
    (a) => a.topics[0].partitions[0].errorCode,
  );
  assert.deepEqual(
    staged.topics[0].partitions.map((p: Any) => p.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE],
  );
}

async function kill(broker: BrokerProcess, wire: KafkaWire): Promise<void> {
  wire.close();
  broker.child.kill("SIGKILL");
  assert.equal(await broker.exited, "SIGKILL");
}

test("kill -9 between TxnOffsetCommit and EndTxn: commit keeps the offsets, abort drops them", {
  timeout: 150_000,
}, async () => {
  let { broker, wire } = await start();
  const created: Any = await wire.request(ApiKey.CreateTopics, 4, {
    topics: [{ name: "eos-in", numPartitions: 2, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
  for (const [key, keyType] of [
    [TXN, 1],
    [GROUP, 0],
  ] as const) {
    const found = await retried(
      () => wire.request(ApiKey.FindCoordinator, 3, { key, keyType }),
      (a) => a.errorCode,
    );
    assert.equal(found.errorCode, ErrorCode.NONE);
  }
  const init = await retried(
    () =>
      wire.request(ApiKey.InitProducerId, 4, {
        transactionalId: TXN,
        transactionTimeoutMs: 120_000,
        producerId: -1n,
        producerEpoch: -1,
      }),
    (a) => a.errorCode,
  );
  assert.equal(init.errorCode, ErrorCode.NONE);
  const ids = { transactionalId: TXN, producerId: init.producerId, producerEpoch: init.producerEpoch };
  const endTxn = (w: KafkaWire, committed: boolean) =>
    retried(
      () => w.request(ApiKey.EndTxn, 3, { ...ids, committed }),
      (a) => a.errorCode,
    );

  // Transaction 1: offsets staged, the broker killed, restarted, then committed.
  await stageOffsets(wire, ids, [42n, 43n]);
  assert.deepEqual(await offsetsOf(wire, false), [
    [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
    [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
  ]);
  await kill(broker, wire);
  ({ broker, wire } = await start());
  assert.deepEqual(
    await offsetsOf(wire, false),
    [
      [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
      [-1n, ErrorCode.UNSTABLE_OFFSET_COMMIT],
    ],
    "the restarted coordinator holds the open transaction's offsets",
  );
  assert.equal((await endTxn(wire, true)).errorCode, ErrorCode.NONE);
  const committed: [bigint, number][] = [
    [42n, ErrorCode.NONE],
    [43n, ErrorCode.NONE],
  ];
  assert.deepEqual(await offsetsOf(wire, true), committed, "the commit made them the group's offsets");

  // Transaction 2: offsets staged, the broker killed, restarted, then aborted.
  await stageOffsets(wire, ids, [50n, 51n]);
  await kill(broker, wire);
  ({ broker, wire } = await start());
  assert.equal((await endTxn(wire, false)).errorCode, ErrorCode.NONE);
  assert.deepEqual(await offsetsOf(wire, true), committed, "the abort dropped them");

  // And both survive one more restart (the markers are in the offsets log).
  await kill(broker, wire);
  ({ broker, wire } = await start());
  assert.deepEqual(await offsetsOf(wire, true), committed);
  wire.close();
  broker.child.kill("SIGTERM");
  assert.equal(await broker.exited, 0);
});
