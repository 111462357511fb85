// The ACL, SCRAM user and client quota handlers, and the authorization wrapper, on an in-memory security store
// that applies the control plane's own rules (acl-rules.ts); every answer goes through the codec at its version.
// The control plane's store itself is tested in apps/control-plane/test/internal/security-routes.test.ts, the
// whole path with real clients in test/integration/acl-scram-kafkajs.test.ts and e2e/test/kafka-acls.test.ts.
import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { describe, it } from "node:test";
import {
  type AclBinding,
  type AlterScramCredentialsRequest,
  aclFilterMatches,
  aclKey,
  invalidAclReason,
  type ScramCredentialRecord,
} from "@cirrus/broker-api";
import { ApiKey, decodeResponse, ErrorCode, encodeResponse } from "@cirrus/kafka-protocol";
import { type BrokerConfig, loadBrokerConfig } from "../../src/config.ts";
import { groupHandlers } from "../../src/handlers/group-handlers.ts";
import type { BrokerServices, RequestContext, SecurityAdmin } from "../../src/handlers/handler.ts";
import { coreHandlers, mergeHandlers } from "../../src/handlers/registry.ts";
import { securityHandlers } from "../../src/handlers/security-handler-map.ts";
import { transactionAdminHandlers } from "../../src/handlers/transaction-admin-handlers.ts";
import { transactionHandlers } from "../../src/handlers/transaction-handlers.ts";
import { authorizationRules } from "../../src/security/authorization-rules.ts";
import { authorizedHandlers } from "../../src/security/authorized-handlers.ts";
import { ClusterSecurity } from "../../src/security/cluster-security.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

/** The control plane's semantics in memory: bindings by key, credentials by user and mechanism. */
class MemorySecurityAdmin implements SecurityAdmin {
  readonly acls = new Map<string, AclBinding>();
  readonly credentials = new Map<string, ScramCredentialRecord>();
  /** Grows with every call that may change something (the control plane's counter grows only on changes). */
  version = 0;
  async security() {
    return {
      version: this.version,
      acls: [...this.acls.values()],
      scramCredentials: [...this.credentials.values()],
    };
  }
  async securityVersion() {
    return { version: this.version };
  }
  async createAcls({ acls }: { acls: AclBinding[] }) {
    this.version++;
    return {
      results: acls.map((acl) => {
        const error = invalidAclReason(acl);
        if (error === null) this.acls.set(aclKey(acl), acl);
        return { error };
      }),
    };
  }
  async deleteAcls({ filters }: { filters: Parameters<typeof aclFilterMatches>[0][] }) {
    this.version++;
    const results = filters.map((f) => ({
      error: null,
      deleted: [...this.acls.values()].filter((a) => aclFilterMatches(f, a)),
    }));
    for (const r of results) for (const a of r.deleted) this.acls.delete(aclKey(a));
    return { results };
  }
  async alterScramCredentials(request: AlterScramCredentialsRequest) {
    this.version++;
    const deletions = request.deletions.map((d) => ({
      error: this.credentials.delete(`${d.user}/${d.mechanism}`) ? null : ("RESOURCE_NOT_FOUND" as const),
    }));
    for (const c of request.upsertions) this.credentials.set(`${c.user}/${c.mechanism}`, c);
    return { deletions };
  }
}

function broker(config: Partial<BrokerConfig>) {
  const admin = new MemorySecurityAdmin();
  const loaded = loadBrokerConfig(config, {});
  const security = new ClusterSecurity(admin, {
    refreshMs: 1000,
    superUsers: loaded.superUsers,
    allowEveryoneIfNoAclFound: loaded.allowEveryoneIfNoAclFound,
  });
  const services = { config: loaded, security, securityAdmin: admin } as unknown as BrokerServices;
  const handlers = authorizedHandlers(securityHandlers);
  /** Calls an API as the anonymous principal (`User:ANONYMOUS`) and round-trips the answer through the codec. */
  const call = async (apiKey: number, version: number, body: object): Promise<Any> => {
    await security.refresh();
    const context = {
      apiKey,
      apiVersion: version,
      correlationId: 1,
      clientId: "t",
      services,
      receivedAt: 0,
      connection: { id: 1, remoteAddress: "10.0.0.7:5000", closed: new AbortController().signal },
    } as RequestContext;
    const answer = await handlers.get(apiKey)!.handle(body as never, context);
    const frame = encodeResponse(
      { apiKey: apiKey as 0, apiVersion: version, correlationId: 1 },
      answer as never,
    );
    return decodeResponse(apiKey as 0, version, frame.subarray(4)).body as Any;
  };
  return { admin, call };
}

