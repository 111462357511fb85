import { defineMessage, type MessageOf } from "../schema/types.ts";

// CreatePartitions (key 37). v2 is flexible; v3 THROTTLING_QUOTA_EXCEEDED.
//
// CreatePartitionsRequest => [topics name count [assignments [broker_ids]]] timeout_ms validate_only
// CreatePartitionsResponse => throttle_time_ms [results name error_code error_message]

export const CreatePartitionsRequestSpec = defineMessage({
  name: "CreatePartitionsRequest",
  apiKey: 37,
  type: "request",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: [
    {
      name: "topics",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "count", type: "int32", versions: "0+" },
        {
          name: "assignments",
          type: "[]",
          versions: "0+",
          nullableVersions: "0+",
          fields: [{ name: "brokerIds", type: "[]int32", versions: "0+" }],
        },
      ],
    },
    { name: "timeoutMs", type: "int32", versions: "0+" },
    { name: "validateOnly", type: "bool", versions: "0+" },
  ],
});

export const CreatePartitionsResponseSpec = defineMessage({
  name: "CreatePartitionsResponse",
  apiKey: 37,
  type: "response",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "results",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+", default: null },
      ],
    },
  ],
});

export type CreatePartitionsRequest = MessageOf<typeof CreatePartitionsRequestSpec>;
export type CreatePartitionsResponse = MessageOf<typeof CreatePartitionsResponseSpec>;
