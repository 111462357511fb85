// AlterPartitionReassignments / ListPartitionReassignments over the codec, against the in-memory control
// plane of the kit (the real route and its checks: apps/control-plane test/internal/reassignment-routes.test.ts;
// with Kafka's own tool: e2e/test/kafka-reassign.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { groupHandlers } from "../../src/handlers/group-handlers.ts";
import { kafkaReassignment } from "../../src/handlers/partition-reassignments.ts";
import { advertisedApiVersions, coreHandlers, mergeHandlers } from "../../src/handlers/registry.ts";
import { type HandlerBroker, startHandlerBroker } from "./group-handlers-kit.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

describe("partition reassignment handlers", () => {
  let broker: HandlerBroker;
  before(async () => {
    broker = await startHandlerBroker();
    await broker.admin.createTopic({ name: "t", partitions: 3 }); // every partition led by broker 1
  });
  after(() => broker.close());

  const alter = (
    topics: { name: string; partitions: { partitionIndex: number; replicas: number[] | null }[] }[],
  ) => broker.call<Any>(ApiKey.AlterPartitionReassignments, 0, { timeoutMs: 30_000, topics });
  const list = (topics: { name: string; partitionIndexes: number[] }[] | null) =>
    broker.call<Any>(ApiKey.ListPartitionReassignments, 0, { timeoutMs: 30_000, topics });
  const codes = (r: Any) =>
    r.responses.flatMap((t: Any) => t.partitions.map((p: Any) => [t.name, p.partitionIndex, p.errorCode]));

  it("moves a partition to the one broker named, through the control plane", async () => {
    const r = await alter([{ name: "t", partitions: [{ partitionIndex: 0, replicas: [2] }] }]);
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.deepEqual(codes(r), [["t", 0, ErrorCode.NONE]]);
    const call = broker.admin.reassignCalls.at(-1)!;
    assert.deepEqual(call.moves, [{ topic: "t", partition: 0, to: 2 }]);
    assert.ok(
      call.timeoutMs! > 25_000 && call.timeoutMs! <= 30_000,
      "what is left of the request's timeoutMs",
    );
  });

  it("answers each partition's error like Kafka, sending only the possible moves", async () => {
    const calls = broker.admin.reassignCalls.length;
    const r = await alter([
      {
        name: "t",
        partitions: [
          { partitionIndex: 1, replicas: [2, 1] },
          { partitionIndex: 1, replicas: [] },
          { partitionIndex: 2, replicas: [7] },
          { partitionIndex: 9, replicas: [2] },
          { partitionIndex: 0, replicas: [1] },
        ],
      },
      { name: "missing", partitions: [{ partitionIndex: 0, replicas: [2] }] },
      { name: "bad name!", partitions: [{ partitionIndex: 0, replicas: [2] }] },
      { name: "t2", partitions: [{ partitionIndex: -1, replicas: [2] }] },
    ]);
    assert.deepEqual(codes(r), [
      ["t", 1, ErrorCode.INVALID_REQUEST],
      ["t", 1, ErrorCode.INVALID_REQUEST],
      ["t", 2, ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ["t", 9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["t", 0, ErrorCode.REASSIGNMENT_IN_PROGRESS],
      ["missing", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["bad name!", 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ["t2", -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.match(r.responses[0].partitions[2].errorMessage, /broker 7 is not a broker of this cluster/);
    assert.deepEqual(
      broker.admin.reassignCalls.slice(calls).flatMap((c) => c.moves.map((m) => `${m.topic}-${m.partition}`)),
      ["t-2", "t-9", "t-0", "missing-0"],
      "a name the control plane cannot hold, a negative index and malformed lists are answered here",
    );
  });

  it("refuses several replicas with a message saying why Cirrus keeps one", async () => {
    const r = await alter([{ name: "t", partitions: [{ partitionIndex: 1, replicas: [2, 1] }] }]);
    assert.equal(r.responses[0].partitions[0].errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.match(r.responses[0].partitions[0].errorMessage, /one replica per partition .*object storage/);
    const empty = await alter([{ name: "t", partitions: [{ partitionIndex: 1, replicas: [] }] }]);
    assert.equal(empty.responses[0].partitions[0].errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });

  it("a move to where the partition already is changes nothing and succeeds", async () => {
    const r = await alter([{ name: "t", partitions: [{ partitionIndex: 1, replicas: [1] }] }]);
    assert.deepEqual(codes(r), [["t", 1, ErrorCode.NONE]]);
    assert.equal(broker.admin.inFlight.length, 1, "only t-0 moves");
  });

  it("answers a cancel (null replicas): none in progress, a move that cannot be undone, no such partition", async () => {
    const r = await alter([
      {
        name: "t",
        partitions: [
          { partitionIndex: 1, replicas: null },
          { partitionIndex: 0, replicas: null },
          { partitionIndex: 5, replicas: null },
        ],
      },
    ]);
    assert.deepEqual(codes(r), [
      ["t", 1, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS],
      ["t", 0, ErrorCode.REASSIGNMENT_IN_PROGRESS],
      ["t", 5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    assert.match(r.responses[0].partitions[1].errorMessage, /cannot be cancelled/);
  });

  it("cancels a move still queued for the move limits (null replicas): it leaves the list", async () => {
    broker.admin.inFlight.push({ topic: "t", partition: 2, from: 1, to: 2, released: false });
    assert.equal((await list([{ name: "t", partitionIndexes: [2] }])).topics.length, 1);
    const r = await alter([{ name: "t", partitions: [{ partitionIndex: 2, replicas: null }] }]);
    assert.deepEqual(codes(r), [["t", 2, ErrorCode.NONE]]);
    assert.equal(r.responses[0].partitions[0].errorMessage, null);
    assert.deepEqual((await list([{ name: "t", partitionIndexes: [2] }])).topics, []);
    const again = await alter([{ name: "t", partitions: [{ partitionIndex: 2, replicas: null }] }]);
    assert.deepEqual(codes(again), [["t", 2, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS]]);
  });

  it("honours the request's timeoutMs: REQUEST_TIMED_OUT when the control plane does not answer in time", async () => {
    const calls = broker.admin.reassignCalls.length;
    broker.admin.answerDelayMs = 2_000;
    try {
      const started = Date.now();
      const r = await broker.call<Any>(ApiKey.AlterPartitionReassignments, 0, {
        timeoutMs: 100,
        topics: [
          {
            name: "t",
            partitions: [
              { partitionIndex: 1, replicas: [2] },
              { partitionIndex: 2, replicas: null },
            ],
          },
        ],
      });
      assert.ok(Date.now() - started < 1_500, "answered at the deadline, not when the control plane is done");
      assert.deepEqual(codes(r), [
        ["t", 1, ErrorCode.REQUEST_TIMED_OUT],
        ["t", 2, ErrorCode.REQUEST_TIMED_OUT],
      ]);
      assert.match(r.responses[0].partitions[0].errorMessage, /within the request's timeoutMs/);
      assert.ok(
        broker.admin.reassignCalls.at(-1)!.timeoutMs! <= 100,
        "the control plane is told the deadline",
      );
      // No time at all: answered at once, the control plane not even asked (as Kafka's controller does).
      const none = await broker.call<Any>(ApiKey.AlterPartitionReassignments, 0, {
        timeoutMs: 0,
        topics: [{ name: "t", partitions: [{ partitionIndex: 1, replicas: [2] }] }],
      });
      assert.deepEqual(codes(none), [["t", 1, ErrorCode.REQUEST_TIMED_OUT]]);
      assert.equal(broker.admin.reassignCalls.length, calls + 1);
    } finally {
      broker.admin.answerDelayMs = 0;
    }
  });

  it("lists the moves in flight as Kafka shows a one-replica reassignment", async () => {
    const all = await list(null);
    assert.equal(all.errorCode, ErrorCode.NONE);
    assert.deepEqual(all.topics, [
      {
        name: "t",
        partitions: [{ partitionIndex: 0, replicas: [2, 1], addingReplicas: [2], removingReplicas: [1] }],
      },
    ]);
    assert.deepEqual((await list([{ name: "t", partitionIndexes: [1, 2] }])).topics, []);
    assert.deepEqual((await list([{ name: "t", partitionIndexes: [0] }])).topics.length, 1);
    assert.deepEqual((await list([{ name: "nope", partitionIndexes: [0] }])).topics, []);
  });

  it("shows a move whose source has closed, and a drain's move without a target", () => {
    assert.deepEqual(kafkaReassignment({ topic: "t", partition: 0, from: -1, to: 2, released: true }), {
      replicas: [2],
      addingReplicas: [2],
      removingReplicas: [],
    });
    assert.deepEqual(kafkaReassignment({ topic: "t", partition: 0, from: 1, to: -1, released: true }), {
      replicas: [1],
      addingReplicas: [],
      removingReplicas: [1],
    });
  });

  it("answers a control plane it cannot reach with a retriable error, never a crash", async () => {
    broker.admin.unreachable = true;
    try {
      const r = await alter([
        {
          name: "t",
          partitions: [
            { partitionIndex: 1, replicas: [2] },
            { partitionIndex: 2, replicas: null },
          ],
        },
      ]);
      assert.deepEqual(codes(r), [
        ["t", 1, ErrorCode.REQUEST_TIMED_OUT],
        ["t", 2, ErrorCode.REQUEST_TIMED_OUT],
      ]);
      const l = await list(null);
      assert.equal(l.errorCode, ErrorCode.REQUEST_TIMED_OUT);
      assert.match(l.errorMessage, /connection refused/);
    } finally {
      broker.admin.unreachable = false;
    }
  });

  it("is advertised by ApiVersions at v0", () => {
    const advertised = advertisedApiVersions(mergeHandlers(coreHandlers, groupHandlers));
    for (const apiKey of [ApiKey.AlterPartitionReassignments, ApiKey.ListPartitionReassignments]) {
      assert.deepEqual(
        advertised.find((v) => v.apiKey === apiKey),
        { apiKey, minVersion: 0, maxVersion: 0 },
      );
    }
  });
});
