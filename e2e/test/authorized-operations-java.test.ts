// KIP-430 with Apache Kafka's own Java AdminClient (3.9.1, harness/java/AuthorizedOperations.java) against a
// Cirrus cluster with the authorizer on: user bob, granted READ on the topics `orders-*`, DESCRIBE_CONFIGS on
// orders-eu, READ on the groups `bob-*`, DESCRIBE and IDEMPOTENT_WRITE on the cluster, sees exactly those
// operations (and the DESCRIBE that READ implies) in describeTopics (its DescribeTopicPartitions request),
// describeCluster (its DescribeCluster request) and describeConsumerGroups, and none when it does not ask for them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import kafkajs, { Kafka, logLevel } from "kafkajs";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";
import { kafkaToolsSkipReason, runKafkaTool } from "../harness/java-tools.ts";

// kafkajs' enums live on its CommonJS default export only.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const skip = kafkaToolsSkipReason();
const program = fileURLToPath(new URL("../harness/java/AuthorizedOperations.java", import.meta.url));

let cluster: StartedCluster;

const grant = (
  resourceType: number,
  resourceName: string,
  resourcePatternType: number,
  operation: number,
) => ({
  resourceType,
  resourceName,
  resourcePatternType,
  principal: "User:bob",
  host: "*",
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

describe("authorized operations through Kafka's Java AdminClient", { skip }, () => {
  before(async () => {
    cluster = await startCluster({
      brokers: 1,
      env: {
        CIRRUS_SASL_MECHANISMS: "PLAIN",
        CIRRUS_SASL_USERS: "admin:admin-secret,bob:bob-secret",
        CIRRUS_AUTHORIZER_ENABLED: "true",
        CIRRUS_SUPER_USERS: "User:admin",
        CIRRUS_SECURITY_REFRESH_MS: "500",
      },
    });
  });

  after(async () => {
    await cluster?.stop();
  });

  test("describeTopics, describeCluster and describeConsumerGroups report bob's exact operations", {
    timeout: 180_000,
  }, async () => {
    const admin = new Kafka({
      clientId: "authops-admin",
      brokers: cluster.bootstrap.split(","),
      logLevel: logLevel.NOTHING,
      retry: { retries: 8 },
      sasl: { mechanism: "plain", username: "admin", password: "admin-secret" },
    }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: "orders-eu", numPartitions: 1 }], waitForLeaders: true });
      await admin.createAcls({
        acl: [
          grant(AclResourceTypes.TOPIC, "orders-", ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
          grant(
            AclResourceTypes.TOPIC,
            "orders-eu",
            ResourcePatternTypes.LITERAL,
            AclOperationTypes.DESCRIBE_CONFIGS,
          ),
          grant(AclResourceTypes.GROUP, "bob-", ResourcePatternTypes.PREFIXED, AclOperationTypes.READ),
          grant(
            AclResourceTypes.CLUSTER,
            "kafka-cluster",
            ResourcePatternTypes.LITERAL,
            AclOperationTypes.DESCRIBE,
          ),
          grant(
            AclResourceTypes.CLUSTER,
            "kafka-cluster",
            ResourcePatternTypes.LITERAL,
            AclOperationTypes.IDEMPOTENT_WRITE,
          ),
        ],
      });
    } finally {
      await admin.disconnect();
    }

    const result = await runKafkaTool(
      program,
      [cluster.bootstrap, "bob", "bob-secret", "orders-eu", "bob-readers"],
      { timeoutMs: 120_000 },
    );
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const lines = result.stdout.trim().split("\n");
    assert.deepEqual(lines, [
      "topic orders-eu DESCRIBE,DESCRIBE_CONFIGS,READ",
      "topic-unasked orders-eu null",
      "cluster DESCRIBE,IDEMPOTENT_WRITE",
      "cluster-unasked null",
      "group bob-readers DESCRIBE,READ",
    ]);
  });
});
