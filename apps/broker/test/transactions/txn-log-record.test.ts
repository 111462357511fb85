import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CoordinatorError } from "../../src/errors.ts";
import {
  decodeTxnLogRecord,
  encodeTxnLogKey,
  encodeTxnLogValue,
} from "../../src/transactions/txn-log-record.ts";
import { type TxnMetadata, TxnState } from "../../src/transactions/txn-state.ts";

const metadata: TxnMetadata = {
  transactionalId: "tx-é",
  producerId: 0x123456789an,
  lastProducerId: -1n,
  producerEpoch: 7,
  lastProducerEpoch: -1,
  timeoutMs: 60_000,
  state: TxnState.Ongoing,
  partitions: [
    { topic: "a", partition: 0 },
    { topic: "a", partition: 3 },
    { topic: "b", partition: 1 },
  ],
  startTimestamp: 1_700_000_000_000,
  lastUpdateTimestamp: 1_700_000_000_500,
};

describe("transaction log records (Kafka's TransactionLogKey/Value v0)", () => {
  it("round-trips metadata and tombstones", () => {
    const key = encodeTxnLogKey(metadata.transactionalId);
    assert.deepEqual(decodeTxnLogRecord(key, encodeTxnLogValue(metadata)), {
      transactionalId: metadata.transactionalId,
      value: metadata,
    });
    assert.deepEqual(decodeTxnLogRecord(key, null), {
      transactionalId: metadata.transactionalId,
      value: null,
    });
  });

  it("writes Kafka's byte layout", () => {
    const value = encodeTxnLogValue({ ...metadata, partitions: [{ topic: "t", partition: 2 }] })!;
    const expected = Buffer.concat([
      Buffer.from("0000", "hex"), // version
      Buffer.from("000000123456789a", "hex"), // producer id
      Buffer.from("0007", "hex"), // epoch
      Buffer.from("0000ea60", "hex"), // timeout 60000
      Buffer.from("01", "hex"), // Ongoing
      Buffer.from("00000001" + "0001" + "74" + "00000001" + "00000002", "hex"), // [t [2]]
      Buffer.from("0000018bcfe569f4", "hex"), // last update 1_700_000_000_500
      Buffer.from("0000018bcfe56800", "hex"), // start 1_700_000_000_000
    ]);
    assert.equal(value.toString("hex"), expected.toString("hex"));
    assert.equal(encodeTxnLogKey("ab").toString("hex"), "000000026162");
  });

  it("refuses corrupt input with LOG_RECORD_CORRUPT, never a crash", () => {
    const key = encodeTxnLogKey("x");
    const value = encodeTxnLogValue(metadata)!;
    const bad: [Buffer, Buffer | null][] = [
      [Buffer.from([0, 1, 0, 0]), null], // key version 1
      [key.subarray(0, 3), null], // truncated key
      [key, value.subarray(0, value.length - 1)], // truncated value
      [key, Buffer.concat([value, Buffer.from([0])])], // trailing byte
      [key, Buffer.from([0, 9])], // value version 9
      [
        key,
        (() => {
          const v = Buffer.from(value);
          v.writeInt8(42, 16);
          return v;
        })(),
      ], // unknown state
      [
        key,
        (() => {
          const v = Buffer.from(value);
          v.writeInt8(TxnState.Dead, 16);
          return v;
        })(),
      ],
      [
        key,
        (() => {
          const v = Buffer.from(value);
          v.writeInt32BE(-5, 17);
          return v;
        })(),
      ], // topic count
    ];
    for (const [k, v] of bad) {
      assert.throws(
        () => decodeTxnLogRecord(k, v),
        (e: unknown) => e instanceof CoordinatorError && e.code === "LOG_RECORD_CORRUPT",
      );
    }
  });
});
