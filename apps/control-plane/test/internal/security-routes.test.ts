// The internal routes behind Kafka's ACL and SCRAM APIs: authenticated with the cluster's broker credential,
// bodies checked by the shared schemas (problem+json), Kafka's semantics (a binding stored once, invalid ones
// refused with their reason, DeleteAcls filters with MATCH/ANY, SCRAM deletions of nothing RESOURCE_NOT_FOUND),
// and one cluster's state invisible to another's brokers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type AclBinding,
  CONTROL_PLANE_KAFKA_USER,
  INTER_BROKER_KAFKA_USER,
  InternalRoutes,
  internalPath,
  RESERVED_KAFKA_USERS,
} from "@cirrus/broker-api";
import { SCRAM_HASH_OF, scramCredential } from "@cirrus/kafka-protocol";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

const acl = (over: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: "TOPIC",
  resourceName: "orders-",
  patternType: "PREFIXED",
  principal: "User:alice",
  host: "*",
  operation: "READ",
  permission: "ALLOW",
  ...over,
});

const credential = (user: string, mechanism = "SCRAM-SHA-256", iterations = 4096) => ({
  user,
  mechanism,
  iterations,
  salt: Buffer.from(`salt-${user}`).toString("base64"),
  storedKey: Buffer.alloc(32, 1).toString("base64"),
  serverKey: Buffer.alloc(32, 2).toString("base64"),
});

