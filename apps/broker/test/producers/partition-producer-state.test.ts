import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ErrorCode } from "@cirrus/kafka-protocol";
import { MAX_STATE_TIMESTAMP } from "../../src/partitions/state-timestamp.ts";
import { PartitionProducerState, type ProducerBatch } from "../../src/producers/partition-producer-state.ts";
import { incrementSequence, inSequence, isAtOrBefore } from "../../src/producers/sequence.ts";

const options = { producerIdleExpiryMs: 60_000, maxProducers: 3 };
const batch = (baseSequence: number, records = 10, producerEpoch = 0, producerId = 7n): ProducerBatch => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: records - 1,
  maxTimestamp: 1000n,
});

/** Admits and settles as durable; returns the verdict. */
function write(state: PartitionProducerState, b: ProducerBatch, offset: number, now = 0) {
  const verdict = state.admit(b, offset, now);
  if (verdict.kind === "append") state.settle(b, offset, true);
  return verdict;
}

describe("sequence arithmetic", () => {
  it("wraps from INT32_MAX to 0", () => {
    assert.equal(incrementSequence(5, 3), 8);
    assert.equal(incrementSequence(0x7fffffff, 1), 0);
    assert.equal(incrementSequence(0x7ffffffe, 4), 2);
    assert.equal(inSequence(0x7fffffff, 0), true);
    assert.equal(inSequence(4, 6), false);
    assert.equal(isAtOrBefore(3, 10), true);
    assert.equal(isAtOrBefore(11, 10), false);
    assert.equal(isAtOrBefore(0x7ffffff0, 5), true, "before the wrap counts as earlier");
  });
});

