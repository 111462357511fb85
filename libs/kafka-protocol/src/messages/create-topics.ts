import { defineMessage, type MessageOf } from "../schema/types.ts";

// CreateTopics (key 19). v1 validateOnly and error messages; v2 throttle time; v4 default
// partitions/replication (-1); v5 is flexible and returns the created topic's config;
// v6 THROTTLING_QUOTA_EXCEEDED; v7 returns topic ids.
//
// CreateTopicsRequest => [topics name num_partitions replication_factor [assignments]
//   [configs name value]] timeout_ms validate_only
// CreateTopicsResponse => throttle_time_ms [topics name topic_id error_code error_message
//   topic_config_error_code num_partitions replication_factor [configs]]

export const CreateTopicsRequestSpec = defineMessage({
  name: "CreateTopicsRequest",
  apiKey: 19,
  type: "request",
  validVersions: "0-7",
  flexibleVersions: "5+",
  fields: [
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "numPartitions", type: "int32", versions: "0+" },
        { name: "replicationFactor", type: "int16", versions: "0+" },
        {
          name: "assignments",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "partitionIndex", type: "int32", versions: "0+" },
            { name: "brokerIds", type: "[]int32", versions: "0+" },
          ],
        },
        {
          name: "configs",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "name", type: "string", versions: "0+" },
            { name: "value", type: "string", versions: "0+", nullableVersions: "0+" },
          ],
        },
      ],
    },
    { name: "timeoutMs", type: "int32", versions: "0+", default: 60000 },
    { name: "validateOnly", type: "bool", versions: "1+", default: false },
  ],
});

export const CreateTopicsResponseSpec = defineMessage({
  name: "CreateTopicsResponse",
  apiKey: 19,
  type: "response",
  validVersions: "0-7",
  flexibleVersions: "5+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "2+" },
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "topicId", type: "uuid", versions: "7+" },
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "1+", nullableVersions: "0+", default: null },
        {
          name: "topicConfigErrorCode",
          type: "int16",
          versions: "5+",
          tag: 0,
          taggedVersions: "5+",
          default: 0,
        },
        { name: "numPartitions", type: "int32", versions: "5+", default: -1 },
        { name: "replicationFactor", type: "int16", versions: "5+", default: -1 },
        {
          name: "configs",
          type: "[]",
          versions: "5+",
          nullableVersions: "5+",
          fields: [
            { name: "name", type: "string", versions: "5+" },
            { name: "value", type: "string", versions: "5+", nullableVersions: "5+" },
            { name: "readOnly", type: "bool", versions: "5+" },
            { name: "configSource", type: "int8", versions: "5+", default: -1 },
            { name: "isSensitive", type: "bool", versions: "5+" },
          ],
        },
      ],
    },
  ],
});

export type CreateTopicsRequest = MessageOf<typeof CreateTopicsRequestSpec>;
export type CreateTopicsResponse = MessageOf<typeof CreateTopicsResponseSpec>;
