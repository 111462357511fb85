import { defineMessage, type MessageOf } from "../schema/types.ts";

// OffsetCommit (key 8). v1 generation/member and a per-partition commitTimestamp (v1 only);
// v2-4 retentionTimeMs; v3 throttle time; v6 committedLeaderEpoch; v7 groupInstanceId;
// v8 is flexible; v9 accepts member epochs of the new consumer protocol (KIP-848), hence
// the field name generationIdOrMemberEpoch.
//
// OffsetCommitRequest => group_id generation_id_or_member_epoch member_id group_instance_id
//   retention_time_ms [topics name [partitions partition_index committed_offset
//   committed_leader_epoch commit_timestamp committed_metadata]]
// OffsetCommitResponse => throttle_time_ms [topics name [partitions partition_index error_code]]

export const OffsetCommitRequestSpec = defineMessage({
  name: "OffsetCommitRequest",
  apiKey: 8,
  type: "request",
  validVersions: "0-9",
  flexibleVersions: "8+",
  fields: [
    { name: "groupId", type: "string", versions: "0+" },
    { name: "generationIdOrMemberEpoch", type: "int32", versions: "1+", default: -1 },
    { name: "memberId", type: "string", versions: "1+", default: "" },
    { name: "groupInstanceId", type: "string", versions: "7+", nullableVersions: "7+", default: null },
    { name: "retentionTimeMs", type: "int64", versions: "2-4", default: -1 },
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
            { name: "committedOffset", type: "int64", versions: "0+" },
            { name: "committedLeaderEpoch", type: "int32", versions: "6+", default: -1 },
            { name: "commitTimestamp", type: "int64", versions: "1", default: -1 },
            { name: "committedMetadata", type: "string", versions: "0+", nullableVersions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const OffsetCommitResponseSpec = defineMessage({
  name: "OffsetCommitResponse",
  apiKey: 8,
  type: "response",
  validVersions: "0-9",
  flexibleVersions: "8+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "3+" },
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
          ],
        },
      ],
    },
  ],
});

export type OffsetCommitRequest = MessageOf<typeof OffsetCommitRequestSpec>;
export type OffsetCommitResponse = MessageOf<typeof OffsetCommitResponseSpec>;
