import { defineMessage, type MessageOf } from "../schema/types.ts";

// OffsetFetch (key 9). v1 reads Kafka-stored offsets; v2 null topics = all and a top-level
// error code; v3 throttle time; v5 committedLeaderEpoch; v6 is flexible; v7 requireStable;
// v8 batches groups (KIP-709); v9 adds memberId/memberEpoch (KIP-848).
//
// OffsetFetchRequest => group_id [topics name [partition_indexes]] require_stable (v0-7)
//   | [groups group_id member_id member_epoch [topics name [partition_indexes]]] require_stable
// OffsetFetchResponse => throttle_time_ms [topics ...] error_code (v0-7) | throttle_time_ms [groups ...]

const partitionFields = [
  { name: "partitionIndex", type: "int32", versions: "0+" },
  { name: "committedOffset", type: "int64", versions: "0+" },
  { name: "committedLeaderEpoch", type: "int32", versions: "5+", default: -1 },
  { name: "metadata", type: "string", versions: "0+", nullableVersions: "0+" },
  { name: "errorCode", type: "int16", versions: "0+" },
] as const;

export const OffsetFetchRequestSpec = defineMessage({
  name: "OffsetFetchRequest",
  apiKey: 9,
  type: "request",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: [
    { name: "groupId", type: "string", versions: "0-7" },
    {
      name: "topics",
      type: "[]",
      versions: "0-7",
      nullableVersions: "2-7",
      fields: [
        { name: "name", type: "string", versions: "0-7" },
        { name: "partitionIndexes", type: "[]int32", versions: "0-7" },
      ],
    },
    {
      name: "groups",
      type: "[]",
      versions: "8+",
      fields: [
        { name: "groupId", type: "string", versions: "8+" },
        { name: "memberId", type: "string", versions: "9+", nullableVersions: "9+", default: null },
        { name: "memberEpoch", type: "int32", versions: "9+", default: -1 },
        {
          name: "topics",
          type: "[]",
          versions: "8+",
          nullableVersions: "8+",
          fields: [
            { name: "name", type: "string", versions: "8+" },
            { name: "partitionIndexes", type: "[]int32", versions: "8+" },
          ],
        },
      ],
    },
    { name: "requireStable", type: "bool", versions: "7+", default: false },
  ],
});

export const OffsetFetchResponseSpec = defineMessage({
  name: "OffsetFetchResponse",
  apiKey: 9,
  type: "response",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "3+" },
    {
      name: "topics",
      type: "[]",
      versions: "0-7",
      fields: [
        { name: "name", type: "string", versions: "0-7" },
        { name: "partitions", type: "[]", versions: "0-7", fields: partitionFields },
      ],
    },
    { name: "errorCode", type: "int16", versions: "2-7", default: 0 },
    {
      name: "groups",
      type: "[]",
      versions: "8+",
      fields: [
        { name: "groupId", type: "string", versions: "8+" },
        {
          name: "topics",
          type: "[]",
          versions: "8+",
          fields: [
            { name: "name", type: "string", versions: "8+" },
            { name: "partitions", type: "[]", versions: "8+", fields: partitionFields },
          ],
        },
        { name: "errorCode", type: "int16", versions: "8+", default: 0 },
      ],
    },
  ],
});

export type OffsetFetchRequest = MessageOf<typeof OffsetFetchRequestSpec>;
export type OffsetFetchResponse = MessageOf<typeof OffsetFetchResponseSpec>;
