// Brokers authenticate to each other. Two brokers of one cluster with the authorizer on, SASL off and no ACL on
// the cluster for anybody: User:ANONYMOUS (the client) may use the `ib-` topics and transactional ids only. A
// transaction with a partition on each broker commits, and read_committed readers of BOTH partitions see it
// (the coordinator's markers reached the other broker's partition: WriteTxnMarkers as the inter-broker user
// `cirrus-broker`, logged in with SCRAM, a super user). A plain, unauthenticated WriteTxnMarkers is refused with
// CLUSTER_AUTHORIZATION_FAILED. Where SASL is off only the reserved users log in (a cluster user cannot), a login
// as the inter-broker user without its secret is refused, and with it WriteTxnMarkers is authorized. The same
// transaction commits on two brokers of another cluster that require SASL (PLAIN only, client a super user).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ControlPlaneClient, INTER_BROKER_KAFKA_USER } from "@cirrus/broker-api";
import { ApiKey, ErrorCode, scramCredential } from "@cirrus/kafka-protocol";
import { authenticateIfRequired, KafkaClientConnection } from "@cirrus/kafka-protocol/client";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import type { BrokerHandle } from "../../src/index.ts";
import { eventually, startTestBroker } from "../helpers/broker-fixture.ts";
import { startControlPlane, type TestControlPlane } from "../helpers/control-plane.ts";
import { KafkaWire } from "../helpers/kafka-wire.ts";

let cp: TestControlPlane;
let brokerA: BrokerHandle;
let brokerB: BrokerHandle;

const authorized = { authorizerEnabled: true, securityRefreshMs: 200 };
const TOPIC = "ib-orders";

before(async () => {
  cp = await startControlPlane();
  brokerA = await startTestBroker(cp, "ib-a", authorized);
  brokerB = await startTestBroker(cp, "ib-b", authorized);
  // What the client may do, as User:ANONYMOUS: its topics and transactional ids. Nothing on the cluster.
  const admin = new ControlPlaneClient({ baseUrl: cp.baseUrl, token: cp.brokerToken });
  await admin.createAcls({
    acls: (["TOPIC", "TRANSACTIONAL_ID"] as const).map((resourceType) => ({
      resourceType,
      resourceName: "ib-",
      patternType: "PREFIXED" as const,
      principal: "User:ANONYMOUS",
      host: "*",
      operation: "ALL" as const,
      permission: "ALLOW" as const,
    })),
  });
  const acls = await admin.security();
  assert.ok(!acls.acls.some((a) => a.resourceType === "CLUSTER"), "no ACL names the cluster");
});

after(async () => {
  await brokerA?.close();
  await brokerB?.close();
  await cp?.close();
});

const kafka = (a: BrokerHandle, b: BrokerHandle, sasl?: SASLOptions) =>
  new Kafka({
    clientId: "inter-broker-test",
    brokers: [a.bootstrap, b.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 200 },
    ...(sasl ? { sasl } : {}),
  });

/** The last stable offset of a partition, asked of its leader (ListOffsets v2, read_committed, latest). */
async function lastStableOffset(port: number, partition: number, plain?: readonly [string, string]) {
  const wire = await KafkaWire.connect(port);
  try {
    if (plain) {
      assert.equal((await wire.request(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" })).errorCode, 0);
      const auth = await wire.request(ApiKey.SaslAuthenticate, 2, {
        authBytes: Buffer.from(`\0${plain[0]}\0${plain[1]}`),
      });
      assert.equal(auth.errorCode, ErrorCode.NONE);
    }
    const answer = await wire.request(ApiKey.ListOffsets, 2, {
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, timestamp: -1n }] }],
    });
    const p = answer.topics[0]!.partitions[0]!;
    assert.equal(p.errorCode, ErrorCode.NONE);
    return p.offset;
  } finally {
    wire.socket.destroy();
  }
}

/**
 * A transaction over a partition led by each of `a` and `b` commits, and read_committed readers see it on both:
 * one record and the COMMIT marker in each partition (the LSO moves past the record only once the marker is
 * written there, by the coordinator on whichever broker, to the other broker's partition too).
 */
