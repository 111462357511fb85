// The error answers of the transaction APIs (see error-responses.ts for the rule): every partition, and the
// top-level error code where the version has one, get the code.
import type { ErrorResponder } from "./handler.ts";

export const addPartitionsToTxnError: ErrorResponder<24> = (request, errorCode) => {
  const topicResults = (topics: readonly { name: string; partitions: readonly number[] }[]) =>
    topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((partitionIndex) => ({
        partitionIndex,
        partitionErrorCode: errorCode,
      })),
    }));
  return {
    throttleTimeMs: 0,
    errorCode,
    resultsByTransaction: request.transactions.map((txn) => ({
      transactionalId: txn.transactionalId,
      topicResults: topicResults(txn.topics),
    })),
    resultsByTopicV3AndBelow: topicResults(request.v3AndBelowTopics),
  };
};

export const addOffsetsToTxnError: ErrorResponder<25> = (_request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
});

export const endTxnError: ErrorResponder<26> = (_request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  producerId: -1n,
  producerEpoch: -1,
});

export const writeTxnMarkersError: ErrorResponder<27> = (request, errorCode) => ({
  markers: request.markers.map((m) => ({
    producerId: m.producerId,
    topics: m.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })),
    })),
  })),
});

export const txnOffsetCommitError: ErrorResponder<28> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  })),
});
