// KIP-430's bit field against ACL sets: only the operations Kafka supports on the resource type, as the
// authorizer decides each of them (deny wins, ALL, implied DESCRIBE, prefixes, hosts, super users, no ACL
// found), with bit i for wire code i; every supported operation without an authorizer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AclOperation } from "@cirrus/broker-api";
import { AclAuthorizer } from "../../src/security/acl-authorizer.ts";
import { authorizedOperations } from "../../src/security/authorized-operations.ts";
import { acl, alice } from "../helpers/acl-binding.ts";

const settings = { superUsers: ["User:admin"], allowEveryoneIfNoAclFound: false };

/** Kafka's AclOperation wire codes, written out here so that a wrong table in src fails. */
const CODE: Record<AclOperation, number> = {
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
};
const bits = (...ops: AclOperation[]) => ops.reduce((field, op) => field | (1 << CODE[op]), 0);

const TOPIC_OPS: AclOperation[] = [
  "READ",
  "WRITE",
  "CREATE",
  "DELETE",
  "ALTER",
  "DESCRIBE",
  "DESCRIBE_CONFIGS",
  "ALTER_CONFIGS",
];
const GROUP_OPS: AclOperation[] = ["READ", "DESCRIBE", "DELETE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"];
const CLUSTER_OPS: AclOperation[] = [
  "CREATE",
  "CLUSTER_ACTION",
  "DESCRIBE_CONFIGS",
  "ALTER_CONFIGS",
  "IDEMPOTENT_WRITE",
  "ALTER",
  "DESCRIBE",
];

describe("authorizedOperations", () => {
  it("is every supported operation of the type without an authorizer, and for a super user", () => {
    const authz = new AclAuthorizer([], settings);
    const admin = { principal: "User:admin", host: "10.0.0.9" };
    for (const [type, ops] of [
      ["TOPIC", TOPIC_OPS],
      ["GROUP", GROUP_OPS],
      ["CLUSTER", CLUSTER_OPS],
      ["TRANSACTIONAL_ID", ["DESCRIBE", "WRITE"]],
      ["DELEGATION_TOKEN", ["DESCRIBE"]],
      ["USER", ["CREATE_TOKENS", "DESCRIBE_TOKENS"]],
    ] as const) {
      assert.equal(authorizedOperations(undefined, alice, type, "x"), bits(...ops), type);
      assert.equal(authorizedOperations(authz, admin, type, "x"), bits(...ops), `${type} super user`);
    }
    // Bits 3–8, 10, 11: READ … DESCRIBE and the two config operations, not CLUSTER_ACTION (9) nor ALL (2).
    assert.equal(authorizedOperations(undefined, alice, "TOPIC", "x"), 0b1101_1111_1000);
  });

  it("holds what the bindings allow: READ brings DESCRIBE, ALL every supported operation, not ALL itself", () => {
    const authz = new AclAuthorizer(
      [
        acl({}),
        acl({ resourceName: "orders-eu", patternType: "LITERAL", operation: "WRITE" }),
        acl({ resourceName: "audit", patternType: "LITERAL", operation: "ALL" }),
        acl({ resourceName: "configs", patternType: "LITERAL", operation: "ALTER_CONFIGS" }),
      ],
      settings,
    );
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "orders-us"), bits("READ", "DESCRIBE"));
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "orders-eu"), bits("READ", "WRITE", "DESCRIBE"));
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "audit"), bits(...TOPIC_OPS));
    assert.equal(
      authorizedOperations(authz, alice, "TOPIC", "configs"),
      bits("DESCRIBE_CONFIGS", "ALTER_CONFIGS"),
    );
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "payments"), 0, "no binding names it");
    assert.equal(
      authorizedOperations(authz, { principal: "User:bob", host: "10.0.0.1" }, "TOPIC", "orders-us"),
      0,
    );
  });

  it("lets a DENY take its operation out (and DESCRIBE stays unless denied itself)", () => {
    const authz = new AclAuthorizer(
      [
        acl({ operation: "ALL" }),
        acl({ resourceName: "orders-secret", patternType: "LITERAL", operation: "READ", permission: "DENY" }),
        acl({ resourceName: "orders-hidden", patternType: "LITERAL", operation: "ALL", permission: "DENY" }),
        acl({
          resourceName: "orders-quiet",
          patternType: "LITERAL",
          operation: "DESCRIBE",
          permission: "DENY",
        }),
      ],
      settings,
    );
    const all = bits(...TOPIC_OPS);
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "orders-secret"), all & ~bits("READ"));
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "orders-hidden"), 0);
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "orders-quiet"), all & ~bits("DESCRIBE"));
  });

  it("answers for groups and the cluster from their own bindings, and respects hosts", () => {
    const authz = new AclAuthorizer(
      [
        acl({ resourceType: "GROUP", resourceName: "app-", operation: "READ" }),
        acl({ resourceType: "GROUP", resourceName: "app-", operation: "DELETE", host: "10.0.0.2" }),
        acl({
          resourceType: "CLUSTER",
          resourceName: "kafka-cluster",
          patternType: "LITERAL",
          operation: "ALTER",
        }),
        acl({
          resourceType: "CLUSTER",
          resourceName: "kafka-cluster",
          patternType: "LITERAL",
          operation: "IDEMPOTENT_WRITE",
        }),
      ],
      settings,
    );
    assert.equal(authorizedOperations(authz, alice, "GROUP", "app-1"), bits("READ", "DESCRIBE"));
    assert.equal(
      authorizedOperations(authz, { ...alice, host: "10.0.0.2" }, "GROUP", "app-1"),
      bits("READ", "DESCRIBE", "DELETE"),
    );
    assert.equal(
      authorizedOperations(authz, alice, "CLUSTER", "kafka-cluster"),
      bits("ALTER", "DESCRIBE", "IDEMPOTENT_WRITE"),
    );
  });

  it("with allow.everyone.if.no.acl.found, opens resources no binding names and only those", () => {
    const authz = new AclAuthorizer([acl({ principal: "User:bob" })], {
      ...settings,
      allowEveryoneIfNoAclFound: true,
    });
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "payments"), bits(...TOPIC_OPS));
    assert.equal(authorizedOperations(authz, alice, "TOPIC", "orders-eu"), 0, "bob's binding names it");
    assert.equal(authorizedOperations(authz, alice, "CLUSTER", "kafka-cluster"), bits(...CLUSTER_OPS));
  });
});
