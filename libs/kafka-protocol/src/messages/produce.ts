import { defineMessage, type MessageOf } from "../schema/types.ts";

// Produce (key 0). v3 brings record batches (magic 2) and transactionalId; v7 allows zstd;
// v8 adds recordErrors/errorMessage; v9 is flexible; v10 adds currentLeader/nodeEndpoints
// (tagged, KIP-951); v11 is the same as v10.
//
// ProduceRequest => transactional_id acks timeout_ms [topic_data [partition_data index records]]
// ProduceResponse => [responses [partition_responses ...]] throttle_time_ms

export const ProduceRequestSpec = defineMessage({
  name: "ProduceRequest",
  apiKey: 0,
  type: "request",
  validVersions: "0-11",
  flexibleVersions: "9+",
  fields: [
    { name: "transactionalId", type: "string", versions: "3+", nullableVersions: "3+", default: null },
    { name: "acks", type: "int16", versions: "0+" },
    { name: "timeoutMs", type: "int32", versions: "0+" },
    {
      name: "topicData",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        {
          name: "partitionData",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "index", type: "int32", versions: "0+" },
            { name: "records", type: "records", versions: "0+", nullableVersions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const ProduceResponseSpec = defineMessage({
  name: "ProduceResponse",
  apiKey: 0,
  type: "response",
  validVersions: "0-11",
  flexibleVersions: "9+",
  fields: [
    {
      name: "responses",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        {
          name: "partitionResponses",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "index", type: "int32", versions: "0+" },
            { name: "errorCode", type: "int16", versions: "0+" },
            { name: "baseOffset", type: "int64", versions: "0+" },
            { name: "logAppendTimeMs", type: "int64", versions: "2+", default: -1 },
            { name: "logStartOffset", type: "int64", versions: "5+", default: -1 },
            {
              name: "recordErrors",
              type: "[]",
              versions: "8+",
              fields: [
                { name: "batchIndex", type: "int32", versions: "8+" },
                {
                  name: "batchIndexErrorMessage",
                  type: "string",
                  versions: "8+",
                  nullableVersions: "8+",
                  default: null,
                },
              ],
            },
            { name: "errorMessage", type: "string", versions: "8+", nullableVersions: "8+", default: null },
            {
              name: "currentLeader",
              type: "{}",
              versions: "10+",
              tag: 0,
              taggedVersions: "10+",
              fields: [
                { name: "leaderId", type: "int32", versions: "10+", default: -1 },
                { name: "leaderEpoch", type: "int32", versions: "10+", default: -1 },
              ],
            },
          ],
        },
      ],
    },
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    {
      name: "nodeEndpoints",
      type: "[]",
      versions: "10+",
      tag: 0,
      taggedVersions: "10+",
      fields: [
        { name: "nodeId", type: "int32", versions: "10+" },
        { name: "host", type: "string", versions: "10+" },
        { name: "port", type: "int32", versions: "10+" },
        { name: "rack", type: "string", versions: "10+", nullableVersions: "10+", default: null },
      ],
    },
  ],
});

export type ProduceRequest = MessageOf<typeof ProduceRequestSpec>;
export type ProduceResponse = MessageOf<typeof ProduceResponseSpec>;
