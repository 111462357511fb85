import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OffsetsLogRecord, StoredGroup } from "../../src/groups/offsets-log-record.ts";
import { stateOfRecords } from "./offsets-log-kit.ts";

const commit = (offset: bigint | null): OffsetsLogRecord => ({
  kind: "offset",
  groupId: "g",
  topic: "t",
  partition: 0,
  value: offset === null ? null : { offset, leaderEpoch: 1, metadata: "", commitTimestamp: 5n },
});
const emptyGeneration0: StoredGroup = {
  protocolType: "consumer",
  generationId: 0,
  protocolName: null,
  leader: null,
  stateTimestamp: 77n,
  members: [],
};
const group = (value: StoredGroup | null): OffsetsLogRecord => ({ kind: "group", groupId: "g", value });

describe("GroupShard replay", () => {
  it("depends on the last record of each key only: superseded records and order between keys change nothing", () => {
    // The log as written, then what a compaction keeps (latest per key, in another order between keys).
    const written = [commit(1n), commit(null), group(emptyGeneration0), commit(2n)];
    const compacted = [commit(2n), group(emptyGeneration0)];
    const expected = stateOfRecords(written);
    assert.deepEqual(stateOfRecords(compacted), expected);
    assert.deepEqual(stateOfRecords([...compacted].reverse()), expected);
    assert.deepEqual(
      stateOfRecords([...written, ...compacted]),
      expected,
      "duplicates (a crash before the trim)",
    );
    assert.equal((expected[0] as { stateTimestamp: number }).stateTimestamp, 77);
  });

  it("a group tombstone resets the group to a fresh one; a group holding nothing is not loaded", () => {
    const withOffsets = stateOfRecords([
      group({ ...emptyGeneration0, generationId: 3 }),
      commit(4n),
      group(null),
    ]);
    assert.equal(withOffsets.length, 1);
    assert.deepEqual(
      { ...(withOffsets[0] as object), offsets: [] },
      {
        id: "g",
        state: "Empty",
        generationId: 0,
        protocolType: null,
        protocolName: null,
        leaderId: null,
        stateTimestamp: 0,
        members: [],
        offsets: [],
      },
    );
    assert.deepEqual(stateOfRecords([commit(4n), commit(null), group(null)]), []);
  });
});