const wireAcl = (over: Partial<Any> = {}) => ({
  resourceType: 2,
  resourceName: "orders-",
  resourcePatternType: 4,
  principal: "User:alice",
  host: "*",
  operation: 3,
  permissionType: 3,
  ...over,
});
const anyFilter = {
  resourceTypeFilter: 1,
  resourceNameFilter: null,
  patternTypeFilter: 1,
  principalFilter: null,
  hostFilter: null,
  operation: 1,
  permissionType: 1,
};
const superUser = { authorizerEnabled: true, superUsers: ["User:ANONYMOUS"] };

describe("ACL handlers", () => {
  it("answer SECURITY_DISABLED on a broker without authorizer", async () => {
    const { call } = broker({});
    assert.equal((await call(ApiKey.DescribeAcls, 1, anyFilter)).errorCode, ErrorCode.SECURITY_DISABLED);
    const created = await call(ApiKey.CreateAcls, 1, { creations: [wireAcl()] });
    assert.equal(created.results[0].errorCode, ErrorCode.SECURITY_DISABLED);
    const deleted = await call(ApiKey.DeleteAcls, 1, { filters: [anyFilter] });
    assert.equal(deleted.filterResults[0].errorCode, ErrorCode.SECURITY_DISABLED);
  });

  it("need CLUSTER ALTER / DESCRIBE: a client that is no super user and has no grant is refused", async () => {
    const { call } = broker({ authorizerEnabled: true });
    const created = await call(ApiKey.CreateAcls, 2, { creations: [wireAcl()] });
    assert.equal(created.results[0].errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.equal(
      (await call(ApiKey.DescribeAcls, 2, anyFilter)).errorCode,
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    );
  });

  it("store valid bindings, refuse invalid ones one by one, describe by filter and delete by MATCH", async () => {
    const { admin, call } = broker(superUser);
    const created = await call(ApiKey.CreateAcls, 3, {
      creations: [
        wireAcl(),
        wireAcl({ resourceType: 1 }),
        wireAcl({ resourcePatternType: 2 }),
        wireAcl({ operation: 1 }),
        wireAcl({ resourceType: 4, resourceName: "other", resourcePatternType: 3, operation: 7 }),
        wireAcl({ principal: "alice" }),
        wireAcl({ resourceType: 3, resourceName: "*", resourcePatternType: 3, permissionType: 2 }),
      ],
    });
    assert.deepEqual(
      created.results.map((r: Any) => r.errorCode),
      [0, 42, 42, 42, 42, 42, 0].map((c) => (c === 42 ? ErrorCode.INVALID_REQUEST : c)),
    );
    assert.equal(admin.acls.size, 2);
    const topics = await call(ApiKey.DescribeAcls, 3, { ...anyFilter, resourceTypeFilter: 2 });
    assert.deepEqual(
      topics.resources.map((r: Any) => [r.resourceType, r.resourceName, r.patternType, r.acls.length]),
      [[2, "orders-", 4, 1]],
    );
    const v0 = await call(ApiKey.DescribeAcls, 0, {
      ...anyFilter,
      resourceTypeFilter: 3,
      patternTypeFilter: 3,
    });
    assert.equal(v0.resources[0].resourceName, "*", "v0 sees LITERAL bindings");
    const bad = await call(ApiKey.DescribeAcls, 1, { ...anyFilter, operation: 0 });
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
    const deleted = await call(ApiKey.DeleteAcls, 2, {
      filters: [
        { ...anyFilter, resourceTypeFilter: 2, resourceNameFilter: "orders-eu", patternTypeFilter: 2 },
        { ...anyFilter, permissionType: 0 },
      ],
    });
    assert.equal(deleted.filterResults[0].matchingAcls.length, 1);
    assert.equal(deleted.filterResults[0].matchingAcls[0].resourceName, "orders-");
    assert.equal(deleted.filterResults[1].errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(admin.acls.size, 1);
  });
});

describe("SCRAM user handlers", () => {
  const salt = Buffer.from("0123456789abcdef");
  const upsert = (name: string, mechanism: number, iterations = 4096, len = mechanism === 2 ? 64 : 32) => ({
    name,
    mechanism,
    iterations,
    salt,
    saltedPassword: Buffer.alloc(len, 7),
  });

  it("validate each alteration as Kafka does and apply none of a refused user's", async () => {
    const { admin, call } = broker(superUser);
    const answer = await call(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [
        { name: "ghost", mechanism: 1 },
        { name: "dup", mechanism: 1 },
      ],
      upsertions: [
        upsert("alice", 1),
        upsert("alice", 2, 8192),
        upsert("dup", 1),
        upsert("weak", 1, 1000),
        upsert("strong", 1, 20000),
        upsert("odd", 3),
        upsert("short", 2, 4096, 32),
        upsert("", 1),
        upsert("cirrus-control-plane", 2),
        upsert("cirrus-broker", 1),
      ],
    });
    const codes = Object.fromEntries(answer.results.map((r: Any) => [r.user, r.errorCode]));
    assert.deepEqual(codes, {
      // The control plane's own user: not even a super user may set its password (it would impersonate it).
      "cirrus-control-plane": ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      // Nor the brokers' own (inter-broker) user: whoever had its password could write transaction markers.
      "cirrus-broker": ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      ghost: ErrorCode.RESOURCE_NOT_FOUND,
      dup: ErrorCode.DUPLICATE_RESOURCE,
      alice: ErrorCode.NONE,
      weak: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      strong: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      odd: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      short: ErrorCode.UNACCEPTABLE_CREDENTIAL,
      "": ErrorCode.UNACCEPTABLE_CREDENTIAL,
    });
    assert.deepEqual([...admin.credentials.keys()].sort(), ["alice/SCRAM-SHA-256", "alice/SCRAM-SHA-512"]);
    const stored = admin.credentials.get("alice/SCRAM-SHA-512")!;
    assert.equal(stored.iterations, 8192);
    assert.ok(
      !JSON.stringify(stored).includes(Buffer.alloc(64, 7).toString("base64")),
      "no salted password kept",
    );
  });

  it("describe every user, or the named ones with RESOURCE_NOT_FOUND and DUPLICATE_RESOURCE", async () => {
    const { admin, call } = broker(superUser);
    await call(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [upsert("alice", 1), upsert("bob", 2)],
    });
    // The control plane's reserved users are in every snapshot, and never described (as if absent).
    for (const user of ["cirrus-control-plane", "cirrus-broker"]) {
      admin.credentials.set(`${user}/SCRAM-SHA-512`, {
        user,
        mechanism: "SCRAM-SHA-512",
        iterations: 4096,
        salt: "c2FsdA==",
        storedKey: "a2V5",
        serverKey: "a2V5",
      });
    }
    const reserved = await call(ApiKey.DescribeUserScramCredentials, 0, {
      users: [{ name: "cirrus-broker" }],
    });
    assert.equal(reserved.results[0].errorCode, ErrorCode.RESOURCE_NOT_FOUND);
    const all = await call(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    assert.deepEqual(
      all.results.map((r: Any) => [r.user, r.credentialInfos.map((c: Any) => c.mechanism)]),
      [
        ["alice", [1]],
        ["bob", [2]],
      ],
    );
    const named = await call(ApiKey.DescribeUserScramCredentials, 0, {
      users: [{ name: "bob" }, { name: "x" }, { name: "x" }, { name: "alice" }],
    });
    assert.deepEqual(
      named.results.map((r: Any) => [r.user, r.errorCode]),
      [
        ["bob", 0],
        ["x", ErrorCode.DUPLICATE_RESOURCE],
        ["alice", 0],
      ],
    );
  });

  it("need CLUSTER ALTER / DESCRIBE when the authorizer is on", async () => {
    const { call } = broker({ authorizerEnabled: true });
    const altered = await call(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [upsert("alice", 1)],
    });
    assert.equal(altered.results[0].errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const described = await call(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    assert.equal(described.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  it("keeps RFC 5802's keys: a credential stored from a salted password verifies that password", async () => {
    const { admin, call } = broker({});
    const saltedPassword = pbkdf2Sync("pw", salt, 4096, 32, "sha256");
    await call(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [],
      upsertions: [{ name: "carol", mechanism: 1, iterations: 4096, salt, saltedPassword }],
    });
    const { scramCredential } = await import("@cirrus/kafka-protocol");
    const expected = scramCredential("pw", salt, 4096, "sha256");
    const stored = admin.credentials.get("carol/SCRAM-SHA-256")!;
    assert.equal(stored.storedKey, expected.storedKey.toString("base64"));
    assert.equal(stored.serverKey, expected.serverKey.toString("base64"));
  });
});

describe("DescribeClientQuotas", () => {
  it("lists no quota (none exist) and refuses malformed filters", async () => {
    const { call } = broker({});
    const ok = await call(ApiKey.DescribeClientQuotas, 1, {
      components: [{ entityType: "user", matchType: 0, match: "alice" }],
      strict: false,
    });
    assert.deepEqual([ok.errorCode, ok.entries], [0, []]);
    for (const components of [
      [{ entityType: "tenant", matchType: 2, match: null }],
      [{ entityType: "user", matchType: 0, match: null }],
      [
        { entityType: "user", matchType: 2, match: null },
        { entityType: "user", matchType: 1, match: null },
      ],
    ]) {
      const bad = await call(ApiKey.DescribeClientQuotas, 0, { components, strict: false });
      assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST, JSON.stringify(components));
    }
  });
});

describe("authorization rules", () => {
  it("name a rule for every API the broker serves (none falls back to CLUSTER ALTER)", () => {
    const served = mergeHandlers(
      coreHandlers,
      groupHandlers,
      transactionHandlers,
      transactionAdminHandlers,
      securityHandlers,
    );
    const missing = [...served.keys()].filter((key) => !(key in authorizationRules));
    assert.deepEqual(missing, []);
  });
});
