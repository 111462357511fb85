// Which kind of fetch a request is (Kafka's FetchManager.newContext), and, once its partitions are read,
// what the answer carries (FetchContext.updateAndGenerateResponseData):
//
//   sessionId  epoch   meaning
//   0          -1      full fetch, no session (every client before Fetch v7, kafkajs, librdkafka)
//   any        -1      full fetch, no session; the session named, if any, is closed
//   any         0      full fetch that opens a new session (closing the one named); the answer carries its id,
//                      or 0 when the cache has no slot for it
//   S          >0      incremental fetch in session S: the request lists only changed partitions
//                      (forgottenTopicsData removes some), the answer only partitions with news. Errors:
//                      FETCH_SESSION_ID_NOT_FOUND (unknown, evicted or expired), FETCH_SESSION_TOPIC_ID_ERROR
//                      (a v13+ session used below v13 or the reverse), INVALID_FETCH_SESSION_EPOCH (not the
//                      epoch the session expects, e.g. a duplicate or a lost response)
import { ErrorCode, type FetchRequest } from "@cirrus/kafka-protocol";
import {
  type FetchSession,
  type FetchTarget,
  FINAL_EPOCH,
  INITIAL_EPOCH,
  NO_SESSION_ID,
  nextEpoch,
  type PartitionOutcome,
} from "./fetch-session.ts";
import type { FetchSessionCache } from "./fetch-session-cache.ts";

export type FetchPlan =
  /** The request is refused as a whole: top-level error, sessionId 0, no partitions. */
  | { readonly kind: "error"; readonly errorCode: number }
  | { readonly kind: "sessionless"; readonly targets: readonly FetchTarget[] }
  | { readonly kind: "full"; readonly targets: readonly FetchTarget[]; readonly usesTopicIds: boolean }
  /** Reads every partition of the session; `epoch` is what the session must still expect when answering. */
  | {
      readonly kind: "incremental";
      readonly targets: readonly FetchTarget[];
      readonly session: FetchSession;
      readonly epoch: number;
    };

/** The request's partitions, as targets; `byId` (v13+) keys topics by id, otherwise by name. */
export function requestTargets(request: FetchRequest, byId: boolean): FetchTarget[] {
  const targets: FetchTarget[] = [];
  for (const topic of request.topics) {
    for (const p of topic.partitions) {
      targets.push({
        topic: byId ? "" : topic.topic,
        topicId: topic.topicId,
        partition: p.partition,
        fetchOffset: Number(p.fetchOffset),
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
      });
    }
  }
  return targets;
}

/**
 * Decides how to serve a request. For an incremental fetch this already applies the request to the
 * session (parameters, forgotten partitions), marks it used and advances its epoch, as Kafka does before
 * reading: a second request with the same epoch is then refused.
 */
export function planFetch(request: FetchRequest, byId: boolean, cache: FetchSessionCache): FetchPlan {
  const { sessionId, sessionEpoch } = request;
  const targets = requestTargets(request, byId);
  if (sessionEpoch === INITIAL_EPOCH || sessionEpoch === FINAL_EPOCH) {
    if (sessionId !== NO_SESSION_ID) cache.remove(sessionId);
    return sessionEpoch === FINAL_EPOCH
      ? { kind: "sessionless", targets }
      : { kind: "full", targets, usesTopicIds: byId };
  }
  const session = cache.get(sessionId);
  if (session === undefined) return { kind: "error", errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
  if (session.usesTopicIds !== byId)
    return { kind: "error", errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
  if (session.epoch !== sessionEpoch)
    return { kind: "error", errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
  const forgotten = request.forgottenTopicsData.flatMap((t) =>
    t.partitions.map((partition) => ({ topicKey: byId ? t.topicId : t.topic, partition })),
  );
  if (!cache.update(session, targets, forgotten)) {
    // Nothing left to fetch (Kafka then closes the session and answers without one), or over the
    // cache's partition bound: the client gets sessionId 0 and goes back to full fetches.
    return { kind: "sessionless", targets };
  }
  cache.touch(session);
  session.epoch = nextEpoch(session.epoch);
  return { kind: "incremental", targets: session.partitions(), session, epoch: session.epoch };
}

export interface PlannedAnswer<T> {
  readonly errorCode: number;
  readonly sessionId: number;
  /** The partitions the answer lists, in read order. */
  readonly partitions: T[];
}

/**
 * The answer to a planned fetch, given what was read for each target (`read[i]` for `plan.targets[i]`).
 * A full fetch creates its session here, from what it answered; an incremental fetch keeps only the
 * partitions the session must be told about.
 */
export function answerFetch<T extends PartitionOutcome>(
  plan: FetchPlan,
  read: readonly T[],
  cache: FetchSessionCache,
): PlannedAnswer<T> {
  switch (plan.kind) {
    case "error":
      return { errorCode: plan.errorCode, sessionId: NO_SESSION_ID, partitions: [] };
    case "sessionless":
      return { errorCode: ErrorCode.NONE, sessionId: NO_SESSION_ID, partitions: [...read] };
    case "full": {
      const session = cache.create(plan.usesTopicIds, plan.targets.length, (s) => {
        for (const [i, target] of plan.targets.entries()) s.addAnswered(target, read[i]!);
      });
      return { errorCode: ErrorCode.NONE, sessionId: session?.id ?? NO_SESSION_ID, partitions: [...read] };
    }
    case "incremental": {
      const { session } = plan;
      // Another request of this session was planned while this one waited: this answer is stale.
      if (session.epoch !== plan.epoch) {
        return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: session.id, partitions: [] };
      }
      const partitions = read.filter((outcome, i) => session.mustRespond(plan.targets[i]!, outcome));
      return { errorCode: ErrorCode.NONE, sessionId: session.id, partitions };
    }
  }
}
