// kafka-transactions.sh's APIs (KIP-664): DescribeTransactions and ListTransactions answer from the
// transaction coordinators of this broker (the admin client asks every coordinator), DescribeProducers from
// the producer state of the partitions this broker leads.
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import type { Partition } from "../partitions/partition.ts";
import type { ActiveProducer } from "../producers/producer-state-manager.ts";
import { type TxnMetadata, TxnState, txnStateNames } from "../transactions/txn-state.ts";
import {
  type HandlerMap,
  handlerMap,
  type RequestContext,
  type RequestOf,
  type ResponseOf,
} from "./handler.ts";
import { topicExists } from "./topic-lookup.ts";
import { txnServicesOf } from "./txn-services.ts";

/** DescribeTransactions' entry for an id it cannot describe (`errorCode` says why). */
function noTransactionState(transactionalId: string, errorCode: number) {
  return {
    errorCode,
    transactionalId,
    transactionState: "",
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1n,
    producerId: -1n,
    producerEpoch: -1,
    topics: [],
  };
}

function topicsOf(m: TxnMetadata): { topic: string; partitions: number[] }[] {
  const topics = new Map<string, number[]>();
  for (const p of m.partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}

export async function handleDescribeTransactions(
  request: RequestOf<typeof ApiKey.DescribeTransactions>,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DescribeTransactions>> {
  const { coordinator } = txnServicesOf(context.services);
  const transactionStates = await Promise.all(
    request.transactionalIds.map(async (transactionalId) => {
      const none = (errorCode: number) => noTransactionState(transactionalId, errorCode);
      const shard = await coordinator.shardFor(transactionalId);
      if (typeof shard === "number") return none(shard);
      const m = shard.get(transactionalId);
      if (!m) return none(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      return {
        errorCode: ErrorCode.NONE,
        transactionalId,
        transactionState: txnStateNames[m.state],
        transactionTimeoutMs: m.timeoutMs,
        transactionStartTimeMs: BigInt(m.startTimestamp),
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        topics: topicsOf(m),
      };
    }),
  );
  return { throttleTimeMs: 0, transactionStates };
}

export async function handleListTransactions(
  request: RequestOf<typeof ApiKey.ListTransactions>,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.ListTransactions>> {
  const known = new Set<string>(Object.values(txnStateNames));
  const unknownStateFilters = request.stateFilters.filter((s) => !known.has(s));
  const states = new Set(request.stateFilters.filter((s) => known.has(s)));
  const producers = new Set(request.producerIdFilters);
  const minDuration = Number(request.durationFilter ?? -1n);
  const now = Date.now();
  const transactionStates = txnServicesOf(context.services)
    .coordinator.servingShards()
    .flatMap((shard) => shard.all())
    .filter(
      (m) =>
        (request.stateFilters.length === 0 || states.has(txnStateNames[m.state])) &&
        (producers.size === 0 || producers.has(m.producerId)) &&
        (minDuration < 0 ||
          (m.state === TxnState.Ongoing && m.startTimestamp >= 0 && now - m.startTimestamp >= minDuration)),
    )
    .map((m) => ({
      transactionalId: m.transactionalId,
      producerId: m.producerId,
      transactionState: txnStateNames[m.state],
    }));
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters, transactionStates };
}

type ProducersSource = { activeProducers?(partition: Partition): ActiveProducer[] | undefined };

export async function handleDescribeProducers(
  request: RequestOf<typeof ApiKey.DescribeProducers>,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DescribeProducers>> {
  const { services } = context;
  const source = services.producers as ProducersSource | undefined;
  const topics = await Promise.all(
    request.topics.map(async (topic) => ({
      name: topic.name,
      partitions: await Promise.all(
        topic.partitionIndexes.map(async (partitionIndex) => {
          const failed = (errorCode: number, errorMessage: string | null = null) => ({
            partitionIndex,
            errorCode,
            errorMessage,
            activeProducers: [],
          });
          const partition = services.partitions.byName(topic.name, partitionIndex);
          if (!partition) {
            const exists = await topicExists(services, topic.name, partitionIndex);
            return failed(exists ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }
          const active = source?.activeProducers?.(partition);
          if (!active) return failed(ErrorCode.NOT_ENOUGH_REPLICAS, "producer state is loading");
          return {
            partitionIndex,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            activeProducers: active.map((p) => ({
              producerId: p.producerId,
              producerEpoch: p.producerEpoch,
              lastSequence: p.lastSequence,
              lastTimestamp: BigInt(p.lastTimestamp),
              coordinatorEpoch: -1,
              currentTxnStartOffset: BigInt(p.currentTxnStartOffset),
            })),
          };
        }),
      ),
    })),
  );
  return { throttleTimeMs: 0, topics };
}

export const transactionAdminHandlers: HandlerMap = handlerMap({
  [ApiKey.DescribeTransactions]: {
    handle: handleDescribeTransactions,
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((transactionalId) =>
        noTransactionState(transactionalId, errorCode),
      ),
    }),
  },
  [ApiKey.ListTransactions]: {
    handle: handleListTransactions,
    errorResponse: (_request, errorCode) => ({
      throttleTimeMs: 0,
      errorCode,
      unknownStateFilters: [],
      transactionStates: [],
    }),
  },
  [ApiKey.DescribeProducers]: {
    handle: handleDescribeProducers,
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          errorCode,
          errorMessage: null,
          activeProducers: [],
        })),
      })),
    }),
  },
});
