import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { OffsetCommitRequest } from "../../src/groups/group-offsets.ts";
import { joinMembers, joinRequest, makeShard, standaloneCommit } from "./group-test-kit.ts";

function commitOf(
  overrides: Partial<OffsetCommitRequest> = {},
  metadata: string | null = "meta",
): OffsetCommitRequest {
  return { ...standaloneCommit({ offset: 10n, leaderEpoch: 2, metadata }), ...overrides };
}
const txnOf = (producerId: bigint) => ({ producerId, producerEpoch: 0 });
const endOf = (producerId: bigint, committed: boolean) => ({
  producerId,
  producerEpoch: 0,
  committed,
  coordinatorEpoch: 0,
});
const errorsOf = (r: { partitions: { errorCode: number }[] }[]) =>
  r.flatMap((t) => t.partitions.map((p) => p.errorCode));

describe("OffsetCommit / OffsetFetch", () => {
  it("a commit outside group management creates an Empty group and is fetched back", async () => {
    const { shard, log } = makeShard();
    assert.deepEqual(errorsOf(await shard.offsets.commit(commitOf())), [0]);
    assert.equal(shard.describe("g").groupState, "Empty");
    assert.equal(log.records.length, 1);
    const [topic] = shard.offsets.fetch("g", null);
    assert.deepEqual(topic, {
      name: "t",
      partitions: [
        { partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: 2, metadata: "meta", errorCode: 0 },
      ],
    });
    assert.deepEqual(shard.offsets.fetch("unknown", null), []);
    assert.equal(
      shard.offsets.fetch("unknown", [{ name: "t", partitionIndexes: [1] }])[0]!.partitions[0]!
        .committedOffset,
      -1n,
    );
  });

  it("a commit with a generation for an unknown group is ILLEGAL_GENERATION", async () => {
    const { shard } = makeShard();
    assert.deepEqual(
      errorsOf(await shard.offsets.commit(commitOf({ generationId: 3, memberId: "m" }))),
      [22],
    );
  });

  it("checks member, generation and rebalance state", async () => {
    const { shard, clock } = makeShard();
    const [a] = await joinMembers(shard, clock, 1);
    const member = { memberId: a!.memberId, generationId: 1 };
    assert.deepEqual(
      errorsOf(await shard.offsets.commit(commitOf())),
      [ErrorCode.UNKNOWN_MEMBER_ID],
      "simple commit to a live group",
    );
    assert.deepEqual(
      errorsOf(await shard.offsets.commit(commitOf(member))),
      [ErrorCode.REBALANCE_IN_PROGRESS],
      "CompletingRebalance",
    );
    await shard.membership.sync({
      groupId: "g",
      ...member,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    assert.deepEqual(errorsOf(await shard.offsets.commit(commitOf(member))), [0]);
    assert.deepEqual(errorsOf(await shard.offsets.commit(commitOf({ ...member, generationId: 0 }))), [
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    assert.deepEqual(errorsOf(await shard.offsets.commit(commitOf({ ...member, memberId: "x" }))), [
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    shard.membership.join(joinRequest());
    assert.equal(shard.describe("g").groupState, "PreparingRebalance");
    assert.deepEqual(
      errorsOf(await shard.offsets.commit(commitOf(member))),
      [0],
      "allowed while preparing a rebalance",
    );
  });

  it("refuses metadata over the limit per partition and commits the others", async () => {
    const { shard } = makeShard({ offsetMetadataMaxBytes: 4 });
    const req = commitOf();
    const r = await shard.offsets.commit({
      ...req,
      topics: [
        {
          name: "t",
          partitions: [
            { ...req.topics[0]!.partitions[0]!, committedMetadata: "12345" },
            { partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
    assert.deepEqual(errorsOf(r), [ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
    assert.deepEqual(
      shard.offsets.fetch("g", null)[0]!.partitions.map((p) => p.partitionIndex),
      [1],
    );
  });

  it("a transactional commit refuses metadata over the limit the same way and stages the others", async () => {
    const { shard } = makeShard({ offsetMetadataMaxBytes: 4 });
    const req = commitOf();
    const staged = await shard.offsets.stageTxn(txnOf(7n), {
      ...req,
      topics: [
        {
          name: "t",
          partitions: [
            { ...req.topics[0]!.partitions[0]!, committedMetadata: "12345" },
            { partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: 3, committedMetadata: "ok" },
          ],
        },
      ],
    });
    assert.deepEqual(errorsOf(staged), [ErrorCode.OFFSET_METADATA_TOO_LARGE, 0]);
    assert.deepEqual(shard.offsets.fetch("g", null), [], "nothing visible before the transaction commits");
    assert.equal(await shard.offsets.completeTxn(endOf(7n, true)), ErrorCode.NONE);
    assert.deepEqual(shard.offsets.fetch("g", null)[0]!.partitions, [
      { partitionIndex: 1, committedOffset: 5n, committedLeaderEpoch: 3, metadata: "ok", errorCode: 0 },
    ]);
  });

  it("requireStable: a partition with an offset staged by an open transaction answers UNSTABLE_OFFSET_COMMIT until it ends", async () => {
    const { shard } = makeShard();
    await shard.offsets.commit(commitOf());
    const req = commitOf();
    await shard.offsets.stageTxn(txnOf(7n), {
      ...req,
      topics: [{ name: "t", partitions: [{ ...req.topics[0]!.partitions[0]!, committedOffset: 20n }] }],
    });
    const wanted = [{ name: "t", partitionIndexes: [0, 1] }];
    const unstable = {
      partitionIndex: 0,
      committedOffset: -1n,
      committedLeaderEpoch: -1,
      metadata: "",
      errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT,
    };
    const noCommit = {
      partitionIndex: 1,
      committedOffset: -1n,
      committedLeaderEpoch: -1,
      metadata: "",
      errorCode: 0,
    };
    assert.deepEqual(shard.offsets.fetch("g", wanted, true)[0]!.partitions, [unstable, noCommit]);
    assert.deepEqual(shard.offsets.fetch("g", null, true)[0]!.partitions, [unstable]);
    // Without requireStable (read_uncommitted consumers, older versions) the last commit answers.
    assert.equal(shard.offsets.fetch("g", wanted)[0]!.partitions[0]!.committedOffset, 10n);
    // Another group's fetch is not held back.
    assert.deepEqual(
      shard.offsets.fetch("other", wanted, true)[0]!.partitions.map((p) => p.errorCode),
      [0, 0],
    );

    assert.equal(await shard.offsets.completeTxn(endOf(7n, false)), ErrorCode.NONE);
    assert.equal(shard.offsets.fetch("g", wanted, true)[0]!.partitions[0]!.committedOffset, 10n, "aborted");
    await shard.offsets.stageTxn(txnOf(8n), {
      ...req,
      topics: [{ name: "t", partitions: [{ ...req.topics[0]!.partitions[0]!, committedOffset: 30n }] }],
    });
    assert.equal(
      shard.offsets.fetch("g", wanted, true)[0]!.partitions[0]!.errorCode,
      ErrorCode.UNSTABLE_OFFSET_COMMIT,
    );
    assert.equal(await shard.offsets.completeTxn(endOf(8n, true)), ErrorCode.NONE);
    assert.deepEqual(shard.offsets.fetch("g", wanted, true)[0]!.partitions[0], {
      partitionIndex: 0,
      committedOffset: 30n,
      committedLeaderEpoch: 2,
      metadata: "meta",
      errorCode: 0,
    });
  });

  it("a failed log write answers COORDINATOR_NOT_AVAILABLE and changes nothing", async () => {
    const { shard, log } = makeShard();
    log.failAppends = true;
    assert.deepEqual(errorsOf(await shard.offsets.commit(commitOf())), [ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    assert.equal(shard.hasGroup("g"), false);
    log.failAppends = false;
    await shard.offsets.commit(commitOf());
    shard.unload();
    log.failAppends = true;
    assert.equal(shard.isServing, false);
  });
});

describe("transactional producers' epochs expire (Kafka's producer.id.expiration.ms)", () => {
  const idle = 60_000;
  const fenced = (r: { partitions: { errorCode: number }[] }[]) =>
    errorsOf(r).every((c) => c === ErrorCode.INVALID_PRODUCER_EPOCH);

  it("an idle producer's epoch is forgotten after the expiry; a zombie is fenced until then", async () => {
    const { shard, clock } = makeShard({ producerIdleExpiryMs: idle });
    const current = { producerId: 7n, producerEpoch: 4 };
    await shard.offsets.stageTxn(current, commitOf());
    assert.equal(await shard.offsets.completeTxn({ ...current, committed: true, coordinatorEpoch: 0 }), 0);
    assert.equal(shard.offsets.trackedProducers, 1);
    clock.advance(idle);
    assert.equal(shard.expireProducers(), 0, "not idle for longer than the expiry yet");
    assert.ok(fenced(await shard.offsets.stageTxn({ producerId: 7n, producerEpoch: 3 }, commitOf())));
    clock.advance(1);
    assert.equal(shard.expireProducers(), 1);
    assert.equal(shard.offsets.trackedProducers, 0, "the map holds only producers of the last period");
  });

  it("a producer with an open transaction is never expired, however long it is silent", async () => {
    const { shard, clock } = makeShard({ producerIdleExpiryMs: idle });
    const open = { producerId: 8n, producerEpoch: 2 };
    await shard.offsets.stageTxn(open, commitOf());
    clock.advance(10 * idle);
    assert.equal(shard.expireProducers(), 0);
    assert.ok(fenced(await shard.offsets.stageTxn({ producerId: 8n, producerEpoch: 1 }, commitOf())));
    assert.equal(await shard.offsets.completeTxn({ ...open, committed: false, coordinatorEpoch: 0 }), 0);
    clock.advance(idle + 1);
    assert.equal(shard.expireProducers(), 1, "expires once the transaction ended and the producer is idle");
  });

  it("every write of the producer restarts its idle time", async () => {
    const { shard, clock } = makeShard({ producerIdleExpiryMs: idle });
    const p = { producerId: 9n, producerEpoch: 0 };
    await shard.offsets.stageTxn(p, commitOf());
    await shard.offsets.completeTxn({ ...p, committed: true, coordinatorEpoch: 0 });
    clock.advance(idle);
    await shard.offsets.stageTxn(p, commitOf());
    await shard.offsets.completeTxn({ ...p, committed: true, coordinatorEpoch: 0 });
    clock.advance(idle);
    assert.equal(shard.expireProducers(), 0);
    clock.advance(1);
    assert.equal(shard.expireProducers(), 1);
  });
});
