import { defineMessage, type MessageOf } from "../schema/types.ts";

// AlterReplicaLogDirs (key 34). v1–2 (v0 was removed by KIP-896); flexible from v2. kafka-reassign-partitions
// sends it for every replica whose plan names a log dir other than "any" (the rollback plan it prints does).
//
// AlterReplicaLogDirsRequest => [dirs path [topics name [partitions]]]
// AlterReplicaLogDirsResponse => throttle_time_ms [results topic_name [partitions partition_index error_code]]

export const AlterReplicaLogDirsRequestSpec = defineMessage({
  name: "AlterReplicaLogDirsRequest",
  apiKey: 34,
  type: "request",
  validVersions: "1-2",
  flexibleVersions: "2+",
  fields: [
    {
      name: "dirs",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "path", type: "string", versions: "0+" },
        {
          name: "topics",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "name", type: "string", versions: "0+" },
            { name: "partitions", type: "[]int32", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const AlterReplicaLogDirsResponseSpec = defineMessage({
  name: "AlterReplicaLogDirsResponse",
  apiKey: 34,
  type: "response",
  validVersions: "1-2",
  flexibleVersions: "2+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "results",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "topicName", type: "string", versions: "0+" },
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

// DescribeLogDirs (key 35). v1–5 (v0 was removed by KIP-896); flexible from v2; v3 a top-level errorCode,
// v4 totalBytes and usableBytes per log dir, v5 isCordoned. Kafka 4's kafka-reassign-partitions asks for it
// (Admin.describeReplicaLogDirs) before it prints the current assignment.
//
// DescribeLogDirsRequest => [topics topic [partitions]]   (topics null: every partition)
// DescribeLogDirsResponse => throttle_time_ms error_code [results error_code log_dir
//   [topics name [partitions partition_index partition_size offset_lag is_future_key]]
//   total_bytes usable_bytes is_cordoned]

export const DescribeLogDirsRequestSpec = defineMessage({
  name: "DescribeLogDirsRequest",
  apiKey: 35,
  type: "request",
  validVersions: "1-5",
  flexibleVersions: "2+",
  fields: [
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      nullableVersions: "0+",
      fields: [
        { name: "topic", type: "string", versions: "0+" },
        { name: "partitions", type: "[]int32", versions: "0+" },
      ],
    },
  ],
});

export const DescribeLogDirsResponseSpec = defineMessage({
  name: "DescribeLogDirsResponse",
  apiKey: 35,
  type: "response",
  validVersions: "1-5",
  flexibleVersions: "2+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "3+" },
    {
      name: "results",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "logDir", type: "string", versions: "0+" },
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
                { name: "partitionSize", type: "int64", versions: "0+" },
                { name: "offsetLag", type: "int64", versions: "0+" },
                { name: "isFutureKey", type: "bool", versions: "0+" },
              ],
            },
          ],
        },
        { name: "totalBytes", type: "int64", versions: "4+", default: -1 },
        { name: "usableBytes", type: "int64", versions: "4+", default: -1 },
        { name: "isCordoned", type: "bool", versions: "5+", default: false },
      ],
    },
  ],
});

export type AlterReplicaLogDirsRequest = MessageOf<typeof AlterReplicaLogDirsRequestSpec>;
export type AlterReplicaLogDirsResponse = MessageOf<typeof AlterReplicaLogDirsResponseSpec>;
export type DescribeLogDirsRequest = MessageOf<typeof DescribeLogDirsRequestSpec>;
export type DescribeLogDirsResponse = MessageOf<typeof DescribeLogDirsResponseSpec>;
