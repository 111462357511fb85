// KIP-430 over the wire on two brokers of one cluster: broker A runs the authorizer (SASL PLAIN users admin,
// bob with some grants, carol with none), broker B none. Metadata v8 and v12, DescribeCluster v0/v1 and
// DescribeGroups v5 answer the exact bit field of what the caller may do when it asks, -2147483648 when it does
// not; the cluster's field is 0 to a caller that may not DESCRIBE the cluster; broker B answers every supported
// operation. DescribeCluster refuses the CONTROLLER endpoint and unknown endpoint types.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiKey, ErrorCode, type ResponseBodies } from "@cirrus/kafka-protocol";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

const NOT_REQUESTED = -2147483648;
// Kafka's AclOperation codes.
const READ = 3;
const WRITE = 4;
const CREATE = 5;
const DELETE = 6;
const ALTER = 7;
const DESCRIBE = 8;
const CLUSTER_ACTION = 9;
const DESCRIBE_CONFIGS = 10;
const ALTER_CONFIGS = 11;
const IDEMPOTENT_WRITE = 12;
const bits = (...codes: number[]) => codes.reduce((field, code) => field | (1 << code), 0);
const ALL_TOPIC = bits(READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS);
const ALL_GROUP = bits(READ, DESCRIBE, DELETE, DESCRIBE_CONFIGS, ALTER_CONFIGS);
const ALL_CLUSTER = bits(
  CREATE,
  CLUSTER_ACTION,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  IDEMPOTENT_WRITE,
  ALTER,
  DESCRIBE,
);

let cp: TestControlPlane;
let secured: BrokerHandle;
let open: BrokerHandle;
const wires: KafkaWire[] = [];

