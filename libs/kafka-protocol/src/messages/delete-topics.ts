import { defineMessage, type MessageOf } from "../schema/types.ts";

// DeleteTopics (key 20). v1 throttle time; v4 is flexible; v5 error messages; v6 deletes
// by name or topic id (topics replaces topicNames).
//
// DeleteTopicsRequest => [topic_names] timeout_ms (v0-5) | [topics name topic_id] timeout_ms
// DeleteTopicsResponse => throttle_time_ms [responses name topic_id error_code error_message]

export const DeleteTopicsRequestSpec = defineMessage({
  name: "DeleteTopicsRequest",
  apiKey: 20,
  type: "request",
  validVersions: "0-6",
  flexibleVersions: "4+",
  fields: [
    {
      name: "topics",
      type: "[]",
      versions: "6+",
      fields: [
        { name: "name", type: "string", versions: "6+", nullableVersions: "6+", default: null },
        { name: "topicId", type: "uuid", versions: "6+" },
      ],
    },
    { name: "topicNames", type: "[]string", versions: "0-5" },
    { name: "timeoutMs", type: "int32", versions: "0+" },
  ],
});

export const DeleteTopicsResponseSpec = defineMessage({
  name: "DeleteTopicsResponse",
  apiKey: 20,
  type: "response",
  validVersions: "0-6",
  flexibleVersions: "4+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    {
      name: "responses",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+", nullableVersions: "6+" },
        { name: "topicId", type: "uuid", versions: "6+" },
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "5+", nullableVersions: "5+", default: null },
      ],
    },
  ],
});

export type DeleteTopicsRequest = MessageOf<typeof DeleteTopicsRequestSpec>;
export type DeleteTopicsResponse = MessageOf<typeof DeleteTopicsResponseSpec>;
