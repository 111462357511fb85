// The transactional producer's APIs (KIP-98): AddPartitionsToTxn, AddOffsetsToTxn and EndTxn go to the
// transaction coordinator of the id (transactions/txn-coordinator.ts); TxnOffsetCommit to the group
// coordinator of the group; WriteTxnMarkers comes from another broker's coordinator and writes markers
// into partitions led here. InitProducerId with a transactional id is in init-producer-id.ts.
import { ApiKey, ErrorCode, type TxnOffsetCommitRequest } from "@cirrus/kafka-protocol";
import { OFFSETS_TOPIC, offsetsPartitionFor } from "../groups/group-coordinator.ts";
import { writeMarkerHere } from "../transactions/local-markers.ts";
import type { TxnShard } from "../transactions/txn-shard.ts";
import type { TxnPartition } from "../transactions/txn-state.ts";
import { createCoordinatorTopic } from "./find-coordinator.ts";
import { groupServicesOf } from "./group-services.ts";
import {
  type HandlerMap,
  handlerMap,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
} from "./handler.ts";
import {
  addOffsetsToTxnError,
  addPartitionsToTxnError,
  endTxnError,
  txnOffsetCommitError,
  writeTxnMarkersError,
} from "./transaction-error-responses.ts";
import { txnServicesOf } from "./txn-services.ts";

/** Older clients know INVALID_PRODUCER_EPOCH only (Kafka answers them so below these versions). */
export function fencedFor(errorCode: number, apiVersion: number, firstVersionWithFenced: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < firstVersionWithFenced
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : errorCode;
}

async function shardOrError(context: RequestContext, transactionalId: string): Promise<TxnShard | number> {
  if (transactionalId === "") return ErrorCode.INVALID_REQUEST;
  return txnServicesOf(context.services).coordinator.shardFor(transactionalId);
}

/** The partitions that exist (per cluster metadata) and the code of every one that does not. */
async function existing(
  context: RequestContext,
  topics: readonly { name: string; partitions: readonly number[] }[],
): Promise<{ known: TxnPartition[]; unknown: Set<string> }> {
  const metadata = await context.services.metadata();
  const known: TxnPartition[] = [];
  const unknown = new Set<string>();
  for (const t of topics) {
    const topic = metadata.topics.find((x) => x.name === t.name);
    for (const partition of t.partitions) {
      const exists = topic?.partitions.some((p) => p.partition === partition) ?? false;
      if (exists && t.name !== OFFSETS_TOPIC) known.push({ topic: t.name, partition });
      else unknown.add(`${t.name}\u0000${partition}`);
    }
  }
  return { known, unknown };
}

interface AddOutcome {
  name: string;
  resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[];
}

async function addPartitions(
  context: RequestContext,
  transactionalId: string,
  producerId: bigint,
  producerEpoch: number,
  topics: readonly { name: string; partitions: readonly number[] }[],
  verifyOnly: boolean,
): Promise<AddOutcome[]> {
  const answer = (code: (t: string, p: number) => number) =>
    topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({
        partitionIndex: p,
        partitionErrorCode: code(t.name, p),
      })),
    }));
  const shard = await shardOrError(context, transactionalId);
  if (typeof shard === "number") return answer(() => shard);
  const { known, unknown } = await existing(context, topics);
  if (unknown.size > 0) {
    // Kafka: the unknown ones fail, the others are not attempted.
    return answer((t, p) =>
      unknown.has(`${t}\u0000${p}`)
        ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        : ErrorCode.OPERATION_NOT_ATTEMPTED,
    );
  }
  let code: number;
  if (verifyOnly) {
    const m = shard.get(transactionalId);
    const inTxn = new Set(m?.partitions.map((p) => `${p.topic}\u0000${p.partition}`));
    return answer((t, p) =>
      m?.producerId === producerId && m.producerEpoch === producerEpoch && inTxn.has(`${t}\u0000${p}`)
        ? ErrorCode.NONE
        : ErrorCode.INVALID_TXN_STATE,
    );
  }
  code = await shard.addPartitions(transactionalId, producerId, producerEpoch, known);
  return answer(() => code);
}

export async function handleAddPartitionsToTxn(
  request: RequestOf<typeof ApiKey.AddPartitionsToTxn>,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.AddPartitionsToTxn>> {
  const v = context.apiVersion;
  if (v <= 3) {
    const results = await addPartitions(
      context,
      request.v3AndBelowTransactionalId,
      request.v3AndBelowProducerId,
      request.v3AndBelowProducerEpoch,
      request.v3AndBelowTopics,
      false,
    );
    for (const t of results)
      for (const p of t.resultsByPartition) p.partitionErrorCode = fencedFor(p.partitionErrorCode, v, 2);
    return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results };
  }
  const resultsByTransaction = await Promise.all(
    request.transactions.map(async (txn) => ({
      transactionalId: txn.transactionalId,
      topicResults: await addPartitions(
        context,
        txn.transactionalId,
        txn.producerId,
        txn.producerEpoch,
        txn.topics,
        txn.verifyOnly,
      ),
    })),
  );
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
}

