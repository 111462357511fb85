// ACLs and cluster SCRAM users with real clients on two brokers of one cluster, authorizer on. The configured
// super user (PLAIN) creates a SCRAM user with AlterUserScramCredentials (the salted password only) on broker A
// and grants it READ/WRITE on a topic prefix and READ on a group with kafkajs' CreateAcls; the user logs in with
// SCRAM-SHA-512 on broker B, produces and consumes under the prefix, is refused elsewhere with
// TOPIC_AUTHORIZATION_FAILED / GROUP_AUTHORIZATION_FAILED, and is refused again once the ACL is deleted; a client
// that is not a super user cannot manage ACLs or users (CLUSTER_AUTHORIZATION_FAILED).
import assert from "node:assert/strict";
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import kafkajs, { Kafka, logLevel, type SASLOptions } from "kafkajs";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { fetchOneBody, KafkaWire } from "../helpers/kafka-wire.ts";

// kafkajs' enums live on its CommonJS default export only.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
type Enum<T> = T[keyof T];
/** The Kafka error name of a kafkajs error (non-retriable ones wrap the protocol error as their cause). */
const kafkaError = (error: unknown): string | undefined => {
  const e = error as { type?: string; cause?: { type?: string } };
  return e.type ?? e.cause?.type;
};

let cp: TestControlPlane;
let brokerA: BrokerHandle;
let brokerB: BrokerHandle;

const secured = {
  saslMechanisms: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"],
  saslUsers: new Map([
    ["admin", "admin-secret"],
    ["bob", "bob-secret"],
  ]),
  authorizerEnabled: true,
  superUsers: ["User:admin"],
  securityRefreshMs: 200,
};

before(async () => {
  cp = await startControlPlane();
  brokerA = await startTestBroker(cp, "acl-a", secured);
  brokerB = await startTestBroker(cp, "acl-b", secured);
});

after(async () => {
  await brokerA?.close();
  await brokerB?.close();
  await cp?.close();
});

const client = (bootstrap: string, sasl: SASLOptions) =>
  new Kafka({
    clientId: "acl-test",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    sasl,
  });
const admin = () =>
  client(brokerA.bootstrap, { mechanism: "plain", username: "admin", password: "admin-secret" });

