import { defineMessage, type MessageOf } from "../schema/types.ts";

// ListGroups (key 16). v1 throttle time; v3 is flexible; v4 filters by state (KIP-518).
//
// ListGroupsRequest => [states_filter]
// ListGroupsResponse => throttle_time_ms error_code [groups group_id protocol_type group_state]

export const ListGroupsRequestSpec = defineMessage({
  name: "ListGroupsRequest",
  apiKey: 16,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "3+",
  fields: [{ name: "statesFilter", type: "[]string", versions: "4+" }],
});

export const ListGroupsResponseSpec = defineMessage({
  name: "ListGroupsResponse",
  apiKey: 16,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "3+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    {
      name: "groups",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "groupId", type: "string", versions: "0+" },
        { name: "protocolType", type: "string", versions: "0+" },
        { name: "groupState", type: "string", versions: "4+" },
      ],
    },
  ],
});

export type ListGroupsRequest = MessageOf<typeof ListGroupsRequestSpec>;
export type ListGroupsResponse = MessageOf<typeof ListGroupsResponseSpec>;
