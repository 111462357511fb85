import { defineMessage, type MessageOf } from "../schema/types.ts";

// OffsetForLeaderEpoch (key 23). v1 returns the leader epoch; v2 currentLeaderEpoch and
// throttle time; v3 replicaId (-1 consumer, -2 debug); v4 is flexible.
//
// OffsetForLeaderEpochRequest => replica_id [topics topic [partitions partition current_leader_epoch leader_epoch]]
// OffsetForLeaderEpochResponse => throttle_time_ms [topics topic [partitions error_code partition leader_epoch end_offset]]

export const OffsetForLeaderEpochRequestSpec = defineMessage({
  name: "OffsetForLeaderEpochRequest",
  apiKey: 23,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: [
    { name: "replicaId", type: "int32", versions: "3+", default: -2 },
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "topic", type: "string", versions: "0+" },
        {
          name: "partitions",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "partition", type: "int32", versions: "0+" },
            { name: "currentLeaderEpoch", type: "int32", versions: "2+", default: -1 },
            { name: "leaderEpoch", type: "int32", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const OffsetForLeaderEpochResponseSpec = defineMessage({
  name: "OffsetForLeaderEpochResponse",
  apiKey: 23,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "2+" },
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "topic", type: "string", versions: "0+" },
        {
          name: "partitions",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "errorCode", type: "int16", versions: "0+" },
            { name: "partition", type: "int32", versions: "0+" },
            { name: "leaderEpoch", type: "int32", versions: "1+", default: -1 },
            { name: "endOffset", type: "int64", versions: "0+", default: -1 },
          ],
        },
      ],
    },
  ],
});

export type OffsetForLeaderEpochRequest = MessageOf<typeof OffsetForLeaderEpochRequestSpec>;
export type OffsetForLeaderEpochResponse = MessageOf<typeof OffsetForLeaderEpochResponseSpec>;