async function commitAcross(a: BrokerHandle, b: BrokerHandle, plain?: readonly [string, string]) {
  const client = kafka(
    a,
    b,
    plain ? { mechanism: "plain", username: plain[0], password: plain[1] } : undefined,
  );
  const admin = client.admin();
  await admin.connect();
  // Both brokers must know the ACLs (they refresh every 200 ms) before the client is allowed anything.
  await eventually(
    async () => {
      try {
        return await admin.createTopics({
          topics: [{ topic: TOPIC, numPartitions: 4 }],
          waitForLeaders: true,
        });
      } catch {
        return false;
      }
    },
    20_000,
    "the topic to be created",
  );
  const portOf = new Map([
    [a.brokerId(), a.kafkaPort],
    [b.brokerId(), b.kafkaPort],
  ]);
  let onA: number | undefined;
  let onB: number | undefined;
  await eventually(
    async () => {
      const [meta] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
      onA = meta?.partitions.find((p) => p.leader === a.brokerId())?.partitionId;
      onB = meta?.partitions.find((p) => p.leader === b.brokerId())?.partitionId;
      return onA !== undefined && onB !== undefined;
    },
    20_000,
    "partitions led by each broker",
  );
  await admin.disconnect();

  const producer = client.producer({
    transactionalId: "ib-txn",
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    await txn.send({
      topic: TOPIC,
      messages: [
        { value: "to-a", partition: onA! },
        { value: "to-b", partition: onB! },
      ],
    });
    await txn.commit();
  } finally {
    await producer.disconnect();
  }
  for (const [broker, partition] of [
    [a, onA!],
    [b, onB!],
  ] as const) {
    await eventually(
      async () => (await lastStableOffset(portOf.get(broker.brokerId())!, partition, plain)) === 2n,
      20_000,
      `the commit marker on partition ${partition} (broker ${broker.brokerId()})`,
    );
  }
}

test("a transaction over partitions on both brokers commits with no ACL for anybody on the cluster", {
  timeout: 120_000,
}, async () => {
  await commitAcross(brokerA, brokerB);
});

test("the same where brokers require SASL (PLAIN only): markers log in as the inter-broker user", {
  timeout: 120_000,
}, async () => {
  const cluster = await cp.newCluster("ib-sasl");
  const sasl = {
    ...authorized,
    saslMechanisms: ["PLAIN"],
    saslUsers: new Map([["admin", "admin-secret"]]),
    superUsers: ["User:admin"],
  };
  const c = await startTestBroker(cluster, "ib-sasl-c", sasl);
  const d = await startTestBroker(cluster, "ib-sasl-d", sasl);
  try {
    await commitAcross(c, d, ["admin", "admin-secret"]);
  } finally {
    await c.close();
    await d.close();
  }
});

test("an unauthenticated WriteTxnMarkers is refused with CLUSTER_AUTHORIZATION_FAILED", async () => {
  const wire = await KafkaWire.connect(brokerB.kafkaPort);
  try {
    const answer = await wire.request(ApiKey.WriteTxnMarkers, 1, {
      markers: [
        {
          producerId: 1n,
          producerEpoch: 0,
          transactionResult: false,
          topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2, 3] }],
          coordinatorEpoch: 0,
        },
      ],
    });
    const codes = answer.markers.flatMap((m) =>
      m.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)),
    );
    assert.equal(codes.length, 4);
    for (const code of codes) assert.equal(code, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  } finally {
    wire.socket.destroy();
  }
});

test("only the reserved users log in where SASL is off; the inter-broker user's login is a super user's", async () => {
  const admin = new ControlPlaneClient({ baseUrl: cp.baseUrl, token: cp.brokerToken });
  // A cluster user (what AlterUserScramCredentials stores) may not log in on a broker that offers no SASL.
  const carol = scramCredential("carol-secret", undefined, 4096, "sha512");
  await admin.alterScramCredentials({
    deletions: [],
    upsertions: [
      {
        user: "carol",
        mechanism: "SCRAM-SHA-512",
        iterations: carol.iterations,
        salt: carol.salt.toString("base64"),
        storedKey: carol.storedKey.toString("base64"),
        serverKey: carol.serverKey.toString("base64"),
      },
    ],
  });
  await brokerA.services.security!.refresh();
  assert.ok(brokerA.services.security!.scramCredential("carol", "SCRAM-SHA-512"), "the broker knows carol");
  const login = async (user: string, password: string) => {
    const connection = new KafkaClientConnection("127.0.0.1", brokerA.kafkaPort, {
      clientId: "login-test",
      connectTimeoutMs: 5_000,
    });
    return { connection, mechanism: authenticateIfRequired(connection, { user, password }, 5_000) };
  };
  for (const [user, password] of [
    ["carol", "carol-secret"],
    [INTER_BROKER_KAFKA_USER, "guessed"],
  ] as const) {
    const { connection, mechanism } = await login(user, password);
    await assert.rejects(mechanism, { name: "SaslAuthenticationError" }, user);
    connection.close();
  }
  // With the credential the control plane hands the cluster's brokers: logged in, and markers are authorized.
  const credential = await admin.interBrokerCredential();
  const { connection, mechanism } = await login(credential.user, credential.password);
  try {
    assert.equal(await mechanism, "SCRAM-SHA-512");
    const answer = await connection.request(
      ApiKey.WriteTxnMarkers,
      1,
      {
        markers: [
          {
            producerId: 999_999n,
            producerEpoch: 0,
            transactionResult: false,
            topics: [{ name: "ib-unknown", partitionIndexes: [0] }],
            coordinatorEpoch: 0,
          },
        ],
      },
      5_000,
    );
    const code = answer.markers[0]!.topics[0]!.partitions[0]!.errorCode;
    assert.notEqual(code, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  } finally {
    connection.close();
  }
});
