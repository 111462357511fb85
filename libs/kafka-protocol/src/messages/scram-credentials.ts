import { defineMessage, type MessageOf } from "../schema/types.ts";

// DescribeUserScramCredentials (key 50) and AlterUserScramCredentials (key 51), KIP-554. v0 is flexible.
// Mechanism: 0 UNKNOWN, 1 SCRAM-SHA-256, 2 SCRAM-SHA-512. The client sends the salted password
// (Hi(password, salt, iterations)), never the password itself.
//
// DescribeUserScramCredentialsRequest => [users name] (null: every user)
// DescribeUserScramCredentialsResponse => throttle_time_ms error_code error_message
//   [results user error_code error_message [credential_infos mechanism iterations]]
// AlterUserScramCredentialsRequest => [deletions name mechanism]
//   [upsertions name mechanism iterations salt salted_password]
// AlterUserScramCredentialsResponse => throttle_time_ms [results user error_code error_message]

export const DescribeUserScramCredentialsRequestSpec = defineMessage({
  name: "DescribeUserScramCredentialsRequest",
  apiKey: 50,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    {
      name: "users",
      type: "[]",
      versions: "0+",
      nullableVersions: "0+",
      fields: [{ name: "name", type: "string", versions: "0+" }],
    },
  ],
});

export const DescribeUserScramCredentialsResponseSpec = defineMessage({
  name: "DescribeUserScramCredentialsResponse",
  apiKey: 50,
  type: "response",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
    {
      name: "results",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "user", type: "string", versions: "0+" },
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
        {
          name: "credentialInfos",
          type: "[]",
          versions: "0+",
          fields: [
            { name: "mechanism", type: "int8", versions: "0+" },
            { name: "iterations", type: "int32", versions: "0+" },
          ],
        },
      ],
    },
  ],
});

export const AlterUserScramCredentialsRequestSpec = defineMessage({
  name: "AlterUserScramCredentialsRequest",
  apiKey: 51,
  type: "request",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    {
      name: "deletions",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "mechanism", type: "int8", versions: "0+" },
      ],
    },
    {
      name: "upsertions",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "name", type: "string", versions: "0+" },
        { name: "mechanism", type: "int8", versions: "0+" },
        { name: "iterations", type: "int32", versions: "0+" },
        { name: "salt", type: "bytes", versions: "0+" },
        { name: "saltedPassword", type: "bytes", versions: "0+" },
      ],
    },
  ],
});

export const AlterUserScramCredentialsResponseSpec = defineMessage({
  name: "AlterUserScramCredentialsResponse",
  apiKey: 51,
  type: "response",
  validVersions: "0",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    {
      name: "results",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "user", type: "string", versions: "0+" },
        { name: "errorCode", type: "int16", versions: "0+" },
        { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
      ],
    },
  ],
});

export type DescribeUserScramCredentialsRequest = MessageOf<typeof DescribeUserScramCredentialsRequestSpec>;
export type DescribeUserScramCredentialsResponse = MessageOf<typeof DescribeUserScramCredentialsResponseSpec>;
export type AlterUserScramCredentialsRequest = MessageOf<typeof AlterUserScramCredentialsRequestSpec>;
export type AlterUserScramCredentialsResponse = MessageOf<typeof AlterUserScramCredentialsResponseSpec>;
