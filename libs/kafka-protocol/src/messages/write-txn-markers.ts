import { defineMessage, type MessageOf } from "../schema/types.ts";

// WriteTxnMarkers (27): the transaction coordinator asks a partition leader to write commit/abort markers
// (broker to broker). v1 is flexible.
//
// WriteTxnMarkersRequest => [markers producer_id producer_epoch transaction_result [topics name
//   [partition_indexes]] coordinator_epoch]
// WriteTxnMarkersResponse => [markers producer_id [topics name [partitions partition_index error_code]]]

export const WriteTxnMarkersRequestSpec = defineMessage({
  name: "WriteTxnMarkersRequest",
  apiKey: 27,
  type: "request",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: [
    {
      name: "markers",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "producerId", type: "int64", versions: "0+" },
        { name: "producerEpoch", type: "int16", versions: "0+" },
        { name: "transactionResult", type: "bool", versions: "0+" },
        {
          name: "topics",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "name", type: "string", versions: "0+" },
            { name: "partitionIndexes", type: "[]int32", versions: "0+" },
          ],
        },
        { name: "coordinatorEpoch", type: "int32", versions: "0+" },
      ],
    },
  ],
});

export const WriteTxnMarkersResponseSpec = defineMessage({
  name: "WriteTxnMarkersResponse",
  apiKey: 27,
  type: "response",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: [
    {
      name: "markers",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "producerId", type: "int64", versions: "0+" },
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
    },
  ],
});

export type WriteTxnMarkersRequest = MessageOf<typeof WriteTxnMarkersRequestSpec>;
export type WriteTxnMarkersResponse = MessageOf<typeof WriteTxnMarkersResponseSpec>;
