// Sources waiting for their successors woken by the same stream open share one metadata read; a read that may
// predate an announced change is never shared with a waiter registered after that change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { AssignmentNotifier } from "../../src/services/assignment-notifier.ts";
import { SharedMetadataReads } from "../../src/services/shared-metadata-reads.ts";

/** Reads that answer when the test says, counted per cluster. */
function heldReads() {
  const pending: { clusterId: string; settle: (error?: Error) => void }[] = [];
  const read = (clusterId: string) =>
    new Promise<ClusterMetadata>((resolve, reject) => {
      const version = pending.length;
      pending.push({
        clusterId,
        settle: (error) =>
          error
            ? reject(error)
            : resolve({ clusterId, version, controllerBrokerId: -1, brokers: [], topics: [] }),
      });
    });
  return { read, pending };
}

describe("SharedMetadataReads", () => {
  it("gives waiters of one cluster one read while no leaders change is announced", async () => {
    const notifier = new AssignmentNotifier();
    const { read, pending } = heldReads();
    const reads = new SharedMetadataReads(notifier, read);
    const answers = [reads.read("c1"), reads.read("c1"), reads.read("c1"), reads.read("c2")];
    assert.deepEqual(
      pending.map((p) => p.clusterId),
      ["c1", "c2"],
    );
    for (const p of pending) p.settle();
    const [a, b, c, d] = await Promise.all(answers);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.equal(d?.clusterId, "c2");
    // Settled: the next wake-up reads afresh.
    const next = reads.read("c1");
    assert.equal(pending.length, 3);
    pending[2]?.settle();
    assert.equal((await next).version, 2);
  });

  it("does not share a read that started before a change announced since", async () => {
    const notifier = new AssignmentNotifier();
    const { read, pending } = heldReads();
    const reads = new SharedMetadataReads(notifier, read);
    const early = reads.read("c1");
    await notifier.leadersChanged("c1");
    const late = reads.read("c1");
    assert.equal(pending.length, 2, "a waiter registered after the change gets a read that follows it");
    // A change of another cluster does not stop the sharing.
    await notifier.leadersChanged("c2");
    const alsoLate = reads.read("c1");
    assert.equal(pending.length, 2);
    for (const p of pending) p.settle();
    assert.equal((await early).version, 0);
    assert.equal((await late).version, 1);
    assert.equal(await alsoLate, await late);
  });

  it("rejects every sharer of a failed read, and reads again next time", async () => {
    const notifier = new AssignmentNotifier();
    const { read, pending } = heldReads();
    const reads = new SharedMetadataReads(notifier, read);
    const both = [reads.read("c1"), reads.read("c1")];
    pending[0]?.settle(new Error("database away"));
    for (const answer of both) await assert.rejects(answer, /database away/);
    const again = reads.read("c1");
    assert.equal(pending.length, 2);
    pending[1]?.settle();
    assert.equal((await again).version, 1);
  });
});
