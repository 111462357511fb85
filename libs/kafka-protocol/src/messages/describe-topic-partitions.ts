import { defineMessage, type MessageOf } from "../schema/types.ts";

// DescribeTopicPartitions (key 75, KIP-966). Flexible from v0. Kafka 3.7+ admin clients describe topics with it
// (Metadata only when a broker does not offer it), paging through big topics: the response holds at most
// responsePartitionLimit partitions and names where to go on in nextCursor.
//
// DescribeTopicPartitionsRequest => [topics name] response_partition_limit cursor{topic_name partition_index}
// DescribeTopicPartitionsResponse => throttle_time_ms [topics error_code name topic_id is_internal
//   [partitions error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes]
//   [eligible_leader_replicas] [last_known_elr] [offline_replicas]] topic_authorized_operations]
//   next_cursor{topic_name partition_index}

const cursorFields = [
  { name: "topicName", type: "string", versions: "0+" },
  { name: "partitionIndex", type: "int32", versions: "0+" },
] as const;

export const DescribeTopicPartitionsRequestSpec = defineMessage({
  name: "DescribeTopicPartitionsRequest",
  apiKey: 75,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [{ name: "name", type: "string", versions: "0+" }],
    },
    { name: "responsePartitionLimit", type: "int32", versions: "0+", default: 2000 },
    {
      name: "cursor",
      type: "{}",
      versions: "0+",
      nullableVersions: "0+",
      default: null,
      fields: cursorFields,
    },
  ],
});

export const DescribeTopicPartitionsResponseSpec = defineMessage({
  name: "DescribeTopicPartitionsResponse",
  apiKey: 75,
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
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "name", type: "string", versions: "0+", nullableVersions: "0+" },
        { name: "topicId", type: "uuid", versions: "0+" },
        { name: "isInternal", type: "bool", versions: "0+", default: false },
        {
          name: "partitions",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "errorCode", type: "int16", versions: "0+" },
            { name: "partitionIndex", type: "int32", versions: "0+" },
            { name: "leaderId", type: "int32", versions: "0+" },
            { name: "leaderEpoch", type: "int32", versions: "0+", default: -1 },
            { name: "replicaNodes", type: "[]int32", versions: "0+" },
            { name: "isrNodes", type: "[]int32", versions: "0+" },
            {
              name: "eligibleLeaderReplicas",
              type: "[]int32",
              versions: "0+",
              nullableVersions: "0+",
              default: null,
            },
            { name: "lastKnownElr", type: "[]int32", versions: "0+", nullableVersions: "0+", default: null },
            { name: "offlineReplicas", type: "[]int32", versions: "0+" },
          ],
        },
        { name: "topicAuthorizedOperations", type: "int32", versions: "0+", default: -2147483648 },
      ],
    },
    {
      name: "nextCursor",
      type: "{}",
      versions: "0+",
      nullableVersions: "0+",
      default: null,
      fields: cursorFields,
    },
  ],
});

export type DescribeTopicPartitionsRequest = MessageOf<typeof DescribeTopicPartitionsRequestSpec>;
export type DescribeTopicPartitionsResponse = MessageOf<typeof DescribeTopicPartitionsResponseSpec>;
