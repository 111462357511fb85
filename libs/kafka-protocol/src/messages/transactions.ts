import { defineMessage, type MessageOf } from "../schema/types.ts";

// The transactional producer's APIs. AddPartitionsToTxn (24): v3 is flexible; v4+ batches
// transactions (broker to broker, KIP-890) and renames the client fields "v3AndBelow*";
// v5 TRANSACTION_ABORTABLE. AddOffsetsToTxn (25) and EndTxn (26): v3 is flexible, v4
// TRANSACTION_ABORTABLE, EndTxn v5 returns the (possibly bumped) producer id and epoch.
// TxnOffsetCommit (28): v2 leader epochs, v3 is flexible and carries group membership
// (KIP-447), v4 TRANSACTION_ABORTABLE.
//
// AddPartitionsToTxnRequest => transactional_id producer_id producer_epoch [topics name [partitions]] (v0-3)
// AddOffsetsToTxnRequest => transactional_id producer_id producer_epoch group_id
// EndTxnRequest => transactional_id producer_id producer_epoch committed
// TxnOffsetCommitRequest => transactional_id group_id producer_id producer_epoch generation_id
//   member_id group_instance_id [topics name [partitions partition_index committed_offset
//   committed_leader_epoch committed_metadata]]

const txnTopicFields = [
  { name: "name", type: "string", versions: "0+" },
  { name: "partitions", type: "[]int32", versions: "0+" },
] as const;

const partitionResultFields = [
  {
    name: "resultsByPartition",
    type: "[]",
    versions: "0+",
    fields: [
      { name: "partitionIndex", type: "int32", versions: "0+" },
      { name: "partitionErrorCode", type: "int16", versions: "0+" },
    ],
  },
] as const;

export const AddPartitionsToTxnRequestSpec = defineMessage({
  name: "AddPartitionsToTxnRequest",
  apiKey: 24,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "3+",
  fields: [
    {
      name: "transactions",
      type: "[]",
      versions: "4+",
      fields: [
        { name: "transactionalId", type: "string", versions: "4+" },
        { name: "producerId", type: "int64", versions: "4+" },
        { name: "producerEpoch", type: "int16", versions: "4+" },
        { name: "verifyOnly", type: "bool", versions: "4+", default: false },
        { name: "topics", type: "[]", versions: "4+", fields: txnTopicFields },
      ],
    },
    { name: "v3AndBelowTransactionalId", type: "string", versions: "0-3" },
    { name: "v3AndBelowProducerId", type: "int64", versions: "0-3" },
    { name: "v3AndBelowProducerEpoch", type: "int16", versions: "0-3" },
    { name: "v3AndBelowTopics", type: "[]", versions: "0-3", fields: txnTopicFields },
  ],
});

export const AddPartitionsToTxnResponseSpec = defineMessage({
  name: "AddPartitionsToTxnResponse",
  apiKey: 24,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "3+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "4+" },
    {
      name: "resultsByTransaction",
      type: "[]",
      versions: "4+",
      fields: [
        { name: "transactionalId", type: "string", versions: "4+" },
        {
          name: "topicResults",
          type: "[]",
          versions: "4+",
          fields: [{ name: "name", type: "string", versions: "0+" }, ...partitionResultFields],
        },
      ],
    },
    {
      name: "resultsByTopicV3AndBelow",
      type: "[]",
      versions: "0-3",
      fields: [{ name: "name", type: "string", versions: "0+" }, ...partitionResultFields],
    },
  ],
});

export const AddOffsetsToTxnRequestSpec = defineMessage({
  name: "AddOffsetsToTxnRequest",
  apiKey: 25,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "3+",
  fields: [
    { name: "transactionalId", type: "string", versions: "0+" },
    { name: "producerId", type: "int64", versions: "0+" },
    { name: "producerEpoch", type: "int16", versions: "0+" },
    { name: "groupId", type: "string", versions: "0+" },
  ],
});

export const AddOffsetsToTxnResponseSpec = defineMessage({
  name: "AddOffsetsToTxnResponse",
  apiKey: 25,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "3+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
  ],
});

export const EndTxnRequestSpec = defineMessage({
  name: "EndTxnRequest",
  apiKey: 26,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "3+",
  fields: [
    { name: "transactionalId", type: "string", versions: "0+" },
    { name: "producerId", type: "int64", versions: "0+" },
    { name: "producerEpoch", type: "int16", versions: "0+" },
    { name: "committed", type: "bool", versions: "0+" },
  ],
});

export const EndTxnResponseSpec = defineMessage({
  name: "EndTxnResponse",
  apiKey: 26,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "3+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "producerId", type: "int64", versions: "5+", default: -1 },
    { name: "producerEpoch", type: "int16", versions: "5+", default: -1 },
  ],
});

export const TxnOffsetCommitRequestSpec = defineMessage({
  name: "TxnOffsetCommitRequest",
  apiKey: 28,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "3+",
  fields: [
    { name: "transactionalId", type: "string", versions: "0+" },
    { name: "groupId", type: "string", versions: "0+" },
    { name: "producerId", type: "int64", versions: "0+" },
    { name: "producerEpoch", type: "int16", versions: "0+" },
    { name: "generationId", type: "int32", versions: "3+", default: -1 },
    { name: "memberId", type: "string", versions: "3+", default: "" },
    { name: "groupInstanceId", type: "string", versions: "3+", nullableVersions: "3+", default: null },
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
            { name: "committedOffset", type: "int64", versions: "0+" },
            { name: "committedLeaderEpoch", type: "int32", versions: "2+", default: -1 },
            { name: "committedMetadata", type: "string", versions: "0+", nullableVersions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const TxnOffsetCommitResponseSpec = defineMessage({
  name: "TxnOffsetCommitResponse",
  apiKey: 28,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "3+",
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
          ],
        },
      ],
    },
  ],
});

export type AddPartitionsToTxnRequest = MessageOf<typeof AddPartitionsToTxnRequestSpec>;
export type AddPartitionsToTxnResponse = MessageOf<typeof AddPartitionsToTxnResponseSpec>;
export type AddOffsetsToTxnRequest = MessageOf<typeof AddOffsetsToTxnRequestSpec>;
export type AddOffsetsToTxnResponse = MessageOf<typeof AddOffsetsToTxnResponseSpec>;
export type EndTxnRequest = MessageOf<typeof EndTxnRequestSpec>;
export type EndTxnResponse = MessageOf<typeof EndTxnResponseSpec>;
export type TxnOffsetCommitRequest = MessageOf<typeof TxnOffsetCommitRequestSpec>;
export type TxnOffsetCommitResponse = MessageOf<typeof TxnOffsetCommitResponseSpec>;