export async function handleAddOffsetsToTxn(
  request: RequestOf<typeof ApiKey.AddOffsetsToTxn>,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.AddOffsetsToTxn>> {
  const answer = (errorCode: number) => ({
    throttleTimeMs: 0,
    errorCode: fencedFor(errorCode, context.apiVersion, 2),
  });
  const shard = await shardOrError(context, request.transactionalId);
  if (typeof shard === "number") return answer(shard);
  if (request.groupId === "") return answer(ErrorCode.INVALID_GROUP_ID);
  const groups = groupServicesOf(context.services).coordinator;
  let count = await groups.partitionCount();
  if (count === 0) {
    // No group ever used a coordinator yet: the offsets topic is created now, as FindCoordinator does.
    await createCoordinatorTopic(context, OFFSETS_TOPIC);
    await context.services.metadata(true).catch(() => undefined);
    count = await groups.partitionCount();
  }
  if (count === 0) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const offsetsPartition = { topic: OFFSETS_TOPIC, partition: offsetsPartitionFor(request.groupId, count) };
  return answer(
    await shard.addPartitions(request.transactionalId, request.producerId, request.producerEpoch, [
      offsetsPartition,
    ]),
  );
}

export async function handleEndTxn(
  request: RequestOf<typeof ApiKey.EndTxn>,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.EndTxn>> {
  const shard = await shardOrError(context, request.transactionalId);
  const code =
    typeof shard === "number"
      ? shard
      : await shard.endTxn(
          request.transactionalId,
          request.producerId,
          request.producerEpoch,
          request.committed,
        );
  const m = typeof shard === "number" ? undefined : shard.get(request.transactionalId);
  return {
    throttleTimeMs: 0,
    errorCode: fencedFor(code, context.apiVersion, 2),
    producerId: code === ErrorCode.NONE && m ? m.producerId : -1n,
    producerEpoch: code === ErrorCode.NONE && m ? m.producerEpoch : -1,
  };
}

export async function handleTxnOffsetCommit(
  request: TxnOffsetCommitRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.TxnOffsetCommit>> {
  const all = (errorCode: number) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  });
  if (request.groupId === "") return all(ErrorCode.INVALID_GROUP_ID);
  const shard = await groupServicesOf(context.services).coordinator.shardFor(request.groupId);
  if (typeof shard === "number") return all(shard);
  const producer = { producerId: request.producerId, producerEpoch: request.producerEpoch };
  const topics = await shard.offsets.stageTxn(producer, {
    groupId: request.groupId,
    generationId: request.generationId ?? -1,
    memberId: request.memberId ?? "",
    groupInstanceId: request.groupInstanceId ?? null,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: p.committedLeaderEpoch ?? -1,
        committedMetadata: p.committedMetadata,
      })),
    })),
  });
  return { throttleTimeMs: 0, topics };
}

export async function handleWriteTxnMarkers(
  request: RequestOf<typeof ApiKey.WriteTxnMarkers>,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.WriteTxnMarkers>> {
  const { local } = txnServicesOf(context.services);
  const markers = await Promise.all(
    request.markers.map(async (marker) => ({
      producerId: marker.producerId,
      topics: await Promise.all(
        marker.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitionIndexes.map(async (partitionIndex) => {
              const written = writeMarkerHere(
                local,
                { topic: topic.name, partition: partitionIndex },
                {
                  producerId: marker.producerId,
                  producerEpoch: marker.producerEpoch,
                  committed: marker.transactionResult,
                  coordinatorEpoch: marker.coordinatorEpoch,
                },
              );
              return {
                partitionIndex,
                errorCode: written ? await written : ErrorCode.NOT_LEADER_OR_FOLLOWER,
              };
            }),
          ),
        })),
      ),
    })),
  );
  return { markers };
}

export const transactionHandlers: HandlerMap = handlerMap({
  [ApiKey.AddPartitionsToTxn]: { handle: handleAddPartitionsToTxn, errorResponse: addPartitionsToTxnError },
  [ApiKey.AddOffsetsToTxn]: { handle: handleAddOffsetsToTxn, errorResponse: addOffsetsToTxnError },
  [ApiKey.EndTxn]: { handle: handleEndTxn, errorResponse: endTxnError },
  [ApiKey.WriteTxnMarkers]: { handle: handleWriteTxnMarkers, errorResponse: writeTxnMarkersError },
  [ApiKey.TxnOffsetCommit]: { handle: handleTxnOffsetCommit, errorResponse: txnOffsetCommitError },
});
