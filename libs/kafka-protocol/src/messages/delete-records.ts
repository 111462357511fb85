import { defineMessage, type MessageOf } from "../schema/types.ts";

// DeleteRecords (key 21). v2 is flexible.
//
// DeleteRecordsRequest => [topics name [partitions partition_index offset]] timeout_ms
// DeleteRecordsResponse => throttle_time_ms [topics name [partitions partition_index low_watermark error_code]]

export const DeleteRecordsRequestSpec = defineMessage({
  name: "DeleteRecordsRequest",
  apiKey: 21,
  type: "request",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: [
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
            { name: "offset", type: "int64", versions: "0+" },
          ],
        },
      ],
    },
    { name: "timeoutMs", type: "int32", versions: "0+" },
  ],
});

export const DeleteRecordsResponseSpec = defineMessage({
  name: "DeleteRecordsResponse",
  apiKey: 21,
  type: "response",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: [
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
            { name: "lowWatermark", type: "int64", versions: "0+" },
            { name: "errorCode", type: "int16", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export type DeleteRecordsRequest = MessageOf<typeof DeleteRecordsRequestSpec>;
export type DeleteRecordsResponse = MessageOf<typeof DeleteRecordsResponseSpec>;