describe("internal security routes", { timeout: 60_000 }, () => {
  let t: TestApp;
  let token: string;
  let otherToken: string;
  const call = async (method: "GET" | "POST", route: string, payload?: unknown, as = token) =>
    t.app.server.inject({
      method,
      url: internalPath(route),
      headers: { authorization: `Bearer ${as}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const snapshot = async (as = token) => {
    const answer = await call("GET", InternalRoutes.security, undefined, as);
    assert.equal(answer.statusCode, 200, answer.body);
    return answer.json() as {
      version: number;
      acls: AclBinding[];
      scramCredentials: { user: string; mechanism: string }[];
    };
  };

  before(async () => {
    t = await createTestApp("pglite");
    ({ brokerToken: token } = await createLocalCluster(t, "secure"));
    ({ brokerToken: otherToken } = await createLocalCluster(t, "other"));
  });
  after(() => t?.close());

  it("needs the cluster's broker credential", async () => {
    const answer = await call("GET", InternalRoutes.security, undefined, "cbt_wrong");
    assert.equal(answer.statusCode, 401);
  });

  it("stores bindings once, refuses invalid ones with Kafka's reason, and keeps clusters apart", async () => {
    const answer = await call("POST", InternalRoutes.acls, {
      acls: [
        acl(),
        acl(),
        acl({ resourceType: "CLUSTER", resourceName: "mine", patternType: "LITERAL", operation: "ALTER" }),
        acl({ principal: "alice" }),
        acl({ principal: "Group:x" }),
        acl({ resourceType: "GROUP", resourceName: "*", patternType: "LITERAL", permission: "DENY" }),
      ],
    });
    assert.equal(answer.statusCode, 200, answer.body);
    const errors = answer.json().results.map((r: { error: string | null }) => r.error);
    assert.equal(errors[0], null);
    assert.equal(errors[1], null);
    assert.match(errors[2], /kafka-cluster/);
    assert.match(errors[3], /<type>:<name>/);
    assert.match(errors[4], /only User/);
    assert.equal(errors[5], null);
    assert.deepEqual((await snapshot()).acls, [
      acl(),
      acl({ resourceType: "GROUP", resourceName: "*", patternType: "LITERAL", permission: "DENY" }),
    ]);
    assert.deepEqual((await snapshot(otherToken)).acls, []);
  });

  it("stores as many bindings as a request body holds (more than one statement's parameters)", async () => {
    const { brokerToken } = await createLocalCluster(t, "many-acls");
    // 7,300 bindings of 9 values each, just inside the 1 MiB body limit: more than PostgreSQL's 65,535
    // parameters in one statement.
    const many = Array.from({ length: 7_300 }, (_, i) =>
      acl({ resourceName: i.toString(36), patternType: "LITERAL", principal: "User:a" }),
    );
    const answer = await call("POST", InternalRoutes.acls, { acls: many }, brokerToken);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.ok(answer.json().results.every((r: { error: string | null }) => r.error === null));
    assert.deepEqual((await snapshot(brokerToken)).acls, many, "all of them, in request order");
  });

  it("counts changes: the version grows with a change and stays with a no-op or a read", async () => {
    const version = async () => {
      const answer = await call("GET", InternalRoutes.securityVersion);
      assert.equal(answer.statusCode, 200, answer.body);
      return answer.json().version as number;
    };
    const otherBefore = (await call("GET", InternalRoutes.securityVersion, undefined, otherToken)).json()
      .version;
    await snapshot(); // a first snapshot creates the control plane's own credential (a change: the version grows)
    const before = await version();
    assert.equal((await snapshot()).version, before);
    await call("POST", InternalRoutes.acls, { acls: [acl({ principal: "User:version" })] });
    const added = await version();
    assert.ok(added > before);
    await call("POST", InternalRoutes.acls, { acls: [acl({ principal: "bad" })] });
    await call("POST", InternalRoutes.scramCredentials, {
      upsertions: [],
      deletions: [{ user: "nobody", mechanism: "SCRAM-SHA-256" }],
    });
    assert.equal(await version(), added, "nothing changed");
    await call("POST", InternalRoutes.deleteAcls, {
      filters: [
        {
          resourceType: "ANY",
          resourceName: null,
          patternType: "ANY",
          principal: "User:version",
          host: null,
          operation: "ANY",
          permission: "ANY",
        },
      ],
    });
    assert.ok((await version()) > added);
    const otherVersion = await call("GET", InternalRoutes.securityVersion, undefined, otherToken);
    assert.equal(otherVersion.json().version, otherBefore, "another cluster's counter");
  });

  it("refuses a body outside the schema with problem+json", async () => {
    const answer = await call("POST", InternalRoutes.acls, { acls: [{ ...acl(), operation: "ANY" }] });
    assert.equal(answer.statusCode, 400);
    assert.match(answer.headers["content-type"] as string, /problem\+json/);
  });

  it("deletes what each filter matches: MATCH finds prefixed and wildcard bindings of a name", async () => {
    await call("POST", InternalRoutes.acls, {
      acls: [
        acl({ resourceName: "*", patternType: "LITERAL", operation: "WRITE" }),
        acl({ principal: "User:bob" }),
      ],
    });
    const any = {
      resourceType: "ANY",
      resourceName: null,
      patternType: "ANY",
      principal: null,
      host: null,
      operation: "ANY",
      permission: "ANY",
    };
    const answer = await call("POST", InternalRoutes.deleteAcls, {
      filters: [
        {
          ...any,
          resourceType: "TOPIC",
          resourceName: "orders-eu",
          patternType: "MATCH",
          principal: "User:alice",
        },
        { ...any, resourceName: "nothing-here" },
      ],
    });
    assert.equal(answer.statusCode, 200, answer.body);
    const [matched, none] = answer.json().results;
    assert.deepEqual(
      new Set(matched.deleted.map((b: AclBinding) => `${b.resourceName}/${b.operation}`)),
      new Set(["orders-/READ", "*/WRITE"]),
    );
    assert.deepEqual(none.deleted, []);
    assert.deepEqual(
      (await snapshot()).acls.map((b) => `${b.resourceType}:${b.resourceName}:${b.principal}`),
      ["GROUP:*:User:alice", "TOPIC:orders-:User:bob"],
    );
  });

  it("stores, replaces and deletes SCRAM credentials; deleting nothing is RESOURCE_NOT_FOUND", async () => {
    let answer = await call("POST", InternalRoutes.scramCredentials, {
      upsertions: [credential("alice"), credential("alice", "SCRAM-SHA-512", 8192)],
      deletions: [],
    });
    assert.equal(answer.statusCode, 200, answer.body);
    answer = await call("POST", InternalRoutes.scramCredentials, {
      upsertions: [credential("alice", "SCRAM-SHA-256", 10000)],
      deletions: [
        { user: "alice", mechanism: "SCRAM-SHA-512" },
        { user: "nobody", mechanism: "SCRAM-SHA-256" },
      ],
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(answer.json().deletions, [{ error: null }, { error: "RESOURCE_NOT_FOUND" }]);
    const ownUser = (c: { user: string }) => RESERVED_KAFKA_USERS.has(c.user);
    const stored = (await snapshot()).scramCredentials;
    assert.deepEqual(
      stored.filter((c: { user: string }) => !ownUser(c)),
      [{ ...credential("alice", "SCRAM-SHA-256", 10000) }],
    );
    // The control plane's own credentials (the inter-broker user's, its own) come last (they win over any stored
    // user of their names).
    assert.deepEqual(
      stored.slice(-4).map((c: { user: string; mechanism: string }) => [c.user, c.mechanism]),
      [
        [INTER_BROKER_KAFKA_USER, "SCRAM-SHA-256"],
        [INTER_BROKER_KAFKA_USER, "SCRAM-SHA-512"],
        [CONTROL_PLANE_KAFKA_USER, "SCRAM-SHA-256"],
        [CONTROL_PLANE_KAFKA_USER, "SCRAM-SHA-512"],
      ],
    );
    assert.deepEqual(
      (await snapshot(otherToken)).scramCredentials.filter((c: { user: string }) => !ownUser(c)),
      [],
    );
    for (const user of RESERVED_KAFKA_USERS) {
      const reserved = await call("POST", InternalRoutes.scramCredentials, {
        upsertions: [credential(user)],
        deletions: [],
      });
      assert.equal(reserved.statusCode, 403, reserved.body);
      const deletion = await call("POST", InternalRoutes.scramCredentials, {
        upsertions: [],
        deletions: [{ user, mechanism: "SCRAM-SHA-512" }],
      });
      assert.equal(deletion.statusCode, 403, deletion.body);
    }
    const weak = await call("POST", InternalRoutes.scramCredentials, {
      upsertions: [credential("bob", "SCRAM-SHA-256", 1000)],
      deletions: [],
    });
    assert.equal(weak.statusCode, 400);
  });

  it("hands a cluster's brokers the inter-broker credential its brokers verify, and no one else", async () => {
    const answer = await call("GET", InternalRoutes.interBrokerCredential);
    assert.equal(answer.statusCode, 200, answer.body);
    const { user, password } = answer.json() as { user: string; password: string };
    assert.equal(user, INTER_BROKER_KAFKA_USER);
    assert.ok(password.length >= 32, password);
    // The same every time (made once), and what every broker of the cluster verifies logins with.
    assert.equal((await call("GET", InternalRoutes.interBrokerCredential)).json().password, password);
    const verifiers = (await snapshot()).scramCredentials.filter(
      (c) => c.user === INTER_BROKER_KAFKA_USER,
    ) as unknown as {
      mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512";
      salt: string;
      iterations: number;
      storedKey: string;
    }[];
    assert.equal(verifiers.length, 2);
    for (const v of verifiers) {
      const derived = scramCredential(
        password,
        Buffer.from(v.salt, "base64"),
        v.iterations,
        SCRAM_HASH_OF[v.mechanism],
      );
      assert.equal(derived.storedKey.toString("base64"), v.storedKey);
    }
    // Another cluster's brokers get their own; without a broker credential, nothing.
    const other = await call("GET", InternalRoutes.interBrokerCredential, undefined, otherToken);
    assert.equal(other.statusCode, 200, other.body);
    assert.notEqual(other.json().password, password);
    assert.equal(
      (await call("GET", InternalRoutes.interBrokerCredential, undefined, "cbt_wrong")).statusCode,
      401,
    );
  });
});
