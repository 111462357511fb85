import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { groupServicesOf } from "../../src/handlers/group-services.ts";
import { startHandlerBroker } from "./group-handlers-kit.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

describe("DeleteGroups and OffsetDelete over the codec", () => {
  let broker: Awaited<ReturnType<typeof startHandlerBroker>>;
  const commit = (groupId: string, partitionIndex: number, committedOffset: bigint) =>
    broker.call<Any>(ApiKey.OffsetCommit, 8, {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      topics: [
        {
          name: "t",
          partitions: [
            { partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: null },
          ],
        },
      ],
    });
  const fetched = async (groupId: string) => {
    const r = await broker.call<Any>(ApiKey.OffsetFetch, 5, { groupId, topics: null, requireStable: false });
    return r.topics.flatMap((t: Any) =>
      t.partitions.map((p: Any) => [t.name, p.partitionIndex, p.committedOffset]),
    );
  };

  before(async () => {
    broker = await startHandlerBroker();
    await broker.call(ApiKey.FindCoordinator, 3, { key: "g", keyType: 0 });
    await broker.openOffsetsPartition();
    await groupServicesOf(broker.services).coordinator.whenLoaded(0);
    await broker.admin.createTopic({ name: "t", partitions: 3 });
  });
  after(() => broker.close());

  it("OffsetDelete v0 deletes the named partitions; unknown partitions and groups get Kafka's codes", async () => {
    for (const p of [0, 1, 2])
      assert.equal((await commit("od", p, 10n + BigInt(p))).topics[0].partitions[0].errorCode, 0);
    const r = await broker.call<Any>(ApiKey.OffsetDelete, 0, {
      groupId: "od",
      topics: [
        { name: "t", partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] },
        { name: "missing", partitions: [{ partitionIndex: 0 }] },
      ],
    });
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      r.topics.map((t: Any) => [t.name, t.partitions.map((p: Any) => [p.partitionIndex, p.errorCode])]),
      [
        [
          "t",
          [
            [0, ErrorCode.NONE],
            [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
          ],
        ],
        ["missing", [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
      ],
    );
    assert.deepEqual(await fetched("od"), [
      ["t", 1, 11n],
      ["t", 2, 12n],
    ]);
    const ghost = await broker.call<Any>(ApiKey.OffsetDelete, 0, { groupId: "ghost", topics: [] });
    assert.deepEqual([ghost.errorCode, ghost.topics], [ErrorCode.GROUP_ID_NOT_FOUND, []]);
    const invalid = await broker.call<Any>(ApiKey.OffsetDelete, 0, { groupId: "", topics: [] });
    assert.equal(invalid.errorCode, ErrorCode.INVALID_GROUP_ID);
  });

  it("DeleteGroups v0–2 answers per group: deleted, not found, invalid id", async () => {
    for (const version of [0, 1, 2]) {
      const groupId = `dg-${version}`;
      await commit(groupId, 0, 5n);
      const r = await broker.call<Any>(ApiKey.DeleteGroups, version, {
        groupsNames: [groupId, "nobody", ""],
      });
      assert.deepEqual(
        r.results.map((g: Any) => [g.groupId, g.errorCode]),
        [
          [groupId, ErrorCode.NONE],
          ["nobody", ErrorCode.GROUP_ID_NOT_FOUND],
          ["", ErrorCode.INVALID_GROUP_ID],
        ],
        `v${version}`,
      );
      assert.deepEqual(await fetched(groupId), [], `v${version}: its offsets are gone`);
    }
  });

  it("answers NOT_COORDINATOR once the group's offsets partition is no longer open here", async () => {
    await broker.services.partitions.byName("__consumer_offsets", 0)!.close();
    broker.setBrokerId(2);
    const deleted = await broker.call<Any>(ApiKey.DeleteGroups, 2, { groupsNames: ["od"] });
    assert.equal(deleted.results[0].errorCode, ErrorCode.NOT_COORDINATOR);
    const offsets = await broker.call<Any>(ApiKey.OffsetDelete, 0, { groupId: "od", topics: [] });
    assert.equal(offsets.errorCode, ErrorCode.NOT_COORDINATOR);
    broker.setBrokerId(1);
  });
});
