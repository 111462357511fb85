import { defineMessage, type MessageOf } from "../schema/types.ts";

// Metadata (key 3). v1 makes topics nullable (null = all topics), v4 adds
// allowAutoTopicCreation, v8 authorized operations, v9 is flexible, v10 topic ids,
// v11 drops includeClusterAuthorizedOperations, v12 allows a null topic name (lookup by id).
//
// MetadataRequest => [topics] allow_auto_topic_creation include_*_authorized_operations
// MetadataResponse => throttle_time_ms [brokers] cluster_id controller_id [topics] cluster_authorized_operations

export const MetadataRequestSpec = defineMessage({
  name: "MetadataRequest",
  apiKey: 3,
  type: "request",
  validVersions: "0-12",
  flexibleVersions: "9+",
  fields: [
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      nullableVersions: "1+",
      fields: [
        { name: "topicId", type: "uuid", versions: "10+" },
        { name: "name", type: "string", versions: "0+", nullableVersions: "10+" },
      ],
    },
    { name: "allowAutoTopicCreation", type: "bool", versions: "4+", default: true },
    { name: "includeClusterAuthorizedOperations", type: "bool", versions: "8-10" },
    { name: "includeTopicAuthorizedOperations", type: "bool", versions: "8+" },
  ],
});

export const MetadataResponseSpec = defineMessage({
  name: "MetadataResponse",
  apiKey: 3,
  type: "response",
  validVersions: "0-12",
  flexibleVersions: "9+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "3+" },
    {
      name: "brokers",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "nodeId", type: "int32", versions: "0+" },
        { name: "host", type: "string", versions: "0+" },
        { name: "port", type: "int32", versions: "0+" },
        { name: "rack", type: "string", versions: "1+", nullableVersions: "1+", default: null },
      ],
    },
    { name: "clusterId", type: "string", versions: "2+", nullableVersions: "2+", default: null },
    { name: "controllerId", type: "int32", versions: "1+", default: -1 },
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "name", type: "string", versions: "0+", nullableVersions: "12+" },
        { name: "topicId", type: "uuid", versions: "10+" },
        { name: "isInternal", type: "bool", versions: "1+", default: false },
        {
          name: "partitions",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "errorCode", type: "int16", versions: "0+" },
            { name: "partitionIndex", type: "int32", versions: "0+" },
            { name: "leaderId", type: "int32", versions: "0+" },
            { name: "leaderEpoch", type: "int32", versions: "7+", default: -1 },
            { name: "replicaNodes", type: "[]int32", versions: "0+" },
            { name: "isrNodes", type: "[]int32", versions: "0+" },
            { name: "offlineReplicas", type: "[]int32", versions: "5+" },
          ],
        },
        { name: "topicAuthorizedOperations", type: "int32", versions: "8+", default: -2147483648 },
      ],
    },
    { name: "clusterAuthorizedOperations", type: "int32", versions: "8-10", default: -2147483648 },
  ],
});

export type MetadataRequest = MessageOf<typeof MetadataRequestSpec>;
export type MetadataResponse = MessageOf<typeof MetadataResponseSpec>;
