// Apache Kafka's own command-line tools (3.9.1, the Java AdminClient/consumer behind kafka-topics.sh,
// kafka-configs.sh, kafka-consumer-groups.sh, kafka-delete-records.sh, kafka-get-offsets.sh,
// kafka-transactions.sh, kafka-console-consumer.sh) and a Java transactional producer (harness/java/
// TransactionalProducer.java) against a real Cirrus cluster, asserting on their output.
// Each tool call starts a JVM (~1-4 s on a loaded machine), so calls are few and each one checks a lot.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, type Producer } from "kafkajs";
import { kafkaRequestsServed } from "../harness/broker-metrics.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";
import { KafkaTool, kafkaToolsSkipReason, runKafkaTool, type ToolResult } from "../harness/java-tools.ts";

const skip = kafkaToolsSkipReason();
const transactionalProducerSource = fileURLToPath(
  new URL("../harness/java/TransactionalProducer.java", import.meta.url),
);
const MINUTE = 60_000;

let cluster: StartedCluster;
let kafka: Kafka;
let workDir: string;
const closers: (() => Promise<void>)[] = [];

/** Runs a tool against the cluster and fails with its whole output when it exits non-zero. */
async function tool(main: KafkaTool, args: string[], input?: string): Promise<ToolResult> {
  const result = await runKafkaTool(main, ["--bootstrap-server", cluster.bootstrap, ...args], { input });
  assert.equal(
    result.code,
    0,
    `${main} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
  );
  return result;
}

async function producer(options: Parameters<Kafka["producer"]>[0] = {}): Promise<Producer> {
  const p = kafka.producer(options);
  await p.connect();
  closers.push(() => p.disconnect());
  return p;
}

/** Earliest (-2) or latest (-1) offset of each partition of `topic`, by kafka-get-offsets. */
async function offsets(topic: string, time: -1 | -2): Promise<Map<number, number>> {
  const { stdout } = await tool(KafkaTool.getOffsets, ["--topic", topic, "--time", String(time)]);
  const out = new Map<number, number>();
  for (const line of stdout.trim().split("\n")) {
    const [, partition, offset] = line.split(":");
    out.set(Number(partition), Number(offset));
  }
  return out;
}

describe("Apache Kafka's command-line tools against Cirrus", { skip }, () => {
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
    kafka = new Kafka({
      clientId: "kafka-tools-test",
      brokers: cluster.bootstrap.split(","),
      logLevel: logLevel.NOTHING,
    });
    workDir = await mkdtemp(join(tmpdir(), "cirrus-kafka-tools-"));
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await cluster?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test("kafka-topics creates, lists, describes and deletes a topic", async () => {
    const created = await tool(KafkaTool.topics, ["--create", "--topic", "tools-topic", "--partitions", "3"]);
    assert.match(created.stdout, /Created topic tools-topic\./);

    const listed = await tool(KafkaTool.topics, ["--list"]);
    assert.ok(listed.stdout.split("\n").includes("tools-topic"), listed.stdout);

    // Kafka 3.7+ describes through DescribeTopicPartitions (API 75), here one partition per answer: three
    // requests, as the broker counts them. Only that API carries ELR lists (through Metadata, "Elr: N/A").
    const pagesBefore = await kafkaRequestsServed(cluster, "DescribeTopicPartitions");
    const described = await tool(KafkaTool.topics, [
      "--describe",
      "--topic",
      "tools-topic",
      "--partition-size-limit-per-response",
      "1",
    ]);
    assert.match(
      described.stdout,
      /Topic: tools-topic\tTopicId: \S{22}\tPartitionCount: 3\tReplicationFactor: 1/,
    );
    for (const p of [0, 1, 2])
      assert.match(
        described.stdout,
        new RegExp(
          `Partition: ${p}\\tLeader: (\\d+)\\tReplicas: \\1\\tIsr: \\1\\tElr: \\tLastKnownElr: $`,
          "m",
        ),
      );
    assert.equal((await kafkaRequestsServed(cluster, "DescribeTopicPartitions")) - pagesBefore, 3);

    const duplicate = await runKafkaTool(KafkaTool.topics, [
      "--bootstrap-server",
      cluster.bootstrap,
      "--create",
      "--topic",
      "tools-topic",
      "--partitions",
      "1",
    ]);
    assert.notEqual(duplicate.code, 0);
    assert.match(duplicate.stdout + duplicate.stderr, /TopicExistsException|already exists/);

    await tool(KafkaTool.topics, ["--delete", "--topic", "tools-topic"]);
    const afterDelete = await tool(KafkaTool.topics, ["--list"]);
    assert.ok(!afterDelete.stdout.split("\n").includes("tools-topic"), afterDelete.stdout);
  });

  test("kafka-broker-api-versions shows each broker's zone as its rack, and DescribeTopicPartitions v0", async () => {
    const brokers = await cluster.api<{ items: { brokerId: number; zone: string; state: string }[] }>(
      "GET",
      `/v1/clusters/${cluster.clusterId}/brokers`,
    );
    const { stdout } = await tool(KafkaTool.brokerApiVersions, []);
    for (const { brokerId, zone } of brokers.body.items.filter((b) => b.state === "ACTIVE"))
      assert.match(stdout, new RegExp(`\\(id: ${brokerId} rack: ${zone}\\) ->`));
    assert.match(stdout, /DescribeTopicPartitions\(75\): 0 \[usable: 0\]/);
  });

  test("kafka-configs alters a topic config and describes it back; a bad value is refused", async () => {
    await tool(KafkaTool.topics, ["--create", "--topic", "tools-configs", "--partitions", "1"]);
    const altered = await tool(KafkaTool.configs, [
      "--entity-type",
      "topics",
      "--entity-name",
      "tools-configs",
      "--alter",
      "--add-config",
      "retention.ms=123456,cleanup.policy=delete",
    ]);
    assert.match(altered.stdout, /Completed updating config for topic tools-configs\./);

    const described = await tool(KafkaTool.configs, [
      "--entity-type",
      "topics",
      "--entity-name",
      "tools-configs",
      "--describe",
    ]);
    assert.match(described.stdout, /Dynamic configs for topic tools-configs are:/);
    assert.match(
      described.stdout,
      /retention\.ms=123456 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=123456/,
    );

    const bad = await runKafkaTool(KafkaTool.configs, [
      "--bootstrap-server",
      cluster.bootstrap,
      "--entity-type",
      "topics",
      "--entity-name",
      "tools-configs",
      "--alter",
      "--add-config",
      "retention.ms=not-a-number",
    ]);
    assert.notEqual(bad.code, 0, bad.stdout);
    assert.match(
      bad.stdout + bad.stderr,
      /InvalidConfigurationException|InvalidRequestException|Invalid value/,
    );
  });

  test("kafka-consumer-groups lists, describes and resets a group to a datetime; kafka-delete-records moves the start", async () => {
    await tool(KafkaTool.topics, ["--create", "--topic", "tools-data", "--partitions", "1"]);
    // Ten records one minute apart, ending a minute ago: the 4th one (offset 3) is the first at or after t0 + 3 min.
    const t0 = Date.now() - 11 * MINUTE;
    const p = await producer();
    await p.send({
      topic: "tools-data",
      messages: Array.from({ length: 10 }, (_, i) => ({
        value: `v${i}`,
        timestamp: String(t0 + i * MINUTE),
      })),
    });

    // The Java consumer reads all ten in group tools-group and commits.
    const consumed = await tool(KafkaTool.consoleConsumer, [
      "--topic",
      "tools-data",
      "--group",
      "tools-group",
      "--from-beginning",
      "--max-messages",
      "10",
      "--timeout-ms",
      "30000",
    ]);
    assert.deepEqual(
      consumed.stdout.trim().split("\n"),
      Array.from({ length: 10 }, (_, i) => `v${i}`),
    );

    const listed = await tool(KafkaTool.consumerGroups, ["--list"]);
    assert.ok(listed.stdout.split("\n").includes("tools-group"), listed.stdout);

    const described = await tool(KafkaTool.consumerGroups, ["--describe", "--group", "tools-group"]);
    assert.match(described.stdout, /tools-group\s+tools-data\s+0\s+10\s+10\s+0\s/);

    const at = new Date(t0 + 3 * MINUTE).toISOString().replace(/Z$/, "");
    const reset = await runKafkaTool(
      KafkaTool.consumerGroups,
      [
        "--bootstrap-server",
        cluster.bootstrap,
        "--group",
        "tools-group",
        "--topic",
        "tools-data",
        "--reset-offsets",
        "--to-datetime",
        at,
        "--execute",
      ],
      { timeoutMs: 60_000 },
    );
    assert.equal(reset.code, 0, reset.stdout + reset.stderr);
    assert.match(reset.stdout, /tools-group\s+tools-data\s+0\s+3\s/);
    const afterReset = await tool(KafkaTool.consumerGroups, ["--describe", "--group", "tools-group"]);
    assert.match(afterReset.stdout, /tools-group\s+tools-data\s+0\s+3\s+10\s+7\s/);

    const offsetsFile = join(workDir, "delete-records.json");
    await writeFile(
      offsetsFile,
      JSON.stringify({ version: 1, partitions: [{ topic: "tools-data", partition: 0, offset: 4 }] }),
    );
    const deleted = await tool(KafkaTool.deleteRecords, ["--offset-json-file", offsetsFile]);
    assert.match(deleted.stdout, /partition: tools-data-0\s+low_watermark: 4/);
    assert.deepEqual([...(await offsets("tools-data", -2))], [[0, 4]]);
    assert.deepEqual([...(await offsets("tools-data", -1))], [[0, 10]]);
  });

  test("kafka-transactions lists and describes an open transaction; read_committed console consumer sees only committed records", async () => {
    await tool(KafkaTool.topics, ["--create", "--topic", "tools-txn", "--partitions", "1"]);
    const txProducer = await producer({
      transactionalId: "tools-tx",
      idempotent: true,
      maxInFlightRequests: 1,
    });

    const committed = await txProducer.transaction();
    await committed.send({
      topic: "tools-txn",
      messages: [{ value: "committed-1" }, { value: "committed-2" }],
    });
    await committed.commit();

    const aborted = await txProducer.transaction();
    await aborted.send({ topic: "tools-txn", messages: [{ value: "aborted-1" }] });
    await aborted.abort();

    const open = await txProducer.transaction();
    await open.send({ topic: "tools-txn", messages: [{ value: "open-1" }] });

    const listed = await tool(KafkaTool.transactions, ["list"]);
    assert.match(listed.stdout, /TransactionalId\s+Coordinator\s+ProducerId\s+TransactionState/);
    assert.match(listed.stdout, /tools-tx\s+\d+\s+\d+\s+Ongoing/);

    const described = await tool(KafkaTool.transactions, ["describe", "--transactional-id", "tools-tx"]);
    // CoordinatorId TransactionalId ProducerId ProducerEpoch TransactionState TransactionTimeoutMs
    // CurrentTransactionStartTimeMs TransactionDurationMs TopicPartitions
    const row = described.stdout.match(
      /\d+\s+tools-tx\s+\d+\s+\d+\s+Ongoing\s+60000\s+(\d+)\s+\d+\s+tools-txn-0\s/,
    );
    assert.ok(row, described.stdout);
    const startedAgo = Date.now() - Number(row[1]);
    assert.ok(startedAgo >= 0 && startedAgo < 60_000, `transaction start ${row[1]} is ${startedAgo} ms ago`);

    await open.commit();
    const readCommitted = await tool(KafkaTool.consoleConsumer, [
      "--topic",
      "tools-txn",
      "--from-beginning",
      "--isolation-level",
      "read_committed",
      "--max-messages",
      "3",
      "--timeout-ms",
      "30000",
    ]);
    assert.deepEqual(readCommitted.stdout.trim().split("\n"), ["committed-1", "committed-2", "open-1"]);
  });
  test("a Java transactional producer's committed records are read by read_committed consumers, its aborted ones only by read_uncommitted ones", async () => {
    await tool(KafkaTool.topics, ["--create", "--topic", "tools-java-txn", "--partitions", "1"]);
    // Each run: a transaction of `count` records that commits, then one that aborts (harness/java/TransactionalProducer.java).
    for (const [prefix, count] of [
      ["a", 5],
      ["b", 1],
    ] as const) {
      const run = await runKafkaTool(transactionalProducerSource, [
        cluster.bootstrap,
        "tools-java-txn",
        "tools-java-tx",
        prefix,
        String(count),
      ]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.stdout, `committed ${count}\naborted ${count}\n`);
    }
    const committed = [
      "a-committed-0",
      "a-committed-1",
      "a-committed-2",
      "a-committed-3",
      "a-committed-4",
      "b-committed-0",
    ];
    const readCommitted = await tool(KafkaTool.consoleConsumer, [
      "--topic",
      "tools-java-txn",
      "--from-beginning",
      "--isolation-level",
      "read_committed",
      "--max-messages",
      "6",
      "--timeout-ms",
      "30000",
    ]);
    assert.deepEqual(readCommitted.stdout.trim().split("\n"), committed);

    const readUncommitted = await tool(KafkaTool.consoleConsumer, [
      "--topic",
      "tools-java-txn",
      "--from-beginning",
      "--max-messages",
      "12",
      "--timeout-ms",
      "30000",
    ]);
    assert.deepEqual(readUncommitted.stdout.trim().split("\n"), [
      ...committed.slice(0, 5),
      "a-aborted-0",
      "a-aborted-1",
      "a-aborted-2",
      "a-aborted-3",
      "a-aborted-4",
      "b-committed-0",
      "b-aborted-0",
    ]);
  });
});
