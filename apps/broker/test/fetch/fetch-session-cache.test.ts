import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type FetchSession, type FetchTarget, nextEpoch } from "../../src/fetch/fetch-session.ts";
import { FetchSessionCache } from "../../src/fetch/fetch-session-cache.ts";

function target(partition: number, fetchOffset = 0, topic = "t"): FetchTarget {
  return { topic, topicId: "", partition, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 };
}

const answered = { errorCode: 0, bytes: 0, highWatermark: 5, logStartOffset: 0 };

function fill(partitions: number): (s: FetchSession) => void {
  return (s) => {
    for (let p = 0; p < partitions; p++) s.addAnswered(target(p), answered);
  };
}

function clockedCache(options: { maxSessions?: number; evictionMs?: number; idleExpiryMs?: number } = {}) {
  const clock = { now: 0 };
  const cache = new FetchSessionCache({
    maxSessions: options.maxSessions ?? 3,
    evictionMs: options.evictionMs ?? 1000,
    idleExpiryMs: options.idleExpiryMs ?? 10_000,
    now: () => clock.now,
  });
  return { clock, cache };
}

describe("nextEpoch", () => {
  test("counts up from 0, wraps past 2^31-1 to 1 (never to the new-session 0), stays final at -1", () => {
    assert.equal(nextEpoch(0), 1);
    assert.equal(nextEpoch(41), 42);
    assert.equal(nextEpoch(0x7fffffff), 1);
    assert.equal(nextEpoch(-1), -1);
  });
});

describe("FetchSessionCache", () => {
  test("creates sessions with unique positive ids and epoch 1, found by id until removed", () => {
    const ids = [7, 7, 0, -3, 7, 9];
    const cache = new FetchSessionCache({ maxSessions: 10, randomId: () => ids.shift()! });
    const a = cache.create(false, 2, fill(2))!;
    const b = cache.create(true, 1, fill(1))!;
    assert.equal(a.id, 7);
    assert.equal(b.id, 9, "a colliding, zero or negative id is drawn again");
    assert.equal(a.epoch, 1);
    assert.equal(b.usesTopicIds, true);
    assert.equal(cache.get(7), a);
    assert.deepEqual(
      a.partitions().map((p) => p.partition),
      [0, 1],
    );
    assert.equal(cache.remove(7), true);
    assert.equal(cache.get(7), undefined);
    assert.equal(cache.remove(7), false);
    assert.deepEqual(
      {
        sessions: cache.stats().sessions,
        partitions: cache.stats().partitions,
        created: cache.stats().created,
      },
      { sessions: 1, partitions: 1, created: 2 },
    );
  });

  test("full of young sessions: a new one is refused (the client keeps full fetches)", () => {
    const { clock, cache } = clockedCache();
    for (let i = 0; i < 3; i++) assert.ok(cache.create(false, 1, fill(1)));
    clock.now = 500; // younger than evictionMs and not stale
    assert.equal(cache.create(false, 100, fill(100)), undefined);
    assert.equal(cache.size, 3);
    assert.equal(cache.stats().refused, 1);
  });

  test("full: the least recently used stale session (unused for evictionMs) gives up its slot", () => {
    const { clock, cache } = clockedCache();
    const a = cache.create(false, 5, fill(5))!;
    const b = cache.create(false, 5, fill(5))!;
    const c = cache.create(false, 5, fill(5))!;
    clock.now = 900;
    cache.touch(a); // a is now the most recently used; b the least
    clock.now = 1500; // b and c unused for 1500 ms > 1000
    const d = cache.create(false, 1, fill(1));
    assert.ok(d, "a stale session is evicted whatever its size");
    assert.equal(cache.get(b.id), undefined);
    assert.equal(cache.get(a.id), a);
    assert.equal(cache.get(c.id), c);
    assert.equal(cache.stats().evicted, 1);
  });

  test("full, nothing stale: the smallest session older than evictionMs is evicted for a bigger one only", () => {
    const { clock, cache } = clockedCache({ evictionMs: 1000, idleExpiryMs: 100_000 });
    const small = cache.create(false, 2, fill(2))!;
    const big = cache.create(false, 8, fill(8))!;
    clock.now = 600;
    const young = cache.create(false, 1, fill(1))!; // smallest, but too young to evict
    clock.now = 1200;
    for (const s of [small, big, young]) cache.touch(s); // nothing is stale
    assert.equal(cache.create(false, 2, fill(2)), undefined, "equal size does not evict");
    const bigger = cache.create(false, 3, fill(3));
    assert.ok(bigger);
    assert.equal(cache.get(small.id), undefined, "the smallest old session went");
    assert.equal(cache.get(young.id), young, "young sessions are protected");
    assert.equal(cache.get(big.id), big);
  });

  test("sessions idle past idleExpiryMs are dropped even when there is room", () => {
    const { clock, cache } = clockedCache({ maxSessions: 100, idleExpiryMs: 5000 });
    const a = cache.create(false, 3, fill(3))!;
    const b = cache.create(false, 3, fill(3))!;
    clock.now = 4000;
    cache.touch(b);
    clock.now = 6000;
    assert.equal(cache.get(a.id), undefined);
    assert.equal(cache.get(b.id), b);
    assert.deepEqual(
      { expired: cache.stats().expired, partitions: cache.stats().partitions },
      { expired: 1, partitions: 3 },
    );
  });

  test("maxCachedPartitions bounds the partitions of all sessions: creation refused, growth closes", () => {
    const cache = new FetchSessionCache({ maxCachedPartitions: 10 });
    const a = cache.create(false, 6, fill(6))!;
    assert.equal(cache.create(false, 5, fill(5)), undefined, "6 + 5 > 10");
    assert.equal(cache.stats().refused, 1);
    const b = cache.create(false, 4, fill(4))!;
    assert.equal(cache.stats().partitions, 10);
    // forgetting one and adding one stays within the bound
    assert.equal(cache.update(b, [target(9)], [{ topicKey: "t", partition: 0 }]), true);
    assert.equal(cache.stats().partitions, 10);
    // growing past it closes the session that grew
    assert.equal(cache.update(a, [target(20), target(21)], []), false);
    assert.equal(cache.get(a.id), undefined);
    assert.equal(cache.stats().partitions, 4);
    // forgetting every partition closes it too
    assert.equal(
      cache.update(
        b,
        [],
        [1, 2, 3, 9].map((partition) => ({ topicKey: "t", partition })),
      ),
      false,
    );
    assert.deepEqual(
      { sessions: cache.size, partitions: cache.stats().partitions },
      { sessions: 0, partitions: 0 },
    );
  });

  test("a cache of 0 slots never creates a session; bad limits are refused", () => {
    const cache = new FetchSessionCache({ maxSessions: 0 });
    assert.equal(cache.create(false, 10, fill(10)), undefined);
    assert.throws(() => new FetchSessionCache({ maxSessions: Number.NaN }), RangeError);
  });
});

