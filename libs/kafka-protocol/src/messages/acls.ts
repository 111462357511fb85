import { defineMessage, type MessageOf } from "../schema/types.ts";

// DescribeAcls (key 29), CreateAcls (key 30), DeleteAcls (key 31). v1 adds the resource pattern type
// (LITERAL = 3 before it); v2 is flexible; v3 adds the USER resource type (no wire change).
//
// DescribeAclsRequest => resource_type_filter resource_name_filter pattern_type_filter principal_filter
//   host_filter operation permission_type
// DescribeAclsResponse => throttle_time_ms error_code error_message
//   [resources resource_type resource_name pattern_type [acls principal host operation permission_type]]
// CreateAclsRequest => [creations resource_type resource_name resource_pattern_type principal host operation
//   permission_type]
// CreateAclsResponse => throttle_time_ms [results error_code error_message]
// DeleteAclsRequest => [filters resource_type_filter resource_name_filter pattern_type_filter principal_filter
//   host_filter operation permission_type]
// DeleteAclsResponse => throttle_time_ms [filter_results error_code error_message [matching_acls error_code
//   error_message resource_type resource_name pattern_type principal host operation permission_type]]

const LITERAL = 3;

/** An ACL filter: DescribeAcls asks one, DeleteAcls a list (null strings and ANY codes match everything). */
const aclFilterFields = [
  { name: "resourceTypeFilter", type: "int8", versions: "0+" },
  { name: "resourceNameFilter", type: "string", versions: "0+", nullableVersions: "0+" },
  { name: "patternTypeFilter", type: "int8", versions: "1+", default: LITERAL },
  { name: "principalFilter", type: "string", versions: "0+", nullableVersions: "0+" },
  { name: "hostFilter", type: "string", versions: "0+", nullableVersions: "0+" },
  { name: "operation", type: "int8", versions: "0+" },
  { name: "permissionType", type: "int8", versions: "0+" },
] as const;

/** Who may (or may not) do what from where: the tail of every ACL entry the three APIs carry. */
const aclEntryFields = [
  { name: "principal", type: "string", versions: "0+" },
  { name: "host", type: "string", versions: "0+" },
  { name: "operation", type: "int8", versions: "0+" },
  { name: "permissionType", type: "int8", versions: "0+" },
] as const;

export const DescribeAclsRequestSpec = defineMessage({
  name: "DescribeAclsRequest",
  apiKey: 29,
  type: "request",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: aclFilterFields,
});

export const DescribeAclsResponseSpec = defineMessage({
  name: "DescribeAclsResponse",
  apiKey: 29,
  type: "response",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
    {
      name: "resources",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "resourceType", type: "int8", versions: "0+" },
        { name: "resourceName", type: "string", versions: "0+" },
        { name: "patternType", type: "int8", versions: "1+", default: LITERAL },
        { name: "acls", type: "[]", versions: "0+", fields: aclEntryFields },
      ],
    },
  ],
});

export const CreateAclsRequestSpec = defineMessage({
  name: "CreateAclsRequest",
  apiKey: 30,
  type: "request",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: [
    {
      name: "creations",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "resourceType", type: "int8", versions: "0+" },
        { name: "resourceName", type: "string", versions: "0+" },
        { name: "resourcePatternType", type: "int8", versions: "1+", default: LITERAL },
        ...aclEntryFields,
      ],
    },
  ],
});

export const CreateAclsResponseSpec = defineMessage({
  name: "CreateAclsResponse",
  apiKey: 30,
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
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
      ],
    },
  ],
});

export const DeleteAclsRequestSpec = defineMessage({
  name: "DeleteAclsRequest",
  apiKey: 31,
  type: "request",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: [
    {
      name: "filters",
      type: "[]",
      versions: "0+",
      fields: aclFilterFields,
    },
  ],
});

export const DeleteAclsResponseSpec = defineMessage({
  name: "DeleteAclsResponse",
  apiKey: 31,
  type: "response",
  validVersions: "0-3",
  flexibleVersions: "2+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "filterResults",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+", default: null },
        {
          name: "matchingAcls",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "errorCode", type: "int16", versions: "0+" },
            { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+", default: null },
            { name: "resourceType", type: "int8", versions: "0+" },
            { name: "resourceName", type: "string", versions: "0+" },
            { name: "patternType", type: "int8", versions: "1+", default: LITERAL },
            ...aclEntryFields,
          ],
        },
      ],
    },
  ],
});

export type DescribeAclsRequest = MessageOf<typeof DescribeAclsRequestSpec>;
export type DescribeAclsResponse = MessageOf<typeof DescribeAclsResponseSpec>;
export type CreateAclsRequest = MessageOf<typeof CreateAclsRequestSpec>;
export type CreateAclsResponse = MessageOf<typeof CreateAclsResponseSpec>;
export type DeleteAclsRequest = MessageOf<typeof DeleteAclsRequestSpec>;
export type DeleteAclsResponse = MessageOf<typeof DeleteAclsResponseSpec>;
