import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { INTERNAL_PREFIX, InternalRoutes } from "@cirrus/broker-api";
import { Validator } from "@seriousme/openapi-schema-validator";
import { OptionalKind } from "@sinclair/typebox";
import { eq } from "drizzle-orm";
import { clusters } from "../../src/db/schema.ts";
import { getOperation, saveOperation } from "../../src/services/operations.ts";
import { EventSchemaChecker } from "../helpers/event-schema-checker.ts";
import { OpenApiChecker } from "../helpers/openapi-checker.ts";
import { createLocalCluster, createTestApp, localSpec, type TestApp } from "../helpers/test-app.ts";

const internal = (route: string) => INTERNAL_PREFIX + route;

describe("OpenAPI contract", { timeout: 120_000 }, () => {
  let t: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, unknown>> };
  before(async () => {
    t = await createTestApp("pglite");
    doc = JSON.parse((await t.app.server.inject({ method: "GET", url: "/openapi.json" })).body);
  });
  after(() => t.close());

  it("is a valid OpenAPI 3.1 document", async () => {
    assert.match(doc.openapi, /^3\.1\./);
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, String(JSON.stringify(result.errors)).slice(0, 2000));
  });

  it("documents every route the server has", () => {
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const served = t.app.routes
      .filter((r) => !r.hidden && !r.url.startsWith("/docs"))
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`);
    assert.ok(served.length > 40, `only ${served.length} routes`);
    for (const route of served) assert.ok(documented.has(route), `${route} is not documented`);
    for (const route of documented)
      assert.ok(served.includes(route), `${route} is documented but not served`);
  });

  it("documents a query parameter as required exactly when a request must send it", () => {
    type Prop = { default?: unknown; [OptionalKind]?: string };
    type Parameter = { in: string; name: string; required?: boolean };
    const parameters = (method: string, path: string) =>
      ((doc.paths[path]?.[method.toLowerCase()] as { parameters?: Parameter[] } | undefined)?.parameters ??
        []) as Parameter[];
    let checked = 0;
    const wrong: string[] = [];
    for (const route of t.app.routes.filter((r) => !r.hidden && r.querystring)) {
      const schema = route.querystring as { properties: Record<string, Prop>; required?: string[] };
      const path = route.url.replace(/:(\w+)/g, "{$1}");
      for (const [name, prop] of Object.entries(schema.properties)) {
        const documented = parameters(route.method, path).find((p) => p.in === "query" && p.name === name);
        assert.ok(documented, `${route.method} ${path}: query parameter ${name} is not documented`);
        // Optional in TypeBox, or filled in by the validator from its default: a client may leave it out.
        const optional =
          prop[OptionalKind] === "Optional" ||
          prop.default !== undefined ||
          !(schema.required ?? []).includes(name);
        if (prop[OptionalKind] === "Optional" && documented.required !== false)
          wrong.push(`${route.method} ${path} ?${name} is Optional but documented required`);
        if (documented.required !== !optional)
          wrong.push(
            `${route.method} ${path} ?${name}: required ${documented.required}, should be ${!optional}`,
          );
        checked++;
      }
    }
    assert.ok(checked >= 15, `only ${checked} query parameters checked`);
    assert.deepEqual(wrong, []);
  });

  it("answers every documented route with a response that matches the document", async () => {
    const c = new OpenApiChecker(t.app.server, doc);
    const admin = { headers: t.auth(t.admin) };
    await c.call("GET", "/healthz");
    await c.call("GET", "/readyz");
    // A 401 carries its documented WWW-Authenticate challenge (the checker checks documented headers).
    assert.equal((await c.call("GET", "/v1/clusters")).statusCode, 401);

    // tokens
    const created = await c.call("POST", "/v1/tokens", {
      ...admin,
      payload: { name: "ci", scope: "viewer" },
    });
    assert.equal(created.statusCode, 201);
    const tokenId = created.json().token.id;
    assert.equal((await c.call("GET", "/v1/tokens", { ...admin, query: { limit: "1" } })).statusCode, 200);
    const self = { headers: { authorization: `Bearer ${created.json().secret}` } };
    assert.equal((await c.call("GET", "/v1/tokens/current", self)).json().id, tokenId);
    const renewed = await c.call("POST", "/v1/tokens/:id/renew", { ...self, params: { id: tokenId } });
    assert.equal(renewed.statusCode, 201);
    // Renewed once: the old token is revoked, a second renewal is a 409 problem.
    const again = await c.call("POST", "/v1/tokens/:id/renew", { ...admin, params: { id: tokenId } });
    assert.equal(again.statusCode, 409);
    assert.equal(
      (await c.call("DELETE", "/v1/tokens/:id", { ...admin, params: { id: tokenId } })).json().revokedAt > 0,
      true,
    );

    // clusters
    const made = await c.call("POST", "/v1/clusters", {
      ...admin,
      payload: { name: "contract", spec: localSpec },
    });
    assert.equal(made.statusCode, 202);
    const { cluster, brokerToken } = made.json();
    const id = cluster.id;
    assert.equal((await c.call("GET", "/v1/clusters", admin)).statusCode, 200);
    assert.equal((await c.call("GET", "/v1/clusters/:id", { ...admin, params: { id } })).statusCode, 200);
    const patched = await c.call("PATCH", "/v1/clusters/:id", {
      ...admin,
      params: { id },
      payload: { version: 1, deletionProtection: true },
    });
    assert.equal(patched.statusCode, 200);
    const stale = await c.call("PATCH", "/v1/clusters/:id", {
      ...admin,
      params: { id },
      payload: { version: 1 },
    });
    assert.equal(stale.statusCode, 409);

    // internal: a broker registers and heartbeats
    const broker = { headers: { authorization: `Bearer ${brokerToken}` } };
    const reg = await c.call("POST", internal(InternalRoutes.register), {
      ...broker,
      payload: { instanceId: "i-1", zone: "zone-a", host: "127.0.0.1", port: 9092 },
    });
    assert.equal(reg.statusCode, 200);
    const { brokerId, epoch } = reg.json();
    await c.call("POST", internal(InternalRoutes.heartbeat), {
      ...broker,
      params: { brokerId },
      payload: { epoch, load: { bytesInPerSec: 10, bytesOutPerSec: 20 } },
    });
    const fenced = await c.call("POST", internal(InternalRoutes.heartbeat), {
      ...broker,
      params: { brokerId },
      payload: { epoch: epoch - 1 },
    });
    assert.equal(fenced.json().code, "BROKER_FENCED");
    // A local cluster's brokers have no cloud identity to prove (test/auth/instance-identity.test.ts: aws).
    const unproven = await c.call("POST", internal(InternalRoutes.instanceCredential), {
      payload: { clusterId: id, identity: { provider: "aws", document: "{}", signature: "AAAA" } },
    });
    assert.equal(unproven.statusCode, 401);
    // The challenge an instance signs into its proof (test/auth/aliyun-instance-identity.test.ts).
    const challenge = await c.call("POST", internal(InternalRoutes.instanceChallenge), {
      payload: { clusterId: id },
    });
    assert.equal(challenge.statusCode, 200);
    // No WAL volume was attached for this instance (the provisioner records them: volumes.instance_id).
    const noVolume = await c.call("GET", internal(InternalRoutes.instanceWalVolume), {
      ...broker,
      params: { instanceId: "i-1" },
    });
    assert.deepEqual(noVolume.json(), { volumeId: null });

    // topics (public and internal)
    const topic = await c.call("POST", "/v1/clusters/:id/topics", {
      ...admin,
      params: { id },
      payload: { name: "orders", partitions: 2 },
    });
    assert.equal(topic.statusCode, 201);
    assert.equal(topic.json().partitions[0].leaderBrokerId, brokerId);
    await c.call("GET", "/v1/clusters/:id/topics", { ...admin, params: { id } });
    // the cluster's Kafka ACLs and SCRAM users
    const acl = {
      resourceType: "GROUP",
      resourceName: "app-",
      patternType: "PREFIXED",
      principal: "User:app",
      host: "*",
      operation: "READ",
      permission: "ALLOW",
    };
    assert.equal(
      (await c.call("POST", "/v1/clusters/:id/acls", { ...admin, params: { id }, payload: acl })).statusCode,
      201,
    );
    await c.call("GET", "/v1/clusters/:id/acls", { ...admin, params: { id } });
    await c.call("POST", "/v1/clusters/:id/acls/delete", {
      ...admin,
      params: { id },
      payload: { ...acl, resourceName: null, principal: null, host: null },
    });
    await c.call("PUT", "/v1/clusters/:id/users/:name", {
      ...admin,
      params: { id, name: "app" },
      payload: { password: "app-password" },
    });
    await c.call("GET", "/v1/clusters/:id/users", { ...admin, params: { id } });
    await c.call("DELETE", "/v1/clusters/:id/users/:name", { ...admin, params: { id, name: "app" } });
    assert.equal(
      (await c.call("DELETE", "/v1/clusters/:id/users/:name", { ...admin, params: { id, name: "app" } }))
        .statusCode,
      404,
    );
    await c.call("GET", "/v1/clusters/:id/topics/:name", { ...admin, params: { id, name: "orders" } });
    await c.call("PATCH", "/v1/clusters/:id/topics/:name", {
      ...admin,
      params: { id, name: "orders" },
      payload: { configs: { "retention.ms": "1000" } },
    });
    await c.call("POST", "/v1/clusters/:id/topics/:name/partitions", {
      ...admin,
      params: { id, name: "orders" },
      payload: { totalCount: 3 },
    });
    // the leader registered an address nothing serves Kafka on: the message routes answer their 503 problem
    const messages = { ...admin, params: { id, name: "orders", partition: 0 } };
    const read = await c.call(
      "GET",
      "/v1/clusters/:id/topics/:name/partitions/:partition/messages",
      messages,
    );
    assert.equal(read.statusCode, 503);
    const produced = await c.call("POST", "/v1/clusters/:id/topics/:name/partitions/:partition/messages", {
      ...messages,
      payload: { key: "k", value: "v" },
    });
    assert.equal(produced.statusCode, 503);
    // offsets: that leader does not answer, so the partitions are listed without them
    const offsets = await c.call("GET", "/v1/clusters/:id/topics/:name/offsets", {
      ...admin,
      params: { id, name: "orders" },
    });
    assert.equal(offsets.statusCode, 200);
    assert.equal(offsets.json().items[0].endOffset, null);
    // group coordinators are brokers: the same unreachable broker makes them 503 problems
    const groups = await c.call("GET", "/v1/clusters/:id/consumer-groups", { ...admin, params: { id } });
    assert.equal(groups.statusCode, 503);
    const group = await c.call("GET", "/v1/clusters/:id/consumer-groups/:group", {
      ...admin,
      params: { id, group: "billing" },
    });
    assert.equal(group.statusCode, 503);
    const reset = await c.call("POST", "/v1/clusters/:id/consumer-groups/:group/offsets/reset", {
      ...admin,
      params: { id, group: "billing" },
      payload: { target: { type: "earliest" }, topics: ["orders"] },
    });
    assert.equal(reset.statusCode, 503);
    await c.call("POST", internal(InternalRoutes.topics), {
      ...broker,
      payload: { name: "events", partitions: 1 },
    });
    await c.call("POST", internal(InternalRoutes.topicPartitions), {
      ...broker,
      params: { name: "events" },
      payload: { totalCount: 2 },
    });
    await c.call("POST", internal(InternalRoutes.topicConfigs), {
      ...broker,
      params: { name: "events" },
      payload: { changes: [{ name: "retention.ms", op: "set", value: "5000" }], replace: false },
    });
    const dup = await c.call("POST", internal(InternalRoutes.topics), {
      ...broker,
      payload: { name: "events", partitions: 1 },
    });
    assert.equal(dup.json().code, "TOPIC_ALREADY_EXISTS");
    const md = await c.call("GET", internal(InternalRoutes.metadata), broker);
    assert.equal(md.json().topics.length, 2);
    const assignments = await c.call("GET", internal(InternalRoutes.assignments), {
      ...broker,
      params: { brokerId },
      query: { epoch: String(epoch), after: "-1", waitMs: "0" },
    });
    assert.equal(assignments.json().open.length, 5);
    const reassigned = await c.call("POST", internal(InternalRoutes.partitionReassignments), {
      ...broker,
      payload: { moves: [{ topic: "events", partition: 0, to: brokerId }] },
    });
    assert.equal(reassigned.json().results[0].outcome, "ALREADY_THERE");
    await c.call("GET", internal(InternalRoutes.partitionReassignments), broker);
    const cancelled = await c.call("POST", internal(InternalRoutes.cancelReassignments), {
      ...broker,
      payload: { partitions: [{ topic: "events", partition: 0 }] },
    });
    assert.equal(cancelled.json().results[0].outcome, "NOT_MOVING");
    // internal: the cluster's Kafka ACLs and SCRAM credentials
    const binding = {
      resourceType: "TOPIC",
      resourceName: "events",
      patternType: "LITERAL",
      principal: "User:alice",
      host: "*",
      operation: "READ",
      permission: "ALLOW",
    };
    await c.call("POST", internal(InternalRoutes.acls), { ...broker, payload: { acls: [binding] } });
    const security = await c.call("GET", internal(InternalRoutes.security), broker);
    const securityVersion = await c.call("GET", internal(InternalRoutes.securityVersion), broker);
    assert.equal(securityVersion.json().version, security.json().version);
    assert.deepEqual(security.json().acls, [binding]);
    const interBroker = await c.call("GET", internal(InternalRoutes.interBrokerCredential), broker);
    assert.equal(interBroker.json().user, "cirrus-broker");
    await c.call("POST", internal(InternalRoutes.deleteAcls), {
      ...broker,
      payload: { filters: [{ ...binding, resourceName: null, principal: null, host: null }] },
    });
    await c.call("POST", internal(InternalRoutes.scramCredentials), {
      ...broker,
      payload: { upsertions: [], deletions: [{ user: "nobody", mechanism: "SCRAM-SHA-256" }] },
    });
    await c.call("DELETE", internal(InternalRoutes.topic), { ...broker, params: { name: "events" } });

    // objects
    const stream = (
      await c.call("POST", internal(InternalRoutes.streams), { ...broker, payload: { tags: { a: "b" } } })
    ).json();
    const streamId = stream.streamId;
    await c.call("GET", internal(InternalRoutes.stream), { ...broker, params: { streamId } });
    await c.call("POST", internal(InternalRoutes.openStream), {
      ...broker,
      params: { streamId },
      payload: { epoch: 1, nodeId: brokerId },
    });
    const reopened = await c.call("POST", internal(InternalRoutes.openStreams), {
      ...broker,
      payload: { streams: [{ streamId, epoch: 1, nodeId: brokerId }] },
    });
    assert.equal(reopened.json().results[0].stream.nodeId, brokerId, "the same owner opens again");
    const { firstObjectId } = (
      await c.call("POST", internal(InternalRoutes.prepareObjects), {
        ...broker,
        payload: { count: 3, ttlMs: 60_000 },
      })
    ).json();
    const range = { streamId, streamEpoch: 1, startOffset: 0, endOffset: 10, position: 0, length: 100 };
    const commit = await c.call("POST", internal(InternalRoutes.commitStreamSetObject), {
      ...broker,
      payload: {
        objectId: firstObjectId,
        objectSize: 100,
        nodeId: brokerId,
        nodeEpoch: epoch,
        ranges: [range],
        streamObjects: [],
        compactedObjectIds: [],
      },
    });
    assert.equal(commit.statusCode, 204);
    await c.call("POST", internal(InternalRoutes.commitStreamObject), {
      ...broker,
      payload: {
        objectId: firstObjectId + 1,
        streamId,
        streamEpoch: 1,
        startOffset: 10,
        endOffset: 20,
        objectSize: 50,
        sourceObjectIds: [],
      },
    });
    const objects = await c.call("GET", internal(InternalRoutes.streamObjects), {
      ...broker,
      params: { streamId },
      query: { startOffset: "0", endOffset: "20", limit: "10" },
    });
    assert.equal(objects.json().objects.length, 2);
    await c.call("GET", internal(InternalRoutes.nodeStreamSetObjects), {
      ...broker,
      params: { nodeId: brokerId },
    });
    await c.call("GET", internal(InternalRoutes.nodeOpeningStreams), {
      ...broker,
      params: { nodeId: brokerId },
    });
    await c.call("POST", internal(InternalRoutes.trimStream), {
      ...broker,
      params: { streamId },
      payload: { epoch: 1, newStartOffset: 10 },
    });
    const below = await c.call("GET", internal(InternalRoutes.streamObjects), {
      ...broker,
      params: { streamId },
      query: { startOffset: "0", endOffset: "20", limit: "10" },
    });
    assert.equal(below.statusCode, 416);
    const gone = (
      await c.call("GET", internal(InternalRoutes.unreferencedObjects), {
        ...broker,
        query: { gracePeriodMs: "0", limit: "10" },
      })
    ).json();
    assert.deepEqual(
      gone.objects.map((o: { objectId: number }) => o.objectId),
      [firstObjectId],
    );
    await c.call("POST", internal(InternalRoutes.forgetObjects), {
      ...broker,
      payload: { objectIds: [firstObjectId] },
    });
    await c.call("POST", internal(InternalRoutes.closeStream), {
      ...broker,
      params: { streamId },
      payload: { epoch: 1 },
    });
    const closes = await c.call("POST", internal(InternalRoutes.closeStreams), {
      ...broker,
      payload: { streams: [{ streamId, epoch: 1 }] },
    });
    assert.deepEqual(
      closes.json().results,
      [{ streamId, error: null }],
      "closing a closed stream again is fine",
    );
    await c.call("POST", internal(InternalRoutes.deleteStream), {
      ...broker,
      params: { streamId },
      payload: { epoch: 1 },
    });

    // rebalance: a second broker joins, the first still leads everything
    await c.call("POST", internal(InternalRoutes.register), {
      ...broker,
      payload: { instanceId: "i-2", zone: "zone-a", host: "127.0.0.1", port: 9093 },
    });
    const plan = await c.call("GET", "/v1/clusters/:id/rebalance/plan", { ...admin, params: { id } });
    assert.ok(plan.json().moves.length > 0);
    const preview = await c.call("POST", "/v1/clusters/:id/rebalance", { ...admin, params: { id } });
    assert.equal(preview.statusCode, 200);
    const rebalance = await c.call("POST", "/v1/clusters/:id/rebalance", {
      ...admin,
      params: { id },
      payload: { dryRun: false },
    });
    assert.equal(rebalance.statusCode, 202);
    const [planned] = plan.json().moves;
    const moved = await c.call("POST", "/v1/clusters/:id/partitions/moves", {
      ...admin,
      params: { id },
      payload: { moves: [{ topic: planned.topic, partition: planned.partition, to: planned.to }] },
    });
    assert.equal(moved.statusCode, 202);
    const noOp = await c.call("POST", "/v1/clusters/:id/partitions/moves", {
      ...admin,
      params: { id },
      payload: { moves: [{ topic: planned.topic, partition: planned.partition, to: planned.from }] },
    });
    assert.equal(noOp.json().code, "INVALID_STATE");

    // brokers, metrics, operations, audit
    const brokers = await c.call("GET", "/v1/clusters/:id/brokers", { ...admin, params: { id } });
    assert.equal(brokers.json().items[0].partitions, 3);
    const load = await c.call("GET", "/v1/clusters/:id/partitions/load", { ...admin, params: { id } });
    assert.equal(load.statusCode, 200);
    const metrics = await c.call("GET", "/v1/clusters/:id/metrics", {
      ...admin,
      params: { id },
      query: { stepSeconds: "60" },
    });
    assert.deepEqual(
      metrics.json().brokers[0].points.map((p: { bytesInPerSec: number }) => p.bytesInPerSec),
      [10],
    );
    const withBootstrap = await t.app.server.inject({
      method: "GET",
      url: `/v1/clusters/${id}`,
      headers: t.auth(t.admin),
    });
    assert.equal(
      withBootstrap.json().bootstrap,
      "127.0.0.1:9092,127.0.0.1:9093",
      "bootstrap follows the live brokers",
    );
    const drain = await c.call("POST", "/v1/clusters/:id/brokers/:brokerId/drain", {
      ...admin,
      params: { id, brokerId },
    });
    assert.equal(drain.statusCode, 202);
    const replace = await c.call("POST", "/v1/clusters/:id/brokers/:brokerId/replace", {
      ...admin,
      params: { id, brokerId },
    });
    assert.equal(replace.statusCode, 202);
    // This app runs no provisioner: spot reclaim answers a documented, typed refusal.
    const reclaim = await c.call("POST", "/v1/clusters/:id/brokers/:brokerId/spot-reclaim", {
      ...admin,
      params: { id, brokerId },
      payload: { noticeSeconds: 1 },
    });
    assert.equal(reclaim.json().code, "INVALID_STATE");
    // internal: the end of a graceful shutdown hands the broker's partitions back
    const deregistered = await c.call("POST", internal(InternalRoutes.deregister), {
      ...broker,
      params: { brokerId },
      payload: { epoch },
    });
    assert.equal(deregistered.statusCode, 200);
    const ops = await c.call("GET", "/v1/operations", { ...admin, query: { clusterId: id } });
    assert.ok(ops.json().items.length >= 3);
    await c.call("GET", "/v1/operations/:id", { ...admin, params: { id: drain.json().id } });
    await c.call("DELETE", "/v1/clusters/:id/topics/:name", { ...admin, params: { id, name: "orders" } });
    const audit = await c.call("GET", "/v1/audit-log", admin);
    assert.ok(audit.json().items.some((e: { action: string }) => e.action === "POST /v1/clusters"));
    const protectedDelete = await c.call("DELETE", "/v1/clusters/:id", { ...admin, params: { id } });
    assert.equal(protectedDelete.json().code, "DELETION_PROTECTED");
    await c.call("PATCH", "/v1/clusters/:id", {
      ...admin,
      params: { id },
      payload: { version: 2, deletionProtection: false },
    });
    const deleted = await c.call("DELETE", "/v1/clusters/:id", { ...admin, params: { id } });
    assert.equal(deleted.statusCode, 202);

    const scraped = await c.call("GET", "/metrics", admin);
    const brokerCounts = [
      ...scraped.body.matchAll(
        new RegExp(`^cirrus_control_plane_brokers\\{cluster_id="${id}",state="\\w+"\\} (\\d+)$`, "gm"),
      ),
    ].map((m) => Number(m[1]));
    assert.equal(
      brokerCounts.reduce((a, b) => a + b, 0),
      2,
      "both registered brokers are in the scrape",
    );

    // The live streams (Server-Sent Events; read over a socket in test/v1/operation-events.test.ts): a bad
    // filter is a 400 before any stream opens; a finished operation's stream gives it once and ends.
    const badFilter = await c.call("GET", "/v1/operations/events", { ...admin, query: { clusterId: "x" } });
    assert.equal(badFilter.statusCode, 400);
    const op = (await getOperation(t.testDb.database.db, drain.json().id))!;
    await saveOperation(t.testDb.database.db, { ...op, status: "SUCCEEDED", finishedAt: Date.now() });
    const opStream = await c.call("GET", "/v1/operations/:id/events", { ...admin, params: { id: op.id } });
    assert.equal(opStream.statusCode, 200);
    assert.match(opStream.body, /^event: operation\ndata: \{.*"status":"SUCCEEDED"/m);
    // A cluster's stream never ends by itself (read over a socket in test/v1/cluster-events.test.ts): here, the
    // problem answers it gives before any stream opens.
    const noCluster = await c.call("GET", "/v1/clusters/:id/events", {
      ...admin,
      params: { id: "00000000-0000-4000-8000-000000000000" },
    });
    assert.equal(noCluster.statusCode, 404);
    const noToken = await c.call("GET", "/v1/clusters/events", {});
    assert.equal(noToken.statusCode, 401);

    const all = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const missed = all.filter((op) => !c.exercised.has(op));
    assert.deepEqual(missed, [], "every documented operation was exercised");
  });
});

// The live streams' events against their documented schemas (`x-event-schema`), over a listening server: every
// event read is checked as it comes (test/helpers/event-schema-checker.ts), and each stream must be seen to send
// every event its schema documents.
describe("OpenAPI contract: live stream events", { timeout: 120_000 }, () => {
  let t: TestApp;
  let url: string;
  let events: EventSchemaChecker;
  before(async () => {
    t = await createTestApp("pglite", {
      clusterEventsIntervalMs: 100,
      operationEventsIntervalMs: 50,
      eventStreamHeartbeatMs: 60_000,
      eventStreamAuthCheckMs: 100,
    });
    events = new EventSchemaChecker(
      JSON.parse((await t.app.server.inject({ method: "GET", url: "/openapi.json" })).body),
    );
    url = await t.app.server.listen({ port: 0, host: "127.0.0.1" });
  });
  after(() => t?.close());

  it("documents the events of every text/event-stream route, the error event included", () => {
    const streams = events.streams().sort();
    assert.deepEqual(streams, [
      "/v1/clusters/events",
      "/v1/clusters/{id}/events",
      "/v1/operations/events",
      "/v1/operations/{id}/events",
    ]);
    for (const path of streams) {
      const names = events.documented(path);
      assert.ok(names.includes("error"), `${path} documents its error event`);
      assert.equal(new Set(names).size, names.length, `${path} documents each event once`);
    }
  });

  it("sends only events that match their documented schema, and every documented event", async () => {
    const { id: clusterId, brokerToken } = await createLocalCluster(t, "stream-contract");
    const brokerAuth = { authorization: `Bearer ${brokerToken}` };
    const { token, secret } = await t.app.context.tokens.create("stream-contract", "viewer");
    const open = async (path: string, url_: string) => {
      const answer = await fetch(`${url}${url_}`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(answer.status, 200, `${url_}: ${answer.status}`);
      return events.reader(path, answer.body!);
    };
    const inject = async (
      method: "POST" | "PATCH" | "GET",
      path: string,
      headers: object,
      payload?: object,
    ) => {
      const answer = await t.app.server.inject({
        method,
        url: path,
        headers: headers as Record<string, string>,
        ...(payload ? { payload } : {}),
      });
      assert.ok(answer.statusCode < 300, `${method} ${path}: ${answer.statusCode} ${answer.body}`);
      return answer.json();
    };

    const cluster = await open("/v1/clusters/{id}/events", `/v1/clusters/${clusterId}/events`);
    const timeline = await open("/v1/operations/events", `/v1/operations/events?clusterId=${clusterId}`);
    const list = await open("/v1/clusters/events", "/v1/clusters/events");
    await cluster.nextEvent("snapshot");
    await timeline.nextEvent("snapshot");
    await list.nextEvent("snapshot");
    // A cluster comes and goes on the list (`cluster`, `deleted`).
    const passing = await createLocalCluster(t, "stream-contract-passing");
    await list.nextEvent("cluster");
    await t.testDb.database.db.delete(clusters).where(eq(clusters.id, passing.id));
    await list.nextEvent("deleted");

    // A broker joins (`brokers`) and reports traffic (`network`).
    const joined = await inject("POST", "/internal/v1/brokers/register", brokerAuth, {
      instanceId: "i-contract",
      zone: "zone-a",
      host: "127.0.0.1",
      port: 9092,
    });
    await cluster.nextEvent("brokers");
    await inject("POST", `/internal/v1/brokers/${joined.brokerId}/heartbeat`, brokerAuth, {
      epoch: joined.epoch,
      load: { bytesInPerSec: 4000, bytesOutPerSec: 1500 },
    });
    await cluster.nextEvent("network");

    // The spec moves to percent watermarks (`cluster`, `watermarks`), which makes an operation (`operation`).
    const current = await inject("GET", `/v1/clusters/${clusterId}`, t.auth(t.admin));
    await inject("PATCH", `/v1/clusters/${clusterId}`, t.auth(t.admin), {
      version: current.version,
      spec: {
        ...localSpec,
        scaling: { highWatermarkPercent: 80, lowWatermarkPercent: 20, cooldownSeconds: 300 },
        balancing: { brokerNetworkBytesPerSec: 50_000_000 },
      },
    });
    // The operation comes from the operations feed, the cluster and its watermarks from the cluster's look:
    // either may be first.
    await cluster.eventsOf(["cluster", "watermarks", "operation"]);
    await timeline.nextEvent("operation");

    // One operation that moves partitions, followed alone: its view with its moves.
    const drain = await inject(
      "POST",
      `/v1/clusters/${clusterId}/brokers/${joined.brokerId}/drain`,
      t.auth(t.admin),
    );
    const operation = await open("/v1/operations/{id}/events", `/v1/operations/${drain.id}/events`);
    const first = (await operation.nextEvent("operation")).data as { id: string; moves?: unknown[] };
    assert.equal(first.id, drain.id);
    assert.ok(Array.isArray(first.moves), "a drain's view lists its moves");
    await timeline.nextEvent("operation");

    // The token is revoked: each stream ends with its `error` event.
    assert.ok(await t.app.context.tokens.revoke(token.id));
    for (const stream of [cluster, timeline, operation, list]) {
      await stream.nextEvent("error", 3_000);
      assert.equal(await stream.next(), undefined, "the stream ends after its error event");
    }

    for (const path of events.streams()) {
      assert.deepEqual(
        [...(events.seen.get(path) ?? [])].sort(),
        events.documented(path).sort(),
        `${path}: every documented event was sent and checked`,
      );
    }
  });
});
