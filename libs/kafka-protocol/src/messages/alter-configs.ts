import { defineMessage, type MessageOf } from "../schema/types.ts";

// AlterConfigs (33, whole-resource replace): v1 throttle semantics, v2 is flexible.
// IncrementalAlterConfigs (44, per-key SET/DELETE/APPEND/SUBTRACT = 0/1/2/3): v1 is flexible.
//
// AlterConfigsRequest => [resources resource_type resource_name [configs name value]] validate_only
// IncrementalAlterConfigsRequest => [resources resource_type resource_name [configs name
//   config_operation value]] validate_only
// both responses => throttle_time_ms [responses error_code error_message resource_type resource_name]

const responseFields = [
  { name: "throttleTimeMs", type: "int32", versions: "0+" },
  {
    name: "responses",
    type: "[]",
    versions: "0+",
    fields: [
      { name: "errorCode", type: "int16", versions: "0+" },
      { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
      { name: "resourceType", type: "int8", versions: "0+" },
      { name: "resourceName", type: "string", versions: "0+" },
    ],
  },
] as const;

export const AlterConfigsRequestSpec = defineMessage({
  name: "AlterConfigsRequest",
  apiKey: 33,
  type: "request",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: [
    {
      name: "resources",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "resourceType", type: "int8", versions: "0+" },
        { name: "resourceName", type: "string", versions: "0+" },
        {
          name: "configs",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "name", type: "string", versions: "0+" },
            { name: "value", type: "string", versions: "0+", nullableVersions: "0+" },
          ],
        },
      ],
    },
    { name: "validateOnly", type: "bool", versions: "0+" },
  ],
});

export const AlterConfigsResponseSpec = defineMessage({
  name: "AlterConfigsResponse",
  apiKey: 33,
  type: "response",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: responseFields,
});

export const IncrementalAlterConfigsRequestSpec = defineMessage({
  name: "IncrementalAlterConfigsRequest",
  apiKey: 44,
  type: "request",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: [
    {
      name: "resources",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "resourceType", type: "int8", versions: "0+" },
        { name: "resourceName", type: "string", versions: "0+" },
        {
          name: "configs",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "name", type: "string", versions: "0+" },
            { name: "configOperation", type: "int8", versions: "0+" },
            { name: "value", type: "string", versions: "0+", nullableVersions: "0+" },
          ],
        },
      ],
    },
    { name: "validateOnly", type: "bool", versions: "0+" },
  ],
});

export const IncrementalAlterConfigsResponseSpec = defineMessage({
  name: "IncrementalAlterConfigsResponse",
  apiKey: 44,
  type: "response",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: responseFields,
});

export type AlterConfigsRequest = MessageOf<typeof AlterConfigsRequestSpec>;
export type AlterConfigsResponse = MessageOf<typeof AlterConfigsResponseSpec>;
export type IncrementalAlterConfigsRequest = MessageOf<typeof IncrementalAlterConfigsRequestSpec>;
export type IncrementalAlterConfigsResponse = MessageOf<typeof IncrementalAlterConfigsResponseSpec>;
