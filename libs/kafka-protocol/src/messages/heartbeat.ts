import { defineMessage, type MessageOf } from "../schema/types.ts";

// Heartbeat (key 12). v1 throttle time; v3 static membership; v4 is flexible.
//
// HeartbeatRequest => group_id generation_id member_id group_instance_id
// HeartbeatResponse => throttle_time_ms error_code

export const HeartbeatRequestSpec = defineMessage({
  name: "HeartbeatRequest",
  apiKey: 12,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: [
    { name: "groupId", type: "string", versions: "0+" },
    { name: "generationId", type: "int32", versions: "0+" },
    { name: "memberId", type: "string", versions: "0+" },
    { name: "groupInstanceId", type: "string", versions: "3+", nullableVersions: "3+", default: null },
  ],
});

export const HeartbeatResponseSpec = defineMessage({
  name: "HeartbeatResponse",
  apiKey: 12,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    { name: "errorCode", type: "int16", versions: "0+" },
  ],
});

export type HeartbeatRequest = MessageOf<typeof HeartbeatRequestSpec>;
export type HeartbeatResponse = MessageOf<typeof HeartbeatResponseSpec>;
