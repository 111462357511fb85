import { defineMessage, type MessageOf } from "../schema/types.ts";

// SyncGroup (key 14). v3 static membership; v4 is flexible; v5 protocolType/protocolName.
//
// SyncGroupRequest => group_id generation_id member_id group_instance_id protocol_type
//   protocol_name [assignments member_id assignment]
// SyncGroupResponse => throttle_time_ms error_code protocol_type protocol_name assignment

export const SyncGroupRequestSpec = defineMessage({
  name: "SyncGroupRequest",
  apiKey: 14,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: [
    { name: "groupId", type: "string", versions: "0+" },
    { name: "generationId", type: "int32", versions: "0+" },
    { name: "memberId", type: "string", versions: "0+" },
    { name: "groupInstanceId", type: "string", versions: "3+", nullableVersions: "3+", default: null },
    { name: "protocolType", type: "string", versions: "5+", nullableVersions: "5+", default: null },
    { name: "protocolName", type: "string", versions: "5+", nullableVersions: "5+", default: null },
    {
      name: "assignments",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "memberId", type: "string", versions: "0+" },
        { name: "assignment", type: "bytes", versions: "0+" },
      ],
    },
  ],
});

export const SyncGroupResponseSpec = defineMessage({
  name: "SyncGroupResponse",
  apiKey: 14,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "4+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "protocolType", type: "string", versions: "5+", nullableVersions: "5+", default: null },
    { name: "protocolName", type: "string", versions: "5+", nullableVersions: "5+", default: null },
    { name: "assignment", type: "bytes", versions: "0+" },
  ],
});

export type SyncGroupRequest = MessageOf<typeof SyncGroupRequestSpec>;
export type SyncGroupResponse = MessageOf<typeof SyncGroupResponseSpec>;
