import { defineMessage, type MessageOf } from "../schema/types.ts";

// ApiVersions (key 18). Version 3 is flexible (KIP-511: client software name/version).
// A broker answers a request at an unsupported version with a v0 body carrying
// UNSUPPORTED_VERSION and its supported list (see `encodeUnsupportedApiVersionsResponse`).
//
// ApiVersionsRequest => [client_software_name client_software_version]   (v3+)
// ApiVersionsResponse => error_code [api_keys] throttle_time_ms (v1+) + tagged (v3+)

export const ApiVersionsRequestSpec = defineMessage({
  name: "ApiVersionsRequest",
  apiKey: 18,
  type: "request",
  validVersions: "0-3",
  flexibleVersions: "3+",
  fields: [
    { name: "clientSoftwareName", type: "string", versions: "3+" },
    { name: "clientSoftwareVersion", type: "string", versions: "3+" },
  ],
});

export const ApiVersionsResponseSpec = defineMessage({
  name: "ApiVersionsResponse",
  apiKey: 18,
  type: "response",
  validVersions: "0-3",
  flexibleVersions: "3+",
  fields: [
    { name: "errorCode", type: "int16", versions: "0+" },
    {
      name: "apiKeys",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "apiKey", type: "int16", versions: "0+" },
        { name: "minVersion", type: "int16", versions: "0+" },
        { name: "maxVersion", type: "int16", versions: "0+" },
      ],
    },
    { name: "throttleTimeMs", type: "int32", versions: "1+" },
    {
      name: "supportedFeatures",
      type: "[]",
      versions: "3+",
      tag: 0,
      taggedVersions: "3+",
      fields: [
        { name: "name", type: "string", versions: "3+" },
        { name: "minVersion", type: "int16", versions: "3+" },
        { name: "maxVersion", type: "int16", versions: "3+" },
      ],
    },
    {
      name: "finalizedFeaturesEpoch",
      type: "int64",
      versions: "3+",
      tag: 1,
      taggedVersions: "3+",
      default: -1,
    },
    {
      name: "finalizedFeatures",
      type: "[]",
      versions: "3+",
      tag: 2,
      taggedVersions: "3+",
      fields: [
        { name: "name", type: "string", versions: "3+" },
        { name: "maxVersionLevel", type: "int16", versions: "3+" },
        { name: "minVersionLevel", type: "int16", versions: "3+" },
      ],
    },
    { name: "zkMigrationReady", type: "bool", versions: "3+", tag: 3, taggedVersions: "3+", default: false },
  ],
});

export type ApiVersionsRequest = MessageOf<typeof ApiVersionsRequestSpec>;
export type ApiVersionsResponse = MessageOf<typeof ApiVersionsResponseSpec>;
