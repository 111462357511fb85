import { defineMessage, type MessageOf } from "../schema/types.ts";

// Group administration. DeleteGroups (42): v1 throttle semantics, v2 is flexible.
// OffsetDelete (47): v0 only, never flexible.
//
// DeleteGroupsRequest => [groups_names]
// DeleteGroupsResponse => throttle_time_ms [results group_id error_code]
// OffsetDeleteRequest => group_id [topics name [partitions partition_index]]
// OffsetDeleteResponse => error_code throttle_time_ms [topics name [partitions partition_index error_code]]

export const DeleteGroupsRequestSpec = defineMessage({
  name: "DeleteGroupsRequest",
  apiKey: 42,
  type: "request",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: [{ name: "groupsNames", type: "[]string", versions: "0+" }],
});

export const DeleteGroupsResponseSpec = defineMessage({
  name: "DeleteGroupsResponse",
  apiKey: 42,
  type: "response",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "results",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "groupId", type: "string", versions: "0+" },
        { name: "errorCode", type: "int16", versions: "0+" },
      ],
    },
  ],
});

export const OffsetDeleteRequestSpec = defineMessage({
  name: "OffsetDeleteRequest",
  apiKey: 47,
  type: "request",
  validVersions: "0",
  flexibleVersions: "none",
  fields: [
    { name: "groupId", type: "string", versions: "0+" },
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
          fields: [{ name: "partitionIndex", type: "int32", versions: "0+" }],
        },
      ],
    },
  ],
});

export const OffsetDeleteResponseSpec = defineMessage({
  name: "OffsetDeleteResponse",
  apiKey: 47,
  type: "response",
  validVersions: "0",
  flexibleVersions: "none",
  fields: [
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
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

export type DeleteGroupsRequest = MessageOf<typeof DeleteGroupsRequestSpec>;
export type DeleteGroupsResponse = MessageOf<typeof DeleteGroupsResponseSpec>;
export type OffsetDeleteRequest = MessageOf<typeof OffsetDeleteRequestSpec>;
export type OffsetDeleteResponse = MessageOf<typeof OffsetDeleteResponseSpec>;
