import { defineMessage, type MessageOf } from "../schema/types.ts";

// FindCoordinator (key 10). v1 adds keyType (0 group, 1 transaction); v3 is flexible;
// v4 batches keys (coordinatorKeys → coordinators, KIP-699); v5 may return
// TRANSACTION_ABORTABLE; v6 adds share-group keys (keyType 2). v4+ layouts are identical.
//
// FindCoordinatorRequest => key key_type | key_type [coordinator_keys]
// FindCoordinatorResponse => throttle_time_ms error_code error_message node_id host port | [coordinators]

export const FindCoordinatorRequestSpec = defineMessage({
  name: "FindCoordinatorRequest",
  apiKey: 10,
  type: "request",
  validVersions: "0-6",
  flexibleVersions: "3+",
  fields: [
    { name: "key", type: "string", versions: "0-3" },
    { name: "keyType", type: "int8", versions: "1+", default: 0 },
    { name: "coordinatorKeys", type: "[]string", versions: "4+" },
  ],
});

export const FindCoordinatorResponseSpec = defineMessage({
  name: "FindCoordinatorResponse",
  apiKey: 10,
  type: "response",
  validVersions: "0-6",
  flexibleVersions: "3+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    { name: "errorCode", type: "int16", versions: "0-3" },
    { name: "errorMessage", type: "string", versions: "1-3", nullableVersions: "1-3", default: null },
    { name: "nodeId", type: "int32", versions: "0-3" },
    { name: "host", type: "string", versions: "0-3" },
    { name: "port", type: "int32", versions: "0-3" },
    {
      name: "coordinators",
      type: "[]",
      versions: "4+",
      fields: [
        { name: "key", type: "string", versions: "4+" },
        { name: "nodeId", type: "int32", versions: "4+" },
        { name: "host", type: "string", versions: "4+" },
        { name: "port", type: "int32", versions: "4+" },
        { name: "errorCode", type: "int16", versions: "4+" },
        { name: "errorMessage", type: "string", versions: "4+", nullableVersions: "4+" },
      ],
    },
  ],
});

export type FindCoordinatorRequest = MessageOf<typeof FindCoordinatorRequestSpec>;
export type FindCoordinatorResponse = MessageOf<typeof FindCoordinatorResponseSpec>;
