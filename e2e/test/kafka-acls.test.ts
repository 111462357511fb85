// Kafka's own security tools against a two-broker Cirrus cluster with the authorizer on (CIRRUS_AUTHORIZER_ENABLED,
// super user admin from CIRRUS_SASL_USERS): kafka-configs.sh creates a SCRAM user (the Java AdminClient sends
// AlterUserScramCredentials with a salted password) and describes it; kafka-acls.sh grants it READ/WRITE on a topic
// prefix and READ on a group prefix (--producer --consumer), lists and removes grants. The user, through kafkajs with SCRAM-SHA-512 on the
// OTHER broker, produces and consumes under the prefix, is refused elsewhere with TOPIC_AUTHORIZATION_FAILED, and
// is refused once kafka-acls.sh removed its WRITE grant.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";
import { eventually } from "../../apps/broker/test/helpers/broker-fixture.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";
import { KafkaTool, kafkaToolsSkipReason, runKafkaTool, type ToolResult } from "../harness/java-tools.ts";

const skip = kafkaToolsSkipReason();
const aclCommand = "kafka.admin.AclCommand";

let cluster: StartedCluster;
let workDir: string;
let adminConfig: string;

/** Runs a tool as the super user against broker `at` (index in the bootstrap list) and fails on a non-zero exit. */
async function tool(main: string, args: string[], at = 0): Promise<ToolResult> {
  const server = cluster.bootstrap.split(",")[at]!;
  const result = await runKafkaTool(main, [
    "--bootstrap-server",
    server,
    "--command-config",
    adminConfig,
    ...args,
  ]);
  assert.equal(
    result.code,
    0,
    `${main} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
  );
  return result;
}

const kafkaError = (error: unknown): string | undefined => {
  const e = error as { type?: string; cause?: { type?: string } };
  return e.type ?? e.cause?.type;
};

/** kafka-configs.sh on user alice's SCRAM credentials. */
const aliceConfigs = (...args: string[]) =>
  tool(KafkaTool.configs, [...args, "--entity-type", "users", "--entity-name", "alice"]);

describe("kafka-acls.sh and kafka-configs.sh (SCRAM users) against Cirrus", { skip }, () => {
  before(async () => {
    cluster = await startCluster({
      brokers: 2,
      env: {
        CIRRUS_SASL_MECHANISMS: "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
        CIRRUS_SASL_USERS: "admin:admin-secret",
        CIRRUS_AUTHORIZER_ENABLED: "true",
        CIRRUS_SUPER_USERS: "User:admin",
        CIRRUS_SECURITY_REFRESH_MS: "500",
      },
    });
    workDir = await mkdtemp(join(tmpdir(), "cirrus-kafka-acls-"));
    adminConfig = join(workDir, "admin.properties");
    await writeFile(
      adminConfig,
      [
        "security.protocol=SASL_PLAINTEXT",
        "sasl.mechanism=PLAIN",
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";',
      ].join("\n"),
    );
  });

  after(async () => {
    await cluster?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test("a SCRAM user and its grants, made by Kafka's tools, hold on every broker", {
    timeout: 240_000,
  }, async () => {
    assert.equal(cluster.bootstrap.split(",").length, 2, cluster.bootstrap);
    const added = await aliceConfigs(
      "--alter",
      "--add-config",
      "SCRAM-SHA-256=[iterations=8192,password=alice-pw],SCRAM-SHA-512=[password=alice-pw]",
    );
    assert.match(added.stdout, /Completed updating config for user alice/);
    const described = await aliceConfigs("--describe");
    assert.match(described.stdout, /SCRAM-SHA-256=iterations=8192/);
    assert.match(described.stdout, /SCRAM-SHA-512=iterations=4096/);

    await tool(KafkaTool.topics, ["--create", "--topic", "orders-eu", "--partitions", "2"]);
    await tool(KafkaTool.topics, ["--create", "--topic", "payments", "--partitions", "1"]);
    // --producer: WRITE, DESCRIBE, CREATE on the topics; --consumer: READ, DESCRIBE on them and READ on the group.
    await tool(aclCommand, [
      "--add",
      "--allow-principal",
      "User:alice",
      "--producer",
      "--consumer",
      "--topic",
      "orders-",
      "--group",
      "alice-",
      "--resource-pattern-type",
      "prefixed",
    ]);
    const listed = await tool(aclCommand, ["--list", "--principal", "User:alice"], 1);
    assert.match(listed.stdout, /ResourcePattern\(resourceType=TOPIC, name=orders-, patternType=PREFIXED\)/);
    assert.match(listed.stdout, /ResourcePattern\(resourceType=GROUP, name=alice-, patternType=PREFIXED\)/);
    assert.match(listed.stdout, /\(principal=User:alice, host=\*, operation=WRITE, permissionType=ALLOW\)/);

    // alice on the other broker than the one that stored her (both read the control plane's store).
    const sasl: SASLOptions = { mechanism: "scram-sha-512", username: "alice", password: "alice-pw" };
    const alice = new Kafka({
      clientId: "alice",
      brokers: [cluster.bootstrap.split(",")[1]!],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
      sasl,
    });
    const producer = alice.producer();
    await producer.connect();
    await eventually(
      async () => {
        try {
          await producer.send({
            topic: "orders-eu",
            messages: [
              { key: "k", value: "o1" },
              { key: "k", value: "o2" },
            ],
          });
          return true;
        } catch (error) {
          assert.equal(kafkaError(error), "TOPIC_AUTHORIZATION_FAILED");
          return false;
        }
      },
      10_000,
      "alice's grants on every broker",
    );
    await assert.rejects(producer.send({ topic: "payments", messages: [{ value: "p" }] }), (error) => {
      return kafkaError(error) === "TOPIC_AUTHORIZATION_FAILED";
    });

    const consumer = alice.consumer({ groupId: "alice-readers" });
    await consumer.connect();
    await consumer.subscribe({ topic: "orders-eu", fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(async () => seen.length >= 2, 60_000, "alice consumed orders-eu");
    assert.deepEqual(seen, ["o1", "o2"]);
    await consumer.disconnect();

    // A wrong password is refused (SCRAM proof checked against the stored StoredKey).
    const mallory = new Kafka({
      clientId: "mallory",
      brokers: [cluster.bootstrap.split(",")[0]!],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      // A fresh object: kafkajs caches an authenticator (with the right password) on the one it was given.
      sasl: { mechanism: "scram-sha-512", username: "alice", password: "wrong" },
    }).admin();
    await assert.rejects(mallory.connect(), (e: Error) =>
      /SASL|authentication/i.test(`${e.name} ${e.message}`),
    );

    await tool(aclCommand, [
      "--remove",
      "--force",
      "--allow-principal",
      "User:alice",
      "--operation",
      "Write",
      "--topic",
      "orders-",
      "--resource-pattern-type",
      "prefixed",
    ]);
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
      "produce refused once the grant was removed",
    );
    await producer.disconnect();

    const deleted = await aliceConfigs("--alter", "--delete-config", "SCRAM-SHA-512");
    assert.match(deleted.stdout, /Completed updating config for user alice/);
    const after512 = await aliceConfigs("--describe");
    assert.doesNotMatch(after512.stdout, /SCRAM-SHA-512/);
  });
});
