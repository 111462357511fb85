import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCoordinatorError } from "../../src/errors.ts";
import { idsPerRegistration, ProducerIdAllocator } from "../../src/producers/producer-id-allocator.ts";

describe("ProducerIdAllocator", () => {
  it("gives ids unique across brokers and registrations, all positive int64", () => {
    const seen = new Set<bigint>();
    for (const brokerId of [0, 1, 65_535]) {
      for (const epoch of [0, 1, 8_388_607]) {
        const allocator = new ProducerIdAllocator({ brokerId: () => brokerId, brokerEpoch: () => epoch });
        for (let i = 0; i < 100; i++) {
          const id = allocator.allocate()!;
          assert.ok(id >= 0n && id < 2n ** 63n);
          assert.ok(!seen.has(id), `duplicate ${id}`);
          seen.add(id);
        }
      }
    }
  });

  it("restarts the counter when the broker re-registers with a new epoch", () => {
    let epoch = 4;
    const allocator = new ProducerIdAllocator({ brokerId: () => 2, brokerEpoch: () => epoch });
    const first = allocator.allocate()!;
    epoch = 5;
    const second = allocator.allocate()!;
    assert.equal(second - first, 1n << 24n);
  });

  it("returns null before registration and throws when ids run out or do not fit", () => {
    assert.equal(new ProducerIdAllocator({ brokerId: () => -1, brokerEpoch: () => -1 }).allocate(), null);
    const tooBig = new ProducerIdAllocator({ brokerId: () => 70_000, brokerEpoch: () => 1 });
    assert.throws(
      () => tooBig.allocate(),
      (e) => isCoordinatorError(e, "PRODUCER_IDS_EXHAUSTED"),
    );
    const allocator = new ProducerIdAllocator({ brokerId: () => 1, brokerEpoch: () => 1 });
    for (let i = 0; i < idsPerRegistration; i++) allocator.allocate();
    assert.throws(
      () => allocator.allocate(),
      (e) => isCoordinatorError(e, "PRODUCER_IDS_EXHAUSTED"),
    );
  });
});
