import { defineMessage, type MessageOf } from "../schema/types.ts";

// DescribeGroups (key 15). v1 throttle time; v3 authorized operations; v4 groupInstanceId;
// v5 is flexible.
//
// DescribeGroupsRequest => [groups] include_authorized_operations
// DescribeGroupsResponse => throttle_time_ms [groups error_code group_id group_state
//   protocol_type protocol_data [members member_id group_instance_id client_id client_host
//   member_metadata member_assignment] authorized_operations]

export const DescribeGroupsRequestSpec = defineMessage({
  name: "DescribeGroupsRequest",
  apiKey: 15,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "5+",
  fields: [
    { name: "groups", type: "[]string", versions: "0+" },
    { name: "includeAuthorizedOperations", type: "bool", versions: "3+" },
  ],
});

export const DescribeGroupsResponseSpec = defineMessage({
  name: "DescribeGroupsResponse",
  apiKey: 15,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "5+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    {
      name: "groups",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "groupId", type: "string", versions: "0+" },
        { name: "groupState", type: "string", versions: "0+" },
        { name: "protocolType", type: "string", versions: "0+" },
        { name: "protocolData", type: "string", versions: "0+" },
        {
          name: "members",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "memberId", type: "string", versions: "0+" },
            {
              name: "groupInstanceId",
              type: "string",
              versions: "4+",
              nullableVersions: "4+",
              default: null,
            },
            { name: "clientId", type: "string", versions: "0+" },
            { name: "clientHost", type: "string", versions: "0+" },
            { name: "memberMetadata", type: "bytes", versions: "0+" },
            { name: "memberAssignment", type: "bytes", versions: "0+" },
          ],
        },
        { name: "authorizedOperations", type: "int32", versions: "3+", default: -2147483648 },
      ],
    },
  ],
});

export type DescribeGroupsRequest = MessageOf<typeof DescribeGroupsRequestSpec>;
export type DescribeGroupsResponse = MessageOf<typeof DescribeGroupsResponseSpec>;
