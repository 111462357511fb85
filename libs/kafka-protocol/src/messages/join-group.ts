import { defineMessage, type MessageOf } from "../schema/types.ts";

// JoinGroup (key 11). v1 rebalanceTimeoutMs; v4 MEMBER_ID_REQUIRED handshake; v5 static
// membership (groupInstanceId); v6 is flexible; v7 protocolType/protocolName nullable in the
// response; v8 reason; v9 skipAssignment.
//
// JoinGroupRequest => group_id session_timeout_ms rebalance_timeout_ms member_id
//   group_instance_id protocol_type [protocols name metadata] reason
// JoinGroupResponse => throttle_time_ms error_code generation_id protocol_type protocol_name
//   leader skip_assignment member_id [members member_id group_instance_id metadata]

export const JoinGroupRequestSpec = defineMessage({
  name: "JoinGroupRequest",
  apiKey: 11,
  type: "request",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: [
    { name: "groupId", type: "string", versions: "0+" },
    { name: "sessionTimeoutMs", type: "int32", versions: "0+" },
    { name: "rebalanceTimeoutMs", type: "int32", versions: "1+", default: -1 },
    { name: "memberId", type: "string", versions: "0+" },
    { name: "groupInstanceId", type: "string", versions: "5+", nullableVersions: "5+", default: null },
    { name: "protocolType", type: "string", versions: "0+" },
    {
      name: "protocols",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "metadata", type: "bytes", versions: "0+" },
      ],
    },
    { name: "reason", type: "string", versions: "8+", nullableVersions: "8+", default: null },
  ],
});

export const JoinGroupResponseSpec = defineMessage({
  name: "JoinGroupResponse",
  apiKey: 11,
  type: "response",
  validVersions: "0-9",
  flexibleVersions: "6+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "2+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "generationId", type: "int32", versions: "0+", default: -1 },
    { name: "protocolType", type: "string", versions: "7+", nullableVersions: "7+", default: null },
    { name: "protocolName", type: "string", versions: "0+", nullableVersions: "7+" },
    { name: "leader", type: "string", versions: "0+" },
    { name: "skipAssignment", type: "bool", versions: "9+", default: false },
    { name: "memberId", type: "string", versions: "0+" },
    {
      name: "members",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "memberId", type: "string", versions: "0+" },
        { name: "groupInstanceId", type: "string", versions: "5+", nullableVersions: "5+", default: null },
        { name: "metadata", type: "bytes", versions: "0+" },
      ],
    },
  ],
});

export type JoinGroupRequest = MessageOf<typeof JoinGroupRequestSpec>;
export type JoinGroupResponse = MessageOf<typeof JoinGroupResponseSpec>;