/** A raw connection authenticated with PLAIN (kafkajs has no AlterUserScramCredentials). */
async function plainWire(port: number, user: string, password: string): Promise<KafkaWire> {
  const wire = await KafkaWire.connect(port);
  const handshake = await wire.request(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" });
  assert.equal(handshake.errorCode, ErrorCode.NONE);
  const auth = await wire.request(ApiKey.SaslAuthenticate, 2, {
    authBytes: Buffer.from(`\0${user}\0${password}`),
  });
  assert.equal(auth.errorCode, ErrorCode.NONE, auth.errorMessage ?? "");
  return wire;
}

function upsertion(name: string, password: string, mechanism: 1 | 2, iterations = 4096) {
  const salt = randomBytes(16);
  const hash = mechanism === 1 ? "sha256" : "sha512";
  const saltedPassword = pbkdf2Sync(password, salt, iterations, mechanism === 1 ? 32 : 64, hash);
  return { name, mechanism, iterations, salt, saltedPassword };
}

const acl = (
  resourceType: Enum<typeof AclResourceTypes>,
  resourceName: string,
  pattern: Enum<typeof ResourcePatternTypes>,
  operation: Enum<typeof AclOperationTypes>,
) => ({
  resourceType,
  resourceName,
  resourcePatternType: pattern,
  principal: "User:alice",
  host: "*",
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

test("a SCRAM user created on one broker works on another; ACLs grant, refuse and revoke", {
  timeout: 120_000,
}, async () => {
  const wire = await plainWire(brokerA.kafkaPort, "admin", "admin-secret");
  try {
    const altered = await wire.request(ApiKey.AlterUserScramCredentials, 0, {
      deletions: [{ name: "nobody", mechanism: 1 }],
      upsertions: [
        upsertion("alice", "alice-pw", 2),
        upsertion("alice", "alice-pw", 1),
        upsertion("weak", "pw", 1, 1000),
      ],
    });
    const byUser = new Map(altered.results.map((r) => [r.user, r.errorCode]));
    assert.equal(byUser.get("alice"), ErrorCode.NONE);
    assert.equal(byUser.get("nobody"), ErrorCode.RESOURCE_NOT_FOUND);
    assert.equal(byUser.get("weak"), ErrorCode.UNACCEPTABLE_CREDENTIAL);
    const described = await wire.request(ApiKey.DescribeUserScramCredentials, 0, {
      users: [{ name: "alice" }, { name: "weak" }],
    });
    const alice = described.results.find((r) => r.user === "alice")!;
    assert.deepEqual(alice.credentialInfos.map((c) => [c.mechanism, c.iterations]).sort(), [
      [1, 4096],
      [2, 4096],
    ]);
    assert.equal(described.results.find((r) => r.user === "weak")?.errorCode, ErrorCode.RESOURCE_NOT_FOUND);
  } finally {
    wire.socket.destroy();
  }

  const adminClient = admin().admin();
  await adminClient.connect();
  await adminClient.createTopics({
    topics: [
      { topic: "orders-eu", numPartitions: 1 },
      { topic: "payments", numPartitions: 1 },
    ],
    waitForLeaders: true,
  });
  await adminClient.createAcls({
    acl: [
      acl(AclResourceTypes.TOPIC, "orders-", ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
      acl(AclResourceTypes.TOPIC, "orders-", ResourcePatternTypes.PREFIXED, AclOperationTypes.WRITE),
      acl(AclResourceTypes.GROUP, "alice-", ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
    ],
  });
  const listed = await adminClient.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  assert.equal(listed.resources.flatMap((r) => r.acls).length, 3);

  // alice logs in on broker B: the user and the ACLs reached it through the control plane.
  const alice = client(brokerB.bootstrap, {
    mechanism: "scram-sha-512",
    username: "alice",
    password: "alice-pw",
  });
  const producer = alice.producer();
  await eventually(
    async () => {
      try {
        await producer.connect();
        return true;
      } catch {
        return false;
      }
    },
    15_000,
    "alice authenticated on broker B",
  );
  // The grants reach broker B with its next read of the cluster's ACLs (securityRefreshMs).
  await eventually(
    async () => {
      try {
        await producer.send({ topic: "orders-eu", messages: [{ value: "o1" }, { value: "o2" }] });
        return true;
      } catch (error) {
        assert.equal(kafkaError(error), "TOPIC_AUTHORIZATION_FAILED");
        return false;
      }
    },
    5_000,
    "the grants reached broker B",
  );
  await assert.rejects(
    producer.send({ topic: "payments", messages: [{ value: "p" }] }),
    (error) => kafkaError(error) === "TOPIC_AUTHORIZATION_FAILED",
  );

  const consumer = alice.consumer({ groupId: "alice-readers" });
  await consumer.connect();
  await consumer.subscribe({ topic: "orders-eu", fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
  await eventually(() => seen.length >= 2, 30_000, "alice consumed orders-eu");
  assert.deepEqual(seen, ["o1", "o2"]);
  await consumer.disconnect();

  // alice is no super user: managing ACLs and users is CLUSTER_AUTHORIZATION_FAILED.
  const aliceAdmin = alice.admin();
  await aliceAdmin.connect();
  await assert.rejects(
    aliceAdmin.createAcls({
      acl: [acl(AclResourceTypes.TOPIC, "*", ResourcePatternTypes.LITERAL, AclOperationTypes.ALL)],
    }),
    (error) => kafkaError(error) === "CLUSTER_AUTHORIZATION_FAILED",
  );
  const own = await aliceAdmin.fetchOffsets({ groupId: "alice-readers", topics: ["orders-eu"] });
  assert.equal(own[0]?.partitions[0]?.offset, "2", "alice's group committed both records");
  const topics = await aliceAdmin.listTopics();
  assert.ok(topics.includes("orders-eu") && !topics.includes("payments"), `alice sees ${topics}`);
  await aliceAdmin.disconnect();

  // bob (a configured user, no ACL) gets Kafka's exact codes: groups, topics, the cluster.
  const bob = await plainWire(brokerB.kafkaPort, "bob", "bob-secret");
  try {
    const coordinator = await bob.request(ApiKey.FindCoordinator, 3, { key: "alice-readers", keyType: 0 });
    assert.equal(coordinator.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const offsets = await bob.request(ApiKey.OffsetFetch, 7, {
      groupId: "alice-readers",
      topics: null,
      requireStable: false,
    });
    assert.equal(offsets.errorCode, ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const all = await bob.request(ApiKey.Metadata, 9, { topics: null, allowAutoTopicCreation: false });
    assert.deepEqual(all.topics, [], "bob sees no topic");
    const named = await bob.request(ApiKey.Metadata, 9, {
      topics: [{ name: "orders-eu" }, { name: "new-topic" }],
      allowAutoTopicCreation: true,
    });
    assert.deepEqual(
      named.topics.map((t) => [t.name, t.errorCode]),
      [
        ["orders-eu", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ["new-topic", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
    assert.ok(named.brokers.length > 0, "the answer still names the brokers");
    const fetched = await bob.request(ApiKey.Fetch, 12, fetchOneBody("orders-eu", 0, 0n));
    const denied = fetched.responses[0]!.partitions[0]!;
    assert.deepEqual(
      [denied.errorCode, denied.highWatermark, denied.records?.length ?? 0],
      [ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1n, 0],
      "bob's fetch reads nothing of orders-eu",
    );
    const created = await bob.request(ApiKey.CreateTopics, 5, {
      topics: [{ name: "bobs", numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(created.topics[0]?.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const acls = await bob.request(ApiKey.DescribeAcls, 2, {
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
    assert.equal(acls.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const users = await bob.request(ApiKey.DescribeUserScramCredentials, 0, { users: null });
    assert.equal(users.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const pid = await bob.request(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60000,
      producerId: -1n,
      producerEpoch: -1,
    });
    assert.equal(
      pid.errorCode,
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      "idempotence needs WRITE on some topic",
    );
  } finally {
    bob.socket.destroy();
  }
  const hasTopic = await admin().admin();
  await hasTopic.connect();
  assert.ok(!(await hasTopic.listTopics()).includes("new-topic"), "a refused Metadata created nothing");
  await hasTopic.disconnect();

  // The WRITE grant deleted on broker A: broker B refuses alice's next produce within a few seconds.
  const deleted = await adminClient.deleteAcls({
    filters: [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: "orders-",
        resourcePatternType: ResourcePatternTypes.PREFIXED,
        principal: "User:alice",
        operation: AclOperationTypes.WRITE,
        permissionType: AclPermissionTypes.ALLOW,
      },
    ],
  });
  assert.equal(deleted.filterResponses[0]?.matchingAcls.length, 1);
  await eventually(
    async () => {
      try {
        await producer.send({ topic: "orders-eu", messages: [{ value: "late" }] });
        return false;
      } catch (error) {
        return kafkaError(error) === "TOPIC_AUTHORIZATION_FAILED";
      }
    },
    10_000,
    "produce refused after the ACL was deleted",
  );
  await producer.disconnect();
  await adminClient.disconnect();
});
