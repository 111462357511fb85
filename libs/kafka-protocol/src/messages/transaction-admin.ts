import { defineMessage, type MessageOf } from "../schema/types.ts";

// The transaction admin APIs (KIP-664, kafka-transactions.sh), all flexible from v0.
// DescribeProducers (61): the active producers of partitions, from their leaders.
// DescribeTransactions (65): the state of transactional ids, from their coordinators.
// ListTransactions (66): the transactional ids a coordinator holds; v1 adds a minimum duration (KIP-994).
//
// DescribeProducersRequest => [topics name [partition_indexes]]
// DescribeTransactionsRequest => [transactional_ids]
// ListTransactionsRequest => [state_filters] [producer_id_filters] duration_filter(v1+)

export const DescribeProducersRequestSpec = defineMessage({
  name: "DescribeProducersRequest",
  apiKey: 61,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "partitionIndexes", type: "[]int32", versions: "0+" },
      ],
    },
  ],
});

export const DescribeProducersResponseSpec = defineMessage({
  name: "DescribeProducersResponse",
  apiKey: 61,
  type: "response",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        {
          name: "partitions",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "partitionIndex", type: "int32", versions: "0+" },
            { name: "errorCode", type: "int16", versions: "0+" },
            { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+", default: null },
            {
              name: "activeProducers",
              type: "[]",
              versions: "0+",
              fields: [
                { name: "producerId", type: "int64", versions: "0+" },
                { name: "producerEpoch", type: "int32", versions: "0+" },
                { name: "lastSequence", type: "int32", versions: "0+", default: -1 },
                { name: "lastTimestamp", type: "int64", versions: "0+", default: -1 },
                { name: "coordinatorEpoch", type: "int32", versions: "0+" },
                { name: "currentTxnStartOffset", type: "int64", versions: "0+", default: -1 },
              ],
            },
          ],
        },
      ],
    },
  ],
});

export const DescribeTransactionsRequestSpec = defineMessage({
  name: "DescribeTransactionsRequest",
  apiKey: 65,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [{ name: "transactionalIds", type: "[]string", versions: "0+" }],
});

export const DescribeTransactionsResponseSpec = defineMessage({
  name: "DescribeTransactionsResponse",
  apiKey: 65,
  type: "response",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "transactionStates",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "transactionalId", type: "string", versions: "0+" },
        { name: "transactionState", type: "string", versions: "0+" },
        { name: "transactionTimeoutMs", type: "int32", versions: "0+" },
        { name: "transactionStartTimeMs", type: "int64", versions: "0+" },
        { name: "producerId", type: "int64", versions: "0+" },
        { name: "producerEpoch", type: "int16", versions: "0+" },
        {
          name: "topics",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "topic", type: "string", versions: "0+" },
            { name: "partitions", type: "[]int32", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const ListTransactionsRequestSpec = defineMessage({
  name: "ListTransactionsRequest",
  apiKey: 66,
  type: "request",
  validVersions: "0-1",
  flexibleVersions: "0+",
  fields: [
    { name: "stateFilters", type: "[]string", versions: "0+" },
    { name: "producerIdFilters", type: "[]int64", versions: "0+" },
    { name: "durationFilter", type: "int64", versions: "1+", default: -1 },
  ],
});

export const ListTransactionsResponseSpec = defineMessage({
  name: "ListTransactionsResponse",
  apiKey: 66,
  type: "response",
  validVersions: "0-1",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "unknownStateFilters", type: "[]string", versions: "0+" },
    {
      name: "transactionStates",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "transactionalId", type: "string", versions: "0+" },
        { name: "producerId", type: "int64", versions: "0+" },
        { name: "transactionState", type: "string", versions: "0+" },
      ],
    },
  ],
});

export type DescribeProducersRequest = MessageOf<typeof DescribeProducersRequestSpec>;
export type DescribeProducersResponse = MessageOf<typeof DescribeProducersResponseSpec>;
export type DescribeTransactionsRequest = MessageOf<typeof DescribeTransactionsRequestSpec>;
export type DescribeTransactionsResponse = MessageOf<typeof DescribeTransactionsResponseSpec>;
export type ListTransactionsRequest = MessageOf<typeof ListTransactionsRequestSpec>;
export type ListTransactionsResponse = MessageOf<typeof ListTransactionsResponseSpec>;
