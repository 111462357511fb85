// The retention decision (Kafka's deleteOldSegments over stored batches): time, size, both, no limit,
// compacted topics, and the bound at the last stable offset of an open transaction.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decideRetention,
  type RetentionUnit,
  retentionPolicyOf,
} from "../../src/partitions/retention-policy.ts";

const NOW = 1_000_000;
/** Ten batches of 100 bytes, 10 offsets each, written one second apart, the last at NOW - 1000. */
const batches: RetentionUnit[] = Array.from({ length: 10 }, (_, i) => ({
  baseOffset: i * 10,
  endOffset: i * 10 + 10,
  bytes: 100,
  maxTimestamp: NOW - 10_000 + i * 1000,
}));
const END = 100;

describe("retentionPolicyOf", () => {
  it("takes Kafka's defaults for keys the topic does not set: 7 days, no size limit, delete", () => {
    assert.deepEqual(retentionPolicyOf(undefined), {
      retentionMs: 604_800_000,
      retentionBytes: Number.POSITIVE_INFINITY,
      deletes: true,
    });
    assert.deepEqual(retentionPolicyOf({}), retentionPolicyOf(undefined));
  });

  it("reads -1 (any negative) as no limit and the cleanup policy as a list", () => {
    const policy = retentionPolicyOf({ "retention.ms": "-1", "retention.bytes": "2048" });
    assert.equal(policy.retentionMs, Number.POSITIVE_INFINITY);
    assert.equal(policy.retentionBytes, 2048);
    assert.equal(retentionPolicyOf({ "cleanup.policy": "compact" }).deletes, false);
    assert.equal(retentionPolicyOf({ "cleanup.policy": "compact, delete" }).deletes, true);
    assert.equal(retentionPolicyOf({ "cleanup.policy": "delete" }).deletes, true);
  });
});

describe("decideRetention", () => {
  const policy = (ms: number, bytes: number, deletes = true) => ({
    retentionMs: ms,
    retentionBytes: bytes,
    deletes,
  });
  const INF = Number.POSITIVE_INFINITY;

  it("time: deletes the batches whose max timestamp is older than retention.ms, stopping at the first kept", () => {
    // Batches 0..4 are 10..6 s old; 5 s is not more than 5 s.
    const decision = decideRetention(batches, policy(5_000, INF), NOW, END);
    assert.deepEqual(decision, { newStartOffset: 50, firstKept: 5, byTime: 5, bySize: 0 });
    // A newer batch in front stops the walk, as a newer segment stops Kafka's.
    const shuffled = [{ ...batches[0]!, maxTimestamp: NOW }, ...batches.slice(1)];
    assert.equal(decideRetention(shuffled, policy(5_000, INF), NOW, END).newStartOffset, undefined);
  });

  it("size: deletes the oldest batches while at least retention.bytes remain", () => {
    assert.equal(decideRetention(batches, policy(INF, 350), NOW, END).newStartOffset, 60);
    assert.equal(decideRetention(batches, policy(INF, 400), NOW, END).newStartOffset, 60);
    assert.equal(decideRetention(batches, policy(INF, 1000), NOW, END).newStartOffset, undefined);
    assert.equal(decideRetention(batches, policy(INF, 0), NOW, END).newStartOffset, END);
  });

  it("both: time first, then size over what is left", () => {
    const decision = decideRetention(batches, policy(8_000, 300), NOW, END);
    assert.deepEqual(decision, { newStartOffset: 70, firstKept: 7, byTime: 2, bySize: 5 });
  });

  it("no limit, or a compact-only topic, deletes nothing however old the records", () => {
    const old = batches.map((b) => ({ ...b, maxTimestamp: 0 }));
    assert.equal(decideRetention(old, policy(INF, INF), NOW, END).newStartOffset, undefined);
    assert.equal(decideRetention(old, policy(1, 0, false), NOW, END).newStartOffset, undefined);
    assert.equal(decideRetention([], policy(1, 0), NOW, END).newStartOffset, undefined);
  });

  it("never deletes a batch ending above the limit (the last stable offset of an open transaction)", () => {
    const old = batches.map((b) => ({ ...b, maxTimestamp: 0 }));
    // A transaction open from offset 35: batches 0..2 end at or below it; batch 3 holds offset 35.
    assert.equal(decideRetention(old, policy(1, INF), NOW, 35).newStartOffset, 30);
    assert.equal(decideRetention(old, policy(INF, 0), NOW, 35).newStartOffset, 30);
    assert.equal(decideRetention(old, policy(1, INF), NOW, 40).newStartOffset, 40);
    assert.equal(decideRetention(old, policy(1, INF), NOW, 0).newStartOffset, undefined);
  });
});
