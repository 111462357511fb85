import { defineMessage, type MessageOf } from "../schema/types.ts";

// LeaveGroup (key 13). v3 batches members (KIP-345); v4 is flexible; v5 reason.
//
// LeaveGroupRequest => group_id member_id (v0-2) | group_id [members member_id group_instance_id reason]
// LeaveGroupResponse => throttle_time_ms error_code [members member_id group_instance_id error_code]

export const LeaveGroupRequestSpec = defineMessage({
  name: "LeaveGroupRequest",
  apiKey: 13,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: [
    { name: "groupId", type: "string", versions: "0+" },
    { name: "memberId", type: "string", versions: "0-2" },
    {
      name: "members",
      type: "[]",
      versions: "3+",
      fields: [
        { name: "memberId", type: "string", versions: "3+" },
        { name: "groupInstanceId", type: "string", versions: "3+", nullableVersions: "3+", default: null },
        { name: "reason", type: "string", versions: "5+", nullableVersions: "5+", default: null },
      ],
    },
  ],
});

export const LeaveGroupResponseSpec = defineMessage({
  name: "LeaveGroupResponse",
  apiKey: 13,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    {
      name: "members",
      type: "[]",
      versions: "3+",
      fields: [
        { name: "memberId", type: "string", versions: "3+" },
        { name: "groupInstanceId", type: "string", versions: "3+", nullableVersions: "3+" },
        { name: "errorCode", type: "int16", versions: "3+" },
      ],
    },
  ],
});

export type LeaveGroupRequest = MessageOf<typeof LeaveGroupRequestSpec>;
export type LeaveGroupResponse = MessageOf<typeof LeaveGroupResponseSpec>;
