import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OffsetsLogIndex, offsetsLogKey } from "../../src/groups/offsets-log-index.ts";
import type { OffsetsLogRecord } from "../../src/groups/offsets-log-record.ts";

const offset = (
  groupId: string,
  topic: string,
  partition: number,
  value: bigint | null,
): OffsetsLogRecord => ({
  kind: "offset",
  groupId,
  topic,
  partition,
  value: value === null ? null : { offset: value, leaderEpoch: 0, metadata: "", commitTimestamp: 0n },
});

describe("OffsetsLogIndex", () => {
  it("keys never collide across kinds or field boundaries", () => {
    const keys = [
      offsetsLogKey(offset("ab", "c", 1, 0n)),
      offsetsLogKey(offset("a", "bc", 1, 0n)),
      offsetsLogKey(offset("a", "b", 11, 0n)),
      offsetsLogKey(offset("a", "b1", 1, 0n)),
      offsetsLogKey({ kind: "group", groupId: "ab", value: null }),
      offsetsLogKey({ kind: "group", groupId: "o2:ab", value: null }),
    ];
    assert.equal(new Set(keys).size, keys.length);
  });

  it("keeps the latest record per key and counts live keys through commits and tombstones", () => {
    const index = new OffsetsLogIndex();
    index.note(offset("g", "t", 0, 1n), 0);
    index.note(offset("g", "t", 1, 1n), 1);
    index.note(offset("g", "t", 0, 2n), 2);
    assert.equal(index.liveKeys, 2);
    index.note(offset("g", "t", 0, null), 3);
    assert.equal(index.liveKeys, 1);
    index.note(offset("g", "t", 0, null), 4);
    assert.equal(index.liveKeys, 1, "a second tombstone changes nothing");
    index.note(offset("g", "t", 0, 5n), 5);
    assert.equal(index.liveKeys, 2);
    assert.deepEqual(
      [...index.entries()].map((e) => [e.offset, e.record.kind === "offset" ? e.record.value?.offset : null]),
      [
        [5, 5n],
        [1, 1n],
      ],
      "first-noted order, latest record",
    );
  });

  it("forgets a trimmed tombstone only while it is still the latest record of its key", () => {
    const index = new OffsetsLogIndex();
    index.note(offset("g", "t", 0, null), 0);
    index.note(offset("g", "t", 1, 1n), 1);
    const [tombstone, live] = [...index.entries()];
    assert.equal(index.forgetTombstone(live!), false, "not a tombstone");
    index.note(offset("g", "t", 0, 2n), 2);
    assert.equal(index.forgetTombstone(tombstone!), false, "superseded by a commit meanwhile");
    index.note(offset("g", "t", 0, null), 3);
    const latest = [...index.entries()][0]!;
    assert.equal(index.forgetTombstone(latest), true);
    assert.equal([...index.entries()].length, 1);
  });

  it("a note below the key's latest offset breaks the index instead of going back in time", () => {
    const index = new OffsetsLogIndex();
    index.note(offset("g", "t", 0, 2n), 7);
    index.note(offset("g", "t", 0, 1n), 3);
    assert.equal(index.broken, true);
    assert.equal([...index.entries()][0]!.offset, 7);
  });
});
