import { defineMessage, type MessageOf } from "../schema/types.ts";

// Partition reassignment (KIP-455), v0 only (v1 adds allow_replication_factor_change, KIP-860); flexible from v0.
//
// AlterPartitionReassignmentsRequest => timeout_ms [topics name [partitions partition_index replicas(nullable)]]
// AlterPartitionReassignmentsResponse => throttle_time_ms error_code error_message
//   [responses name [partitions partition_index error_code error_message]]
// ListPartitionReassignmentsRequest => timeout_ms [topics(nullable) name [partition_indexes]]
// ListPartitionReassignmentsResponse => throttle_time_ms error_code error_message
//   [topics name [partitions partition_index [replicas] [adding_replicas] [removing_replicas]]]

export const AlterPartitionReassignmentsRequestSpec = defineMessage({
  name: "AlterPartitionReassignmentsRequest",
  apiKey: 45,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "timeoutMs", type: "int32", versions: "0+" },
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
            /** The replicas to place the partition on; null cancels a pending reassignment. */
            { name: "replicas", type: "[]int32", versions: "0+", nullableVersions: "0+" },
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
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
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
            { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
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
    { name: "timeoutMs", type: "int32", versions: "0+" },
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      nullableVersions: "0+",
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
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
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
