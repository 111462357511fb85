import { defineMessage, type MessageOf } from "../schema/types.ts";

// DescribeClientQuotas (key 48), KIP-546. v1 is flexible. kafka-configs.sh --describe --entity-type users asks
// it next to DescribeUserScramCredentials. match_type: 0 exact name, 1 default entity, 2 any entity.
//
// DescribeClientQuotasRequest => [components entity_type match_type match] strict
// DescribeClientQuotasResponse => throttle_time_ms error_code error_message
//   [entries [entity entity_type entity_name] [values key value]]

export const DescribeClientQuotasRequestSpec = defineMessage({
  name: "DescribeClientQuotasRequest",
  apiKey: 48,
  type: "request",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: [
    {
      name: "components",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "entityType", type: "string", versions: "0+" },
        { name: "matchType", type: "int8", versions: "0+" },
        { name: "match", type: "string", versions: "0+", nullableVersions: "0+" },
      ],
    },
    { name: "strict", type: "bool", versions: "0+" },
  ],
});

export const DescribeClientQuotasResponseSpec = defineMessage({
  name: "DescribeClientQuotasResponse",
  apiKey: 48,
  type: "response",
  validVersions: "0-1",
  flexibleVersions: "1+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
    {
      name: "entries",
      type: "[]",
      versions: "0+",
      nullableVersions: "0+",
      fields: [
        {
          name: "entity",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "entityType", type: "string", versions: "0+" },
            { name: "entityName", type: "string", versions: "0+", nullableVersions: "0+" },
          ],
        },
        {
          name: "values",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "key", type: "string", versions: "0+" },
            { name: "value", type: "float64", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export type DescribeClientQuotasRequest = MessageOf<typeof DescribeClientQuotasRequestSpec>;
export type DescribeClientQuotasResponse = MessageOf<typeof DescribeClientQuotasResponseSpec>;
