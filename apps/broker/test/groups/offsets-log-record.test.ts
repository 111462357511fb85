import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCoordinatorError } from "../../src/errors.ts";
import {
  decodeOffsetsLogRecord,
  encodeOffsetsLogKey,
  encodeOffsetsLogValue,
  type OffsetsLogRecord,
} from "../../src/groups/offsets-log-record.ts";

const roundTrip = (r: OffsetsLogRecord) =>
  decodeOffsetsLogRecord(encodeOffsetsLogKey(r), encodeOffsetsLogValue(r));

describe("offsets log records", () => {
  it("round-trips offsets, groups and tombstones", () => {
    const offset: OffsetsLogRecord = {
      kind: "offset",
      groupId: "gé",
      topic: "t",
      partition: 7,
      value: { offset: 2n ** 40n, leaderEpoch: -1, metadata: "", commitTimestamp: 1700000000000n },
    };
    assert.deepEqual(roundTrip(offset), offset);
    const group: OffsetsLogRecord = {
      kind: "group",
      groupId: "g",
      value: {
        protocolType: "consumer",
        generationId: 4,
        protocolName: "range",
        leader: "m1",
        stateTimestamp: 5n,
        members: [
          {
            memberId: "m1",
            groupInstanceId: null,
            clientId: "c",
            clientHost: "/1.2.3.4",
            rebalanceTimeoutMs: 1,
            sessionTimeoutMs: 2,
            subscription: Buffer.from([1]),
            assignment: Buffer.alloc(0),
          },
          {
            memberId: "m2",
            groupInstanceId: "i",
            clientId: "c",
            clientHost: "/1.2.3.4",
            rebalanceTimeoutMs: 1,
            sessionTimeoutMs: 2,
            subscription: Buffer.alloc(0),
            assignment: Buffer.from("xy"),
          },
        ],
      },
    };
    assert.deepEqual(roundTrip(group), group);
    assert.deepEqual(roundTrip({ kind: "group", groupId: "g", value: null }), {
      kind: "group",
      groupId: "g",
      value: null,
    });
    assert.equal(encodeOffsetsLogKey(offset).readInt16BE(0), 1, "Kafka's OffsetCommitKey version");
    assert.equal(encodeOffsetsLogKey(group).readInt16BE(0), 2, "Kafka's GroupMetadataKey version");
  });

  it("rejects truncated, unknown and lying input with LOG_RECORD_CORRUPT", () => {
    const key = encodeOffsetsLogKey({ kind: "group", groupId: "g", value: null });
    const value = encodeOffsetsLogValue({
      kind: "group",
      groupId: "g",
      value: {
        protocolType: "",
        generationId: 0,
        protocolName: null,
        leader: null,
        stateTimestamp: 0n,
        members: [],
      },
    })!;
    const corrupt = (k: Buffer, v: Buffer | null) =>
      assert.throws(
        () => decodeOffsetsLogRecord(k, v),
        (e) => isCoordinatorError(e, "LOG_RECORD_CORRUPT"),
      );
    corrupt(key.subarray(0, 3), null);
    corrupt(Buffer.from([0, 9, 0, 0]), null);
    corrupt(key, value.subarray(0, value.length - 1));
    const hugeCount = Buffer.from(value);
    hugeCount.writeInt32BE(0x7fffffff, hugeCount.length - 4);
    corrupt(key, hugeCount);
    const badVersion = Buffer.from(value);
    badVersion.writeInt16BE(99, 0);
    corrupt(key, badVersion);
    for (let i = 0; i < 2000; i++) {
      const noise = Buffer.from(Array.from({ length: i % 40 }, () => Math.floor(Math.random() * 256)));
      try {
        decodeOffsetsLogRecord(noise, noise);
      } catch (e) {
        assert.ok(isCoordinatorError(e, "LOG_RECORD_CORRUPT"), String(e));
      }
    }
  });
});