describe("PartitionProducerState", () => {
  it("accepts a new producer at sequence 0 and then only the next sequence", () => {
    const s = new PartitionProducerState(options);
    assert.equal(write(s, batch(0), 0).kind, "append");
    assert.equal(write(s, batch(10), 10).kind, "append");
    const gap = write(s, batch(25), 20);
    assert.equal(gap.kind === "reject" && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  });

  it("refuses an unknown producer that does not start at 0", () => {
    const s = new PartitionProducerState(options);
    const v = write(s, batch(5), 0);
    assert.equal(v.kind === "reject" && v.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(s.producerCount, 0);
  });

  it("answers a retry of one of the last 5 batches with its original offset", () => {
    const s = new PartitionProducerState(options);
    for (let i = 0; i < 7; i++) write(s, batch(i * 10), 100 + i * 10);
    assert.deepEqual(write(s, batch(60), 999), { kind: "duplicate", baseOffset: 160 });
    assert.deepEqual(write(s, batch(20), 999), { kind: "duplicate", baseOffset: 120 });
    const old = write(s, batch(10), 999);
    assert.equal(
      old.kind === "reject" && old.errorCode,
      ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
      "older than the 5 remembered: a duplicate without offsets",
    );
  });

  it("fences an older epoch and requires sequence 0 for a newer one", () => {
    const s = new PartitionProducerState(options);
    write(s, batch(0, 10, 3), 0);
    const stale = write(s, batch(10, 10, 2), 10);
    assert.equal(stale.kind === "reject" && stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const badStart = write(s, batch(10, 10, 4), 10);
    assert.equal(badStart.kind === "reject" && badStart.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(write(s, batch(0, 10, 4), 10).kind, "append");
    const zombie = write(s, batch(10, 10, 3), 20);
    assert.equal(zombie.kind === "reject" && zombie.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  it("checks pipelined batches against pending ones, and a retry of a pending one is retriable", () => {
    const s = new PartitionProducerState(options);
    assert.equal(s.admit(batch(0), 0, 0).kind, "append");
    assert.equal(s.admit(batch(10), 10, 0).kind, "append", "follows the pending batch");
    const retry = s.admit(batch(0), 20, 0);
    assert.equal(retry.kind === "reject" && retry.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    s.settle(batch(0), 0, true);
    assert.deepEqual(s.admit(batch(0), 20, 0), { kind: "duplicate", baseOffset: 0 });
  });

  it("a failed append is undone: the same sequence is accepted again", () => {
    const s = new PartitionProducerState(options);
    write(s, batch(0), 0);
    assert.equal(s.admit(batch(10), 10, 0).kind, "append");
    s.settle(batch(10), 10, false);
    assert.equal(write(s, batch(10), 10).kind, "append");
    const fresh = new PartitionProducerState(options);
    assert.equal(fresh.admit(batch(0, 10, 0, 9n), 0, 0).kind, "append");
    fresh.settle(batch(0, 10, 0, 9n), 0, false);
    assert.equal(fresh.producerCount, 0, "a producer whose only batch failed is forgotten");
  });

  it("forgets idle producers and bounds how many it remembers", () => {
    const s = new PartitionProducerState(options);
    write(s, batch(0, 1, 0, 1n), 0, 0);
    write(s, batch(0, 1, 0, 2n), 1, 10);
    write(s, batch(0, 1, 0, 3n), 2, 20);
    write(s, batch(0, 1, 0, 4n), 3, 30);
    assert.equal(s.producerCount, 3, "the longest idle producer was evicted");
    const evicted = write(s, batch(1, 1, 0, 1n), 4, 40);
    assert.equal(evicted.kind, "reject");
    s.expire(60_000 + 25, () => false);
    assert.equal(s.producerCount, 1);
  });

  it("never forgets a producer whose transaction is open, however idle", () => {
    const s = new PartitionProducerState(options);
    write(s, batch(0, 1, 0, 1n), 0, 0);
    write(s, batch(0, 1, 0, 2n), 1, 0);
    s.expire(10 * 60_000, (producerId) => producerId === 1n);
    assert.equal(s.producerCount, 1);
    assert.equal(write(s, batch(1, 1, 0, 1n), 2, 10 * 60_000).kind, "append", "its sequence is kept");
  });

  it("forgets a producer known only by its marker once the marker is idle, unless its transaction is open", () => {
    const s = new PartitionProducerState(options);
    s.noteMarker(8n, 3, 1_000);
    s.noteMarker(9n, 2, 1_000);
    s.noteMarker(9n, 2, 5_000); // a newer marker of the same epoch: idle from here
    s.noteMarker(10n, 4, 1_000);
    s.expire(1_000 + 60_000, () => false);
    assert.equal(s.markerCount, 3, "idle for exactly the expiry: kept");
    s.expire(1_000 + 60_001, (producerId) => producerId === 10n);
    assert.equal(s.markerEpoch(8n), undefined, "idle longer than the expiry: forgotten");
    assert.equal(s.markerEpoch(9n), 2, "its newest marker is younger");
    assert.equal(s.markerEpoch(10n), 4, "an open transaction is never expired");
    assert.equal(write(s, batch(0, 1, 3, 10n), 0, 70_000).kind, "reject", "and still fences epoch 3");
    s.expire(5_000 + 60_001, () => false);
    assert.equal(s.markerCount, 0);
  });

  it("a producer is idle since its newest batch or marker, whichever is later (Kafka's one entry)", () => {
    const s = new PartitionProducerState(options);
    write(s, batch(0, 1, 0, 1n), 0, 0);
    s.noteMarker(1n, 0, 50_000);
    write(s, batch(0, 1, 0, 2n), 1, 50_000);
    s.noteMarker(2n, 0, 0);
    s.expire(60_000 + 25, () => false);
    assert.equal(s.producerCount, 2, "a recent marker keeps the batches, a recent batch the marker");
    assert.equal(s.markerCount, 2);
    assert.equal(write(s, batch(1, 1, 0, 1n), 2, 60_025).kind, "append", "1 keeps its sequence");
    s.expire(120_000, () => false);
    assert.equal(s.markerEpoch(2n), undefined, "both idle: forgotten with the batches");
    assert.equal(s.producerCount, 1);
  });

  it("replay rebuilds the same state that live appends built", () => {
    const live = new PartitionProducerState(options);
    const replayed = new PartitionProducerState(options);
    for (let i = 0; i < 4; i++) {
      write(live, batch(i * 10), i * 10);
      replayed.replay(batch(i * 10), i * 10);
    }
    replayed.replay({ ...batch(0), producerId: -1n }, 40);
    for (const probe of [batch(30), batch(40), batch(50), batch(0, 10, 1)]) {
      assert.deepEqual(replayed.admit(probe, 50, 0), live.admit(probe, 50, 0));
    }
  });
});

describe("replayed producer times", () => {
  it("are clamped to the state's bound: a client's int64 time stays storable, and a future one never idles", () => {
    const state = new PartitionProducerState(options);
    state.replay({ ...batch(0), producerId: 1n, maxTimestamp: 2n ** 62n }, 0);
    state.replay({ ...batch(0), producerId: 2n, maxTimestamp: -(2n ** 62n) }, 10);
    state.replay({ ...batch(0), producerId: 3n, maxTimestamp: -1n }, 20);
    assert.deepEqual(
      state.snapshot().map((p) => [p.producerId, p.lastTimestamp]),
      [
        [1n, MAX_STATE_TIMESTAMP],
        [2n, -MAX_STATE_TIMESTAMP],
        [3n, -1],
      ],
    );
    state.expire(Date.now(), () => false);
    assert.deepEqual(
      state.snapshot().map((p) => p.producerId),
      [1n],
    );
  });
});
