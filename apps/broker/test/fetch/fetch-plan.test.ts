import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode, type FetchRequest } from "@cirrus/kafka-protocol";
import { answerFetch, type FetchPlan, planFetch } from "../../src/fetch/fetch-plan.ts";
import type { PartitionOutcome } from "../../src/fetch/fetch-session.ts";
import { FetchSessionCache } from "../../src/fetch/fetch-session-cache.ts";

const topicId = "0123456789abcdef0123456789abcdef";

function request(
  sessionId: number,
  sessionEpoch: number,
  partitions: [number, number][],
  forgotten: number[] = [],
): FetchRequest {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch,
    topics:
      partitions.length === 0
        ? []
        : [
            {
              topic: "t",
              topicId,
              partitions: partitions.map(([partition, offset]) => ({
                partition,
                currentLeaderEpoch: -1,
                fetchOffset: BigInt(offset),
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: 1 << 20,
              })),
            },
          ],
    forgottenTopicsData: forgotten.length === 0 ? [] : [{ topic: "t", topicId, partitions: forgotten }],
    rackId: "",
  };
}

/** Pretends each target was read: hw 10, log start 0, `bytes` bytes. */
function outcomes(plan: FetchPlan, bytes: (partition: number) => number = () => 0) {
  if (plan.kind === "error") return [];
  return plan.targets.map((t): PartitionOutcome & { partition: number } => ({
    partition: t.partition,
    errorCode: ErrorCode.NONE,
    bytes: bytes(t.partition),
    highWatermark: 10,
    logStartOffset: 0,
  }));
}

function run(cache: FetchSessionCache, req: FetchRequest, byId = false, bytes?: (p: number) => number) {
  const plan = planFetch(req, byId, cache);
  return { plan, answer: answerFetch(plan, outcomes(plan, bytes), cache) };
}

describe("planFetch and answerFetch", () => {
  test("epoch -1 is sessionless: sessionId 0, every partition answered, no session kept", () => {
    const cache = new FetchSessionCache();
    const { plan, answer } = run(
      cache,
      request(0, -1, [
        [0, 0],
        [1, 0],
      ]),
    );
    assert.equal(plan.kind, "sessionless");
    assert.equal(answer.sessionId, 0);
    assert.equal(answer.partitions.length, 2);
    assert.equal(cache.size, 0);
  });

  test("full → incremental → forget → stale epoch, as KIP-227 clients expect", () => {
    const cache = new FetchSessionCache();
    const full = run(
      cache,
      request(0, 0, [
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
    );
    assert.equal(full.plan.kind, "full");
    const id = full.answer.sessionId;
    assert.ok(id > 0);
    assert.equal(full.answer.partitions.length, 3);

    // nothing changed: an empty incremental answer
    const quiet = run(cache, request(id, 1, []));
    assert.equal(quiet.plan.kind, "incremental");
    assert.deepEqual(quiet.answer, { errorCode: 0, sessionId: id, partitions: [] });

    // partition 1 moved its offset and has data: only it is answered, all three were read
    const moved = run(cache, request(id, 2, [[1, 4]]), false, (p) => (p === 1 ? 100 : 0));
    assert.equal(moved.plan.kind === "incremental" && moved.plan.targets.length, 3);
    assert.deepEqual(
      moved.answer.partitions.map((p) => p.partition),
      [1],
    );

    // forget partition 0; the session now reads 2 then 1 (1 returned data, so it went to the end)
    const forgot = run(cache, request(id, 3, [], [0]));
    assert.deepEqual(
      forgot.plan.kind === "incremental" && forgot.plan.targets.map((t) => t.partition),
      [2, 1],
    );

    // the same epoch again (a duplicate): INVALID_FETCH_SESSION_EPOCH, nothing answered
    const dup = run(cache, request(id, 3, []));
    assert.deepEqual(dup.answer, {
      errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH,
      sessionId: 0,
      partitions: [],
    });
    assert.equal(cache.get(id)?.epoch, 4, "a refused request does not move the epoch");
  });

  test("unknown session: FETCH_SESSION_ID_NOT_FOUND; epoch 0 with an id replaces that session", () => {
    const cache = new FetchSessionCache();
    assert.equal(run(cache, request(12345, 1, [])).answer.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    assert.equal(run(cache, request(0, 5, [])).answer.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    const first = run(cache, request(0, 0, [[0, 0]])).answer.sessionId;
    const second = run(cache, request(first, 0, [[0, 0]])).answer.sessionId;
    assert.notEqual(second, first);
    assert.equal(cache.get(first), undefined);
    assert.equal(cache.size, 1);
    // epoch -1 naming a session closes it
    assert.equal(run(cache, request(second, -1, [[0, 0]])).answer.sessionId, 0);
    assert.equal(cache.size, 0);
  });

  test("forgetting every partition closes the session and answers sessionless", () => {
    const cache = new FetchSessionCache();
    const id = run(cache, request(0, 0, [[0, 0]])).answer.sessionId;
    const { plan, answer } = run(cache, request(id, 1, [], [0]));
    assert.equal(plan.kind, "sessionless");
    assert.equal(answer.sessionId, 0);
    assert.equal(cache.get(id), undefined);
  });

  test("a topic-id session used by a name request (or the reverse) is FETCH_SESSION_TOPIC_ID_ERROR", () => {
    const cache = new FetchSessionCache();
    const byIds = run(cache, request(0, 0, [[0, 0]]), true).answer.sessionId;
    assert.equal(
      run(cache, request(byIds, 1, []), false).answer.errorCode,
      ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR,
    );
    assert.equal(run(cache, request(byIds, 1, []), true).answer.errorCode, ErrorCode.NONE);
    const byNames = run(cache, request(0, 0, [[0, 0]]), false).answer.sessionId;
    assert.equal(
      run(cache, request(byNames, 1, []), true).answer.errorCode,
      ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR,
    );
  });

  test("an answer whose session moved on while it waited is INVALID_FETCH_SESSION_EPOCH", () => {
    const cache = new FetchSessionCache();
    const id = run(cache, request(0, 0, [[0, 0]])).answer.sessionId;
    const waiting = planFetch(request(id, 1, []), false, cache);
    run(cache, request(id, 2, [])); // a pipelined next request overtakes it
    const late = answerFetch(waiting, outcomes(waiting), cache);
    assert.equal(late.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    assert.deepEqual(late.partitions, []);
  });

  test("an incremental fetch that grows its session past the partition bound is answered without it", () => {
    const cache = new FetchSessionCache({ maxCachedPartitions: 2 });
    const id = run(
      cache,
      request(0, 0, [
        [0, 0],
        [1, 0],
      ]),
    ).answer.sessionId;
    assert.ok(id > 0);
    const { plan, answer } = run(cache, request(id, 1, [[2, 0]]));
    assert.equal(plan.kind, "sessionless");
    assert.deepEqual(
      { sessionId: answer.sessionId, listed: answer.partitions.map((p) => p.partition) },
      { sessionId: 0, listed: [2] },
    );
    assert.equal(cache.get(id), undefined);
  });

  test("no slot for a new session: answered in full with sessionId 0", () => {
    const cache = new FetchSessionCache({ maxSessions: 0 });
    const { plan, answer } = run(cache, request(0, 0, [[0, 0]]));
    assert.equal(plan.kind, "full");
    assert.equal(answer.sessionId, 0);
    assert.equal(answer.partitions.length, 1);
  });
});
