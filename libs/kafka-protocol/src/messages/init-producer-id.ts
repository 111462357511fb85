import { defineMessage, type MessageOf } from "../schema/types.ts";

// InitProducerId (key 22). v2 is flexible; v3 lets a producer bump its epoch by sending
// its current producerId/producerEpoch (KIP-360); v4 PRODUCER_FENCED; v5 TRANSACTION_ABORTABLE.
//
// InitProducerIdRequest => transactional_id transaction_timeout_ms producer_id producer_epoch
// InitProducerIdResponse => throttle_time_ms error_code producer_id producer_epoch

export const InitProducerIdRequestSpec = defineMessage({
  name: "InitProducerIdRequest",
  apiKey: 22,
  type: "request",
  validVersions: "0-5",
  flexibleVersions: "2+",
  fields: [
    { name: "transactionalId", type: "string", versions: "0+", nullableVersions: "0+" },
    { name: "transactionTimeoutMs", type: "int32", versions: "0+" },
    { name: "producerId", type: "int64", versions: "3+", default: -1 },
    { name: "producerEpoch", type: "int16", versions: "3+", default: -1 },
  ],
});

export const InitProducerIdResponseSpec = defineMessage({
  name: "InitProducerIdResponse",
  apiKey: 22,
  type: "response",
  validVersions: "0-5",
  flexibleVersions: "2+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "producerId", type: "int64", versions: "0+", default: -1 },
    { name: "producerEpoch", type: "int16", versions: "0+" },
  ],
});

export type InitProducerIdRequest = MessageOf<typeof InitProducerIdRequestSpec>;
export type InitProducerIdResponse = MessageOf<typeof InitProducerIdResponseSpec>;
