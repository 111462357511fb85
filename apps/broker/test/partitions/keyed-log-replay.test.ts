// The coordinators' log replay (offsets log, transaction log): records applied once each in offset order,
// and every unreadable log a LOG_RECORD_CORRUPT naming the log, never a crash or a silently partial state.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeRecordBatch } from "@cirrus/kafka-protocol";
import { CoordinatorError, isCoordinatorError } from "../../src/errors.ts";
import { type ReplayedPartition, replayKeyedLog } from "../../src/partitions/keyed-log-replay.ts";

/** A partition whose reads answer whole batches from `batches` (baseOffset, keys) overlapping the offset. */
function partitionOf(batches: Array<{ baseOffset: number; keys: Array<string | null> }>): ReplayedPartition {
  const encoded = batches.map((b) => ({
    ...b,
    payload: encodeRecordBatch({
      baseOffset: BigInt(b.baseOffset),
      records: b.keys.map((k) => ({ key: k === null ? null : Buffer.from(k), value: Buffer.from(`v-${k}`) })),
    }),
  }));
  const end = Math.max(...batches.map((b) => b.baseOffset + b.keys.length));
  return {
    logStartOffset: batches[0]!.baseOffset,
    highWatermark: end,
    read: async (offset: number) => {
      const chunks = encoded.filter((b) => b.baseOffset + b.keys.length > offset).map((b) => b.payload);
      return { chunks, bytes: chunks.reduce((n, c) => n + c.length, 0) };
    },
  } as ReplayedPartition;
}

const decodeText = (key: Buffer, value: Buffer | null) => `${key}=${value}`;

describe("replayKeyedLog", () => {
  it("applies every record once, in offset order, with its offset", async () => {
    const seen: Array<[string, number]> = [];
    const count = await replayKeyedLog(
      partitionOf([
        { baseOffset: 5, keys: ["a", "b"] },
        { baseOffset: 7, keys: ["c"] },
      ]),
      "test log",
      decodeText,
      (record, offset) => seen.push([record, offset]),
    );
    assert.equal(count, 3);
    assert.deepEqual(seen, [
      ["a=v-a", 5],
      ["b=v-b", 6],
      ["c=v-c", 7],
    ]);
  });

  it("a record without a key or one the decoder refuses is LOG_RECORD_CORRUPT naming the log", async () => {
    await assert.rejects(
      replayKeyedLog(
        partitionOf([{ baseOffset: 0, keys: ["a", null] }]),
        "offsets log",
        decodeText,
        () => {},
      ),
      (e) => isCoordinatorError(e, "LOG_RECORD_CORRUPT") && /offsets log unreadable near 1/.test(e.message),
    );
    const refuse = () => {
      throw new RangeError("bad bytes");
    };
    await assert.rejects(
      replayKeyedLog(partitionOf([{ baseOffset: 0, keys: ["a"] }]), "transaction log", refuse, () => {}),
      (e) =>
        isCoordinatorError(e, "LOG_RECORD_CORRUPT") && /transaction log unreadable near 0/.test(e.message),
    );
  });

  it("a CoordinatorError from the decoder passes through unchanged", async () => {
    const own = new CoordinatorError("LOG_RECORD_CORRUPT", "unknown key version 9");
    await assert.rejects(
      replayKeyedLog(
        partitionOf([{ baseOffset: 0, keys: ["a"] }]),
        "test log",
        () => {
          throw own;
        },
        () => {},
      ),
      (e) => e === own,
    );
  });

  it("a read that does not advance is LOG_RECORD_CORRUPT, not a loop", async () => {
    const stuck = { ...partitionOf([{ baseOffset: 0, keys: ["a"] }]), highWatermark: 3 } as ReplayedPartition;
    const first = stuck.read.bind(stuck);
    const partition = {
      ...stuck,
      read: (_offset: number, maxBytes: number) => first(0, maxBytes),
    } as ReplayedPartition;
    await assert.rejects(
      replayKeyedLog(partition, "test log", decodeText, () => {}),
      (e) => isCoordinatorError(e, "LOG_RECORD_CORRUPT") && /test log does not advance at 1/.test(e.message),
    );
  });
});
