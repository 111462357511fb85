import { defineMessage, type MessageOf } from "../schema/types.ts";

// Partition reassignment (KIP-455). AlterPartitionReassignments (key 45) and ListPartitionReassignments
// (key 46): v0 only, flexible from v0 (Kafka 3.9's message definitions).
//
// AlterPartitionReassignmentsRequest => timeout_ms [topics name [partitions partition_index replicas]]
//   replicas: nullable []int32; null cancels the partition's reassignment
// AlterPartitionReassignmentsResponse => throttle_time_ms error_code error_message
//   [responses name [partitions partition_index error_code error_message]]
// ListPartitionReassignmentsRequest => timeout_ms [topics name [partition_indexes]]   (topics null: all)
// ListPartitionReassignmentsResponse => throttle_time_ms error_code error_message
//   [topics name [partitions partition_index [replicas] [adding_replicas] [removing_replicas]]]

export const AlterPartitionReassignmentsRequestSpec = defineMessage({
  name: "AlterPartitionReassignmentsRequest",
  apiKey: 45,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "timeoutMs", type: "int32", versions: "0+", default: 60000 },
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
            { name: "replicas", type: "[]int32", versions: "0+", nullableVersions: "0+", default: null },
          ],
        },
      ],
    },
  ],
});

export const AlterPartitionReassignmentsResponseSpec = defineMessage({
  name: "AlterPartitionReassignmentsResponse",
  apiKey: 45,
  type: "response",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+", default: null },
    {
      name: "responses",
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
          ],
        },
      ],
    },
  ],
});

export const ListPartitionReassignmentsRequestSpec = defineMessage({
  name: "ListPartitionReassignmentsRequest",
  apiKey: 46,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "timeoutMs", type: "int32", versions: "0+", default: 60000 },
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      nullableVersions: "0+",
      default: null,
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "partitionIndexes", type: "[]int32", versions: "0+" },
      ],
    },
  ],
});

export const ListPartitionReassignmentsResponseSpec = defineMessage({
  name: "ListPartitionReassignmentsResponse",
  apiKey: 46,
  type: "response",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+", default: null },
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
            { name: "replicas", type: "[]int32", versions: "0+" },
            { name: "addingReplicas", type: "[]int32", versions: "0+" },
            { name: "removingReplicas", type: "[]int32", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export type AlterPartitionReassignmentsRequest = MessageOf<typeof AlterPartitionReassignmentsRequestSpec>;
export type AlterPartitionReassignmentsResponse = MessageOf<typeof AlterPartitionReassignmentsResponseSpec>;
export type ListPartitionReassignmentsRequest = MessageOf<typeof ListPartitionReassignmentsRequestSpec>;
export type ListPartitionReassignmentsResponse = MessageOf<typeof ListPartitionReassignmentsResponseSpec>;
