// The public API of a cluster's Kafka ACLs and SCRAM users: viewers read, only admins change; bad input is
// problem+json; a user's password derives RFC 5802 keys that verify it and is never stored or answered; what the
// API writes is what the brokers read (the internal security snapshot).
import assert from "node:assert/strict";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  CONTROL_PLANE_KAFKA_USER,
  INTER_BROKER_KAFKA_USER,
  InternalRoutes,
  internalPath,
} from "@cirrus/broker-api";
import { scramCredentials } from "../../src/db/schema.ts";
import { createLocalCluster, createTestApp, type TestApp } from "../helpers/test-app.ts";

const binding = {
  resourceType: "TOPIC",
  resourceName: "orders-",
  patternType: "PREFIXED",
  principal: "User:alice",
  host: "*",
  operation: "WRITE",
  permission: "ALLOW",
};

describe("cluster security API", { timeout: 60_000 }, () => {
  let t: TestApp;
  let id: string;
  let brokerToken: string;
  const call = (method: "GET" | "POST" | "PUT" | "DELETE", path: string, token: string, payload?: object) =>
    t.app.server.inject({
      method,
      url: `/v1/clusters/${id}${path}`,
      headers: t.auth(token),
      ...(payload ? { payload } : {}),
    });
  const brokerView = async () =>
    (
      await t.app.server.inject({
        method: "GET",
        url: internalPath(InternalRoutes.security),
        headers: { authorization: `Bearer ${brokerToken}` },
      })
    ).json();

  before(async () => {
    t = await createTestApp("pglite");
    ({ id, brokerToken } = await createLocalCluster(t, "secure"));
  });
  after(() => t?.close());

  it("adds, lists and deletes ACLs; viewers and operators may only read", async () => {
    assert.equal((await call("POST", "/acls", t.operator, binding)).statusCode, 403);
    const added = await call("POST", "/acls", t.admin, binding);
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(
      (await call("POST", "/acls", t.admin, binding)).statusCode,
      201,
      "adding it again is a success",
    );
    const listed = await call("GET", "/acls", t.viewer);
    assert.deepEqual(listed.json().items, [binding]);
    assert.deepEqual((await brokerView()).acls, [binding], "the brokers read the same store");
    const filter = {
      ...binding,
      resourceName: "orders-eu",
      patternType: "MATCH",
      principal: null,
      host: null,
    };
    assert.equal((await call("POST", "/acls/delete", t.viewer, filter)).statusCode, 403);
    const deleted = await call("POST", "/acls/delete", t.admin, filter);
    assert.deepEqual(deleted.json().deleted, [binding]);
    assert.deepEqual((await call("GET", "/acls", t.viewer)).json().items, []);
  });

  it("refuses invalid ACLs with problem+json naming the reason", async () => {
    for (const [body, reason] of [
      [{ ...binding, principal: "alice" }, /<type>:<name>/],
      [{ ...binding, resourceType: "CLUSTER", patternType: "LITERAL", resourceName: "x" }, /kafka-cluster/],
      [{ ...binding, operation: "ANY" }, /operation/],
      [{ ...binding, extra: 1 }, /extra|additional/i],
    ] as const) {
      const answer = await call("POST", "/acls", t.admin, body);
      assert.equal(answer.statusCode, 400, JSON.stringify(body));
      assert.match(answer.headers["content-type"] as string, /application\/problem\+json/);
      assert.equal(answer.json().code, "INVALID_REQUEST");
      assert.match(answer.json().detail, reason);
    }
    const unknown = await t.app.server.inject({
      method: "GET",
      url: "/v1/clusters/00000000-0000-4000-8000-000000000000/acls",
      headers: t.auth(t.viewer),
    });
    assert.equal(unknown.statusCode, 404);
  });

  it("sets users' passwords as SCRAM credentials that verify them, never keeping or answering the password", async () => {
    assert.equal(
      (await call("PUT", "/users/alice", t.operator, { password: "alice-password" })).statusCode,
      403,
    );
    const put = await call("PUT", "/users/alice", t.admin, { password: "alice-password" });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), {
      name: "alice",
      credentials: [{ mechanism: "SCRAM-SHA-256", iterations: 8192 }],
    });
    await call("PUT", "/users/alice", t.admin, {
      password: "alice-512-pass",
      mechanism: "SCRAM-SHA-512",
      iterations: 4096,
    });
    const users = await call("GET", "/users", t.viewer);
    assert.deepEqual(users.json().items, [
      {
        name: "alice",
        credentials: [
          { mechanism: "SCRAM-SHA-256", iterations: 8192 },
          { mechanism: "SCRAM-SHA-512", iterations: 4096 },
        ],
      },
    ]);
    assert.doesNotMatch(users.body + put.body, /password/);
    const stored = (await brokerView()).scramCredentials.find(
      (c: { user: string; mechanism: string }) => c.user === "alice" && c.mechanism === "SCRAM-SHA-256",
    );
    const salted = pbkdf2Sync("alice-password", Buffer.from(stored.salt, "base64"), 8192, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    assert.equal(stored.storedKey, createHash("sha256").update(clientKey).digest("base64"));
    assert.equal(stored.serverKey, createHmac("sha256", salted).update("Server Key").digest("base64"));

    const weak = await call("PUT", "/users/bob", t.admin, { password: "short" });
    assert.equal(weak.statusCode, 400);
    assert.equal(
      (await call("PUT", "/users/bob", t.admin, { password: "long-enough", iterations: 100 })).statusCode,
      400,
    );

    assert.equal((await call("DELETE", "/users/alice", t.viewer)).statusCode, 403);
    const deleted = await call("DELETE", "/users/alice", t.admin);
    assert.equal(deleted.statusCode, 200);
    assert.equal(deleted.json().credentials.length, 2);
    const again = await call("DELETE", "/users/alice", t.admin);
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().code, "NOT_FOUND");
    // What brokers are left with: the control plane's own credential only (both mechanisms, no secret).
    const left = (await brokerView()).scramCredentials as { user: string; mechanism: string }[];
    assert.deepEqual(
      left.map((c) => [c.user, c.mechanism]),
      [
        [INTER_BROKER_KAFKA_USER, "SCRAM-SHA-256"],
        [INTER_BROKER_KAFKA_USER, "SCRAM-SHA-512"],
        [CONTROL_PLANE_KAFKA_USER, "SCRAM-SHA-256"],
        [CONTROL_PLANE_KAFKA_USER, "SCRAM-SHA-512"],
      ],
    );
    assert.deepEqual(Object.keys(left[0]!).sort(), [
      "iterations",
      "mechanism",
      "salt",
      "serverKey",
      "storedKey",
      "user",
    ]);
  });

  it("refuses to set or delete the control plane's and the brokers' Kafka users, which no user listing shows", async () => {
    for (const user of [CONTROL_PLANE_KAFKA_USER, INTER_BROKER_KAFKA_USER]) {
      const put = await call("PUT", `/users/${user}`, t.admin, {
        password: "taken-over-now",
      });
      assert.equal(put.statusCode, 403, put.body);
      assert.equal(put.json().code, "FORBIDDEN");
      const users = await call("GET", "/users", t.viewer);
      assert.ok(!users.body.includes(user), users.body);
      assert.equal((await call("DELETE", `/users/${user}`, t.admin)).statusCode, 404);
    }
    // A cluster user stored under the inter-broker user's name before that name was reserved is shadowed by the
    // control plane's credential on brokers, and not listed either.
    await t.testDb.database.db.insert(scramCredentials).values({
      clusterId: id,
      userName: INTER_BROKER_KAFKA_USER,
      mechanism: "SCRAM-SHA-256",
      iterations: 4096,
      salt: "c2FsdA==",
      storedKey: "a2V5",
      serverKey: "a2V5",
      updatedAt: 1,
    });
    const users = await call("GET", "/users", t.viewer);
    assert.ok(!users.body.includes(INTER_BROKER_KAFKA_USER), users.body);
    const seen = (await brokerView()).scramCredentials as { user: string; salt: string }[];
    assert.notEqual(seen.filter((c) => c.user === INTER_BROKER_KAFKA_USER).at(-1)?.salt, "c2FsdA==");
  });
});
