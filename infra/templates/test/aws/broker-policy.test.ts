import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BROKER_STATEMENTS } from "../../src/aws/broker-policy.ts";
import { grantedActions } from "../../src/aws/iam-policy.ts";
import { brokerCodeActions, missingFrom } from "./code-actions.ts";

describe("broker role (AWS)", () => {
  it("grants exactly the S3 actions behind the object store's calls", () => {
    const code = brokerCodeActions();
    const granted = grantedActions(BROKER_STATEMENTS);
    assert.deepEqual(missingFrom(code.keys(), granted), [], "called by the brokers but not granted");
    assert.deepEqual(missingFrom(granted, code), [], "granted but never called (least privilege)");
    assert.ok(code.has("s3:PutObject") && code.has("s3:ListBucket"));
  });

  it("grants them on the cluster bucket only", () => {
    for (const s of BROKER_STATEMENTS) assert.match(JSON.stringify(s.Resource), /:s3:::\$\{Bucket\}/);
  });
});
