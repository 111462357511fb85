// Kafka's authorization rules on a fixed set of bindings: literal, wildcard and prefixed patterns, deny wins,
// ALL and the DESCRIBE implied by READ/WRITE/DELETE/ALTER, User:* and hosts, super users, and
// allow.everyone.if.no.acl.found only for resources no binding names; authorizeByResourceType for idempotence.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AclAuthorizer, hostOf } from "../../src/security/acl-authorizer.ts";
import { acl, alice } from "../helpers/acl-binding.ts";

const bob = { principal: "User:bob", host: "10.0.0.2" };

describe("AclAuthorizer", () => {
  const settings = { superUsers: ["User:admin"], allowEveryoneIfNoAclFound: false };

  it("grants by prefix, literal name and wildcard, and nothing else", () => {
    const authz = new AclAuthorizer(
      [
        acl({}),
        acl({ resourceName: "audit", patternType: "LITERAL", operation: "WRITE" }),
        acl({ resourceType: "GROUP", resourceName: "*", patternType: "LITERAL", principal: "User:*" }),
      ],
      settings,
    );
    assert.equal(authz.authorize(alice, "READ", "TOPIC", "orders-eu"), true);
    assert.equal(authz.authorize(alice, "READ", "TOPIC", "orders"), false, "a prefix is not the name");
    assert.equal(authz.authorize(alice, "WRITE", "TOPIC", "orders-eu"), false);
    assert.equal(authz.authorize(alice, "WRITE", "TOPIC", "audit"), true);
    assert.equal(authz.authorize(alice, "WRITE", "TOPIC", "audit-2"), false, "literal is exact");
    assert.equal(authz.authorize(bob, "READ", "TOPIC", "orders-eu"), false);
    assert.equal(authz.authorize(bob, "READ", "GROUP", "any-group"), true, "User:* on the wildcard");
    assert.equal(authz.authorize(alice, "READ", "TRANSACTIONAL_ID", "t"), false, "no ACL: denied by default");
  });

  it("lets DESCRIBE follow from READ, WRITE, DELETE, ALTER and DESCRIBE_CONFIGS from ALTER_CONFIGS", () => {
    for (const op of ["READ", "WRITE", "DELETE", "ALTER"] as const) {
      const authz = new AclAuthorizer([acl({ operation: op })], settings);
      assert.equal(authz.authorize(alice, "DESCRIBE", "TOPIC", "orders-1"), true, op);
    }
    const create = new AclAuthorizer([acl({ operation: "CREATE" })], settings);
    assert.equal(create.authorize(alice, "DESCRIBE", "TOPIC", "orders-1"), false, "CREATE implies nothing");
    const configs = new AclAuthorizer([acl({ operation: "ALTER_CONFIGS" })], settings);
    assert.equal(configs.authorize(alice, "DESCRIBE_CONFIGS", "TOPIC", "orders-1"), true);
    assert.equal(configs.authorize(alice, "DESCRIBE", "TOPIC", "orders-1"), false);
  });

  it("lets a DENY win over any ALLOW, ALL cover every operation, and hosts narrow a binding", () => {
    const authz = new AclAuthorizer(
      [
        acl({ operation: "ALL" }),
        acl({ resourceName: "orders-secret", patternType: "LITERAL", operation: "READ", permission: "DENY" }),
        acl({
          resourceName: "orders-eu",
          patternType: "LITERAL",
          principal: "User:*",
          operation: "ALL",
          permission: "DENY",
          host: "10.0.0.9",
        }),
      ],
      settings,
    );
    assert.equal(authz.authorize(alice, "WRITE", "TOPIC", "orders-x"), true);
    assert.equal(authz.authorize(alice, "READ", "TOPIC", "orders-secret"), false);
    assert.equal(authz.authorize(alice, "WRITE", "TOPIC", "orders-secret"), true, "the deny names READ only");
    assert.equal(authz.authorize(alice, "READ", "TOPIC", "orders-eu"), true, "the deny is for another host");
    assert.equal(authz.authorize({ ...alice, host: "10.0.0.9" }, "READ", "TOPIC", "orders-eu"), false);
  });

  it("allows super users everything and others resources without ACL only when configured", () => {
    const strict = new AclAuthorizer([acl({})], settings);
    assert.equal(
      strict.authorize({ principal: "User:admin", host: "h" }, "ALTER", "CLUSTER", "kafka-cluster"),
      true,
    );
    assert.equal(strict.authorize(bob, "READ", "TOPIC", "free"), false);
    const open = new AclAuthorizer([acl({})], { superUsers: [], allowEveryoneIfNoAclFound: true });
    assert.equal(open.authorize(bob, "READ", "TOPIC", "free"), true, "no binding names it");
    assert.equal(open.authorize(bob, "READ", "TOPIC", "orders-1"), false, "a binding names it, not for bob");
  });

  it("authorizes by resource type: any ALLOW not cancelled by a wildcard or covering prefixed DENY", () => {
    assert.equal(
      new AclAuthorizer([acl({ operation: "WRITE" })], settings).authorizeAny(alice, "WRITE", "TOPIC"),
      true,
    );
    assert.equal(
      new AclAuthorizer([acl({ operation: "WRITE" })], settings).authorizeAny(bob, "WRITE", "TOPIC"),
      false,
    );
    const deniedAll = new AclAuthorizer(
      [
        acl({ operation: "WRITE" }),
        acl({ resourceName: "*", patternType: "LITERAL", operation: "WRITE", permission: "DENY" }),
      ],
      settings,
    );
    assert.equal(deniedAll.authorizeAny(alice, "WRITE", "TOPIC"), false);
    const deniedPrefix = new AclAuthorizer(
      [
        acl({ resourceName: "orders-eu", operation: "WRITE" }),
        acl({ resourceName: "orders-", operation: "WRITE", permission: "DENY" }),
      ],
      settings,
    );
    assert.equal(deniedPrefix.authorizeAny(alice, "WRITE", "TOPIC"), false);
  });

  it("compares hosts as Kafka does: the IP without port, IPv4 not IPv6-mapped", () => {
    assert.equal(hostOf("127.0.0.1:5555"), "127.0.0.1");
    assert.equal(hostOf("::ffff:10.1.2.3:80"), "10.1.2.3");
    assert.equal(hostOf("::1:9092"), "::1");
  });
});