describe("FetchSession", () => {
  test("update adds and changes partitions, then forgets; mustRespond reports only news", () => {
    const cache = new FetchSessionCache();
    const session = cache.create(false, 3, fill(3))!; // hw 5, log start 0 answered for 0,1,2
    const removed = session.update([target(1, 5), target(3, 0)], [{ topicKey: "t", partition: 2 }]);
    assert.equal(removed, 1);
    const parts = session.partitions();
    assert.deepEqual(
      parts.map((p) => [p.partition, p.fetchOffset]),
      [
        [0, 0],
        [1, 5],
        [3, 0],
      ],
    );
    const [p0, p1, p3] = parts;
    assert.equal(session.mustRespond(p0!, { ...answered }), false, "nothing changed");
    assert.equal(session.mustRespond(p1!, { ...answered, highWatermark: 6 }), true, "high watermark moved");
    assert.equal(session.mustRespond(p1!, { ...answered, highWatermark: 6 }), false, "and was recorded");
    assert.equal(session.mustRespond(p3!, { ...answered }), true, "a new partition was never answered");
    assert.equal(session.mustRespond(p0!, { ...answered, logStartOffset: 2 }), true, "log start moved");
    assert.equal(session.mustRespond(p0!, { ...answered, logStartOffset: 2, errorCode: 6 }), true, "error");
    assert.equal(
      session.mustRespond(p0!, { ...answered, logStartOffset: 2 }),
      true,
      "after an error the partition is answered again once it recovers",
    );
    assert.equal(session.mustRespond(p3!, { ...answered, bytes: 100 }), true, "records");
  });

  test("a partition that returned records moves to the end of the fetch order", () => {
    const session = new FetchSessionCache().create(false, 3, fill(3))!;
    const [p0] = session.partitions();
    session.mustRespond(p0!, { ...answered, bytes: 10 });
    assert.deepEqual(
      session.partitions().map((p) => p.partition),
      [1, 2, 0],
    );
  });

  test("topic-id sessions key partitions by id, so forgetting by name does nothing", () => {
    const session = new FetchSessionCache().create(true, 0, () => {})!;
    const id = "0123456789abcdef0123456789abcdef";
    session.update([{ ...target(0), topic: "", topicId: id }], []);
    assert.equal(session.update([], [{ topicKey: "t", partition: 0 }]), 0);
    assert.equal(session.update([], [{ topicKey: id, partition: 0 }]), 1);
    assert.equal(session.size, 0);
  });
});
