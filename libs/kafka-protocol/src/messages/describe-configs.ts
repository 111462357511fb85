import { defineMessage, type MessageOf } from "../schema/types.ts";

// DescribeConfigs (key 32). v1 synonyms and configSource (replaces isDefault); v3 config
// type and documentation; v4 is flexible.
//
// DescribeConfigsRequest => [resources resource_type resource_name [configuration_keys]]
//   include_synonyms include_documentation
// DescribeConfigsResponse => throttle_time_ms [results error_code error_message resource_type
//   resource_name [configs name value read_only is_default config_source is_sensitive
//   [synonyms name value source] config_type documentation]]

export const DescribeConfigsRequestSpec = defineMessage({
  name: "DescribeConfigsRequest",
  apiKey: 32,
  type: "request",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: [
    {
      name: "resources",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "resourceType", type: "int8", versions: "0+" },
        { name: "resourceName", type: "string", versions: "0+" },
        { name: "configurationKeys", type: "[]string", versions: "0+", nullableVersions: "0+" },
      ],
    },
    { name: "includeSynonyms", type: "bool", versions: "1+", default: false },
    { name: "includeDocumentation", type: "bool", versions: "3+", default: false },
  ],
});

export const DescribeConfigsResponseSpec = defineMessage({
  name: "DescribeConfigsResponse",
  apiKey: 32,
  type: "response",
  validVersions: "0-4",
  flexibleVersions: "4+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "results",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
        { name: "resourceType", type: "int8", versions: "0+" },
        { name: "resourceName", type: "string", versions: "0+" },
        {
          name: "configs",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "name", type: "string", versions: "0+" },
            { name: "value", type: "string", versions: "0+", nullableVersions: "0+" },
            { name: "readOnly", type: "bool", versions: "0+" },
            { name: "isDefault", type: "bool", versions: "0" },
            { name: "configSource", type: "int8", versions: "1+", default: -1 },
            { name: "isSensitive", type: "bool", versions: "0+" },
            {
              name: "synonyms",
              type: "[]",
              versions: "1+",
              fields: [
                { name: "name", type: "string", versions: "1+" },
                { name: "value", type: "string", versions: "1+", nullableVersions: "1+" },
                { name: "source", type: "int8", versions: "1+" },
              ],
            },
            { name: "configType", type: "int8", versions: "3+", default: 0 },
            { name: "documentation", type: "string", versions: "3+", nullableVersions: "0+" },
          ],
        },
      ],
    },
  ],
});

export type DescribeConfigsRequest = MessageOf<typeof DescribeConfigsRequestSpec>;
export type DescribeConfigsResponse = MessageOf<typeof DescribeConfigsResponseSpec>;