async function login(user: string): Promise<KafkaWire> {
  const wire = await KafkaWire.connect(secured.kafkaPort);
  wires.push(wire);
  assert.equal((await wire.request(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" })).errorCode, 0);
  const auth = await wire.request(ApiKey.SaslAuthenticate, 2, {
    authBytes: Buffer.from(`\0${user}\0${user}-secret`),
  });
  assert.equal(auth.errorCode, ErrorCode.NONE, auth.errorMessage ?? "");
  return wire;
}

/** An ALLOW binding of bob (resource type and pattern as Kafka's codes: TOPIC 2, GROUP 3, CLUSTER 4; 3 LITERAL, 4 PREFIXED). */
const grant = (resourceType: number, resourceName: string, pattern: number, operation: number) => ({
  resourceType,
  resourceName,
  resourcePatternType: pattern,
  principal: "User:bob",
  host: "*",
  operation,
  permissionType: 3,
});

const metadataV8 = (topic: string, flags: boolean) => ({
  topics: [{ name: topic }],
  allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: flags,
  includeTopicAuthorizedOperations: flags,
});

/**
 * A group of `prefix` that broker `nodeId` coordinates (DescribeGroups elsewhere is NOT_COORDINATOR): the first
 * of prefix0, prefix1, … that FindCoordinator places there.
 */
async function groupOf(wire: KafkaWire, prefix: string, nodeId: number): Promise<string> {
  let found: string | undefined;
  await eventually(
    async () => {
      for (let i = 0; i < 64 && found === undefined; i++) {
        const key = `${prefix}${i}`;
        const answer = await wire.request(ApiKey.FindCoordinator, 1, { key, keyType: 0 });
        if (answer.errorCode === ErrorCode.NONE && answer.nodeId === nodeId) found = key;
      }
      return found !== undefined;
    },
    20_000,
    `a group of ${prefix} on broker ${nodeId}`,
  );
  return found!;
}

/** DescribeGroups asking for authorized operations, once the first group's coordinator has loaded it. */
async function describedOnce(wire: KafkaWire, version: number, groups: string[]) {
  let answer: ResponseBodies[typeof ApiKey.DescribeGroups] | undefined;
  await eventually(
    async () => {
      answer = await wire.request(ApiKey.DescribeGroups, version, {
        groups,
        includeAuthorizedOperations: true,
      });
      return answer.groups[0]!.errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    },
    20_000,
    "the group's coordinator loaded",
  );
  return answer!;
}

before(async () => {
  cp = await startControlPlane();
  secured = await startTestBroker(cp, "authops-a", {
    saslMechanisms: ["PLAIN"],
    saslUsers: new Map([
      ["admin", "admin-secret"],
      ["bob", "bob-secret"],
      ["carol", "carol-secret"],
    ]),
    authorizerEnabled: true,
    superUsers: ["User:admin"],
    securityRefreshMs: 200,
  });
  open = await startTestBroker(cp, "authops-b");
  const admin = await login("admin");
  const created = await admin.request(ApiKey.CreateTopics, 5, {
    topics: [{ name: "orders-eu", numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  assert.equal(created.topics[0]!.errorCode, ErrorCode.NONE);
  const acls = await admin.request(ApiKey.CreateAcls, 3, {
    creations: [
      grant(2, "orders-", 4, READ),
      grant(2, "orders-eu", 3, DESCRIBE_CONFIGS),
      grant(3, "bob-", 4, READ),
      grant(4, "kafka-cluster", 3, DESCRIBE),
      grant(4, "kafka-cluster", 3, IDEMPOTENT_WRITE),
    ],
  });
  assert.deepEqual(
    acls.results.map((r) => r.errorCode),
    [0, 0, 0, 0, 0],
  );
});

after(async () => {
  for (const wire of wires) wire.socket.destroy();
  await secured?.close();
  await open?.close();
  await cp?.close();
});

describe("authorized operations (KIP-430)", { timeout: 60_000 }, () => {
  it("Metadata v8 answers bob's operations on a topic and the cluster, only when asked", async () => {
    const bob = await login("bob");
    // The broker rereads the ACLs right after its own CreateAcls; eventually covers a refresh in between.
    await eventually(async () => {
      const answer = await bob.request(ApiKey.Metadata, 8, metadataV8("orders-eu", true));
      return answer.topics[0]!.errorCode === ErrorCode.NONE;
    });
    const asked = await bob.request(ApiKey.Metadata, 8, metadataV8("orders-eu", true));
    assert.equal(asked.topics[0]!.topicAuthorizedOperations, bits(READ, DESCRIBE, DESCRIBE_CONFIGS));
    assert.equal(asked.clusterAuthorizedOperations, bits(DESCRIBE, IDEMPOTENT_WRITE));
    const unasked = await bob.request(ApiKey.Metadata, 8, metadataV8("orders-eu", false));
    assert.equal(unasked.topics[0]!.topicAuthorizedOperations, NOT_REQUESTED);
    assert.equal(unasked.clusterAuthorizedOperations, NOT_REQUESTED);
    // A topic bob may not describe is refused, with no bit field.
    const denied = await bob.request(ApiKey.Metadata, 8, metadataV8("payments", true));
    assert.equal(denied.topics[0]!.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.equal(denied.topics[0]!.topicAuthorizedOperations, NOT_REQUESTED);
    // v12: the topic's field by name; the cluster's flag is gone from Metadata (DescribeCluster has it).
    const v12 = await bob.request(ApiKey.Metadata, 12, {
      topics: [{ name: "orders-eu", topicId: asked.topics[0]!.topicId }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
    });
    assert.equal(v12.topics[0]!.topicAuthorizedOperations, bits(READ, DESCRIBE, DESCRIBE_CONFIGS));
  });

  it("DescribeCluster answers the cluster's operations, 0 to a caller that may not DESCRIBE it", async () => {
    const bob = await login("bob");
    const asked = await bob.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    });
    assert.equal(asked.errorCode, ErrorCode.NONE);
    assert.equal(asked.clusterAuthorizedOperations, bits(DESCRIBE, IDEMPOTENT_WRITE));
    assert.deepEqual(asked.brokers.map((b) => b.port).sort(), [secured.kafkaPort, open.kafkaPort].sort());
    assert.ok([secured.brokerId(), open.brokerId()].includes(asked.controllerId));
    const v0 = await bob.request(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false });
    assert.equal(v0.errorCode, ErrorCode.NONE);
    assert.equal(v0.clusterAuthorizedOperations, NOT_REQUESTED);

    const carol = await login("carol");
    const refused = await carol.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    });
    assert.equal(refused.errorCode, ErrorCode.NONE);
    assert.equal(refused.clusterAuthorizedOperations, 0);
    const metadata = await carol.request(ApiKey.Metadata, 10, {
      ...metadataV8("orders-eu", true),
      topics: [],
    });
    assert.equal(metadata.clusterAuthorizedOperations, 0);
  });

  it("DescribeCluster refuses the CONTROLLER endpoint and unknown endpoint types", async () => {
    const bob = await login("bob");
    const controller = await bob.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 2,
    });
    assert.equal(controller.errorCode, ErrorCode.MISMATCHED_ENDPOINT_TYPE);
    assert.match(controller.errorMessage ?? "", /CONTROLLER/);
    assert.deepEqual(controller.brokers, []);
    const unknown = await bob.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 7,
    });
    assert.equal(unknown.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
    assert.equal(unknown.errorMessage, "Unsupported endpoint type 7");
  });

  it("DescribeGroups v5 answers bob's operations on a group he may describe, and none on an error", async () => {
    const bob = await login("bob");
    const group = await groupOf(bob, "bob-readers-", secured.brokerId());
    const answer = await describedOnce(bob, 5, [group, "carols"]);
    const byId = new Map(answer.groups.map((g) => [g.groupId, g]));
    assert.equal(byId.get(group)!.errorCode, ErrorCode.NONE);
    assert.equal(byId.get(group)!.authorizedOperations, bits(READ, DESCRIBE));
    assert.equal(byId.get("carols")!.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    assert.equal(byId.get("carols")!.authorizedOperations, NOT_REQUESTED);
    const unasked = await bob.request(ApiKey.DescribeGroups, 5, {
      groups: [group],
      includeAuthorizedOperations: false,
    });
    assert.equal(unasked.groups[0]!.authorizedOperations, NOT_REQUESTED);
  });

  it("without the authorizer, every operation Kafka supports on the resource", async () => {
    const wire = await KafkaWire.connect(open.kafkaPort);
    wires.push(wire);
    const metadata = await wire.request(ApiKey.Metadata, 9, metadataV8("orders-eu", true));
    assert.equal(metadata.topics[0]!.topicAuthorizedOperations, ALL_TOPIC);
    assert.equal(metadata.clusterAuthorizedOperations, ALL_CLUSTER);
    const cluster = await wire.request(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    });
    assert.equal(cluster.clusterAuthorizedOperations, ALL_CLUSTER);
    const group = await groupOf(wire, "anyone-", open.brokerId());
    const { groups } = await describedOnce(wire, 3, [group]);
    assert.equal(groups[0]!.errorCode, ErrorCode.NONE);
    assert.equal(groups[0]!.authorizedOperations, ALL_GROUP);
  });
});
