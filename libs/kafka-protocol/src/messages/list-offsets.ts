import { defineMessage, type MessageOf } from "../schema/types.ts";

// ListOffsets (key 2). v1 returns one (timestamp, offset) instead of v0's offset list;
// v2 isolationLevel; v4 leader epochs; v6 is flexible; v7 max-timestamp lookups (-3);
// v8 earliest-local (-4, KIP-405); v9 last-tiered (-5).
//
// ListOffsetsRequest => replica_id isolation_level [topics [partitions partition_index
//   current_leader_epoch timestamp]]
// ListOffsetsResponse => throttle_time_ms [topics [partitions partition_index error_code
//   timestamp offset leader_epoch]]

export const ListOffsetsRequestSpec = defineMessage({
  name: "ListOffsetsRequest",
  apiKey: 2,
  type: "request",
  validVersions: "1-9",
  flexibleVersions: "6+",
  fields: [
    { name: "replicaId", type: "int32", versions: "0+" },
    { name: "isolationLevel", type: "int8", versions: "2+" },
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
            { name: "currentLeaderEpoch", type: "int32", versions: "4+", default: -1 },
            { name: "timestamp", type: "int64", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const ListOffsetsResponseSpec = defineMessage({
  name: "ListOffsetsResponse",
  apiKey: 2,
  type: "response",
  validVersions: "1-9",
  flexibleVersions: "6+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "2+" },
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
            { name: "timestamp", type: "int64", versions: "1+", default: -1 },
            { name: "offset", type: "int64", versions: "1+", default: -1 },
            { name: "leaderEpoch", type: "int32", versions: "4+", default: -1 },
          ],
        },
      ],
    },
  ],
});

export type ListOffsetsRequest = MessageOf<typeof ListOffsetsRequestSpec>;
export type ListOffsetsResponse = MessageOf<typeof ListOffsetsResponseSpec>;
