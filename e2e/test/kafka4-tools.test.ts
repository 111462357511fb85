// Apache Kafka 4.4.0's own command-line tools and Java client (harness/java/kafka4/pom.xml) against one two-broker
// Cirrus cluster: the core of what the 3.9.1 tests do (kafka-tools, kafka-reassign, exactly-once-java), with
// the clients that dropped the old protocol versions (KIP-896) and tools that use newer Admin APIs.
// kafka-topics, kafka-configs, the console producer and consumer (read_committed too), kafka-consumer-groups
// (describe, reset, delete), a Java transactional producer, Admin.describeCluster, and kafka-reassign-partitions,
// whose 4.x --execute reads DescribeLogDirs and whose rollback plan needs AlterReplicaLogDirs.
// Each tool call starts a JVM, so calls are few and each one checks a lot.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { bootstrapOf, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";
import {
  KafkaTool,
  kafka4,
  kafkaToolsSkipReason,
  runKafkaTool,
  type ToolResult,
} from "../harness/java-tools.ts";

const skip = kafkaToolsSkipReason(kafka4);
const javaSource = (name: string) => fileURLToPath(new URL(`../harness/java/${name}.java`, import.meta.url));

let cluster: StartedCluster;
let workDir: string;

/** Runs a 4.4 tool (or Java program) with `args` after the bootstrap; the whole output goes into assertions. */
function run4(tool: string, args: string[], input?: string): Promise<ToolResult> {
  return runKafkaTool(tool, ["--bootstrap-server", bootstrapOf(cluster), ...args], {
    input,
    release: kafka4,
  });
}

const outputOf = (r: ToolResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** Runs a 4.4 tool and fails with its whole output when it exits non-zero. */
async function tool(main: KafkaTool, args: string[], input?: string): Promise<ToolResult> {
  const result = await run4(main, args, input);
  assert.equal(result.code, 0, `${main} ${args.join(" ")}: ${outputOf(result)}`);
  return result;
}

const lines = (r: ToolResult) => r.stdout.trim().split("\n");

async function reassign(mode: "--execute" | "--verify", plan: object): Promise<ToolResult> {
  const file = join(workDir, `plan-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(plan));
  return run4(KafkaTool.reassignPartitions, [mode, "--reassignment-json-file", file]);
}

describe("Apache Kafka 4.4's tools and Java client against Cirrus", { skip, timeout: 300_000 }, () => {
  before(async () => {
    // Only the tests' own moves: the automatic balancer would otherwise even out what reassignment skews.
    cluster = await startCluster({ brokers: 2, env: { AUTO_REBALANCE_SETTLE_MS: "3600000" } });
    workDir = await mkdtemp(join(tmpdir(), "cirrus-kafka4-"));
  });

  after(async () => {
    await cluster?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test("kafka-topics creates, adds partitions and describes; fewer partitions are refused; Admin.describeCluster sees both brokers", async () => {
    const created = await tool(KafkaTool.topics, ["--create", "--topic", "k4-topic", "--partitions", "2"]);
    assert.match(created.stdout, /Created topic k4-topic\./);
    await tool(KafkaTool.topics, ["--alter", "--topic", "k4-topic", "--partitions", "3"]);
    // 4.x asks DescribeTopicPartitions first and falls back to Metadata where it is not served.
    const described = await tool(KafkaTool.topics, ["--describe", "--topic", "k4-topic"]);
    assert.match(
      described.stdout,
      /Topic: k4-topic\tTopicId: \S{22}\tPartitionCount: 3\tReplicationFactor: 1/,
    );
    const ids = cluster.brokers.map((b) => b.brokerId);
    for (const p of [0, 1, 2]) {
      const row = new RegExp(`Partition: ${p}\\tLeader: (\\d+)\\tReplicas: (\\d+)\\tIsr: (\\d+)`).exec(
        described.stdout,
      );
      assert.ok(row, described.stdout);
      assert.ok(ids.includes(Number(row[1])), `partition ${p} led by a broker of the cluster`);
      assert.equal(row[2], row[1]);
    }

    const fewer = await run4(KafkaTool.topics, ["--alter", "--topic", "k4-topic", "--partitions", "1"]);
    assert.notEqual(fewer.code, 0, outputOf(fewer));
    assert.match(fewer.stdout + fewer.stderr, /InvalidPartitionsException/);

    const admin = await runKafkaTool(javaSource("DescribeCluster"), [bootstrapOf(cluster)], {
      release: kafka4,
    });
    assert.equal(admin.code, 0, outputOf(admin));
    const [clusterLine, controllerLine, ...nodeLines] = lines(admin);
    assert.equal(clusterLine, `cluster ${cluster.clusterId}`);
    assert.ok(ids.includes(Number(controllerLine?.replace("controller ", ""))), admin.stdout);
    assert.deepEqual(
      nodeLines,
      [...cluster.brokers]
        .sort((a, b) => a.brokerId - b.brokerId)
        .map((b) => `node ${b.brokerId} ${b.host}:${b.port}`),
    );
  });

  test("kafka-configs alters a topic config and describes it back; a bad value is refused", async () => {
    await tool(KafkaTool.topics, ["--create", "--topic", "k4-configs", "--partitions", "1"]);
    const entity = ["--entity-type", "topics", "--entity-name", "k4-configs"];
    const altered = await tool(KafkaTool.configs, [
      ...entity,
      "--alter",
      "--add-config",
      "retention.ms=123456,cleanup.policy=delete",
    ]);
    assert.match(altered.stdout, /Completed updating config for topic k4-configs\./);
    const described = await tool(KafkaTool.configs, [...entity, "--describe"]);
    assert.match(described.stdout, /Dynamic configs for topic k4-configs are:/);
    assert.match(
      described.stdout,
      /retention\.ms=123456 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=123456/,
    );
    const bad = await run4(KafkaTool.configs, [...entity, "--alter", "--add-config", "retention.ms=soon"]);
    assert.notEqual(bad.code, 0, outputOf(bad));
    assert.match(bad.stdout + bad.stderr, /InvalidConfigurationException: Invalid value soon/);
  });

  test("console producer and consumer in a group; kafka-consumer-groups describes, resets and deletes it; kafka-reassign-partitions moves the partition and back, every record kept", async () => {
    await tool(KafkaTool.topics, ["--create", "--topic", "k4-data", "--partitions", "1"]);
    const values = Array.from({ length: 5 }, (_, i) => `v${i}`);
    await tool(KafkaTool.consoleProducer, ["--topic", "k4-data"], `${values.join("\n")}\n`);
    const consume = (extra: string[]) =>
      tool(KafkaTool.consoleConsumer, [
        "--topic",
        "k4-data",
        "--from-beginning",
        "--max-messages",
        "5",
        "--timeout-ms",
        "30000",
        ...extra,
      ]);
    assert.deepEqual(lines(await consume(["--group", "k4-group"])), values);

    const group = ["--group", "k4-group"];
    const described = await tool(KafkaTool.consumerGroups, ["--describe", ...group]);
    assert.match(described.stdout, /k4-group\s+k4-data\s+0\s+5\s+5\s+0\s/);
    const reset = await tool(KafkaTool.consumerGroups, [
      ...group,
      "--topic",
      "k4-data",
      "--reset-offsets",
      "--to-offset",
      "2",
      "--execute",
    ]);
    assert.match(reset.stdout, /k4-group\s+k4-data\s+0\s+2\s/);
    const afterReset = await tool(KafkaTool.consumerGroups, ["--describe", ...group]);
    assert.match(afterReset.stdout, /k4-group\s+k4-data\s+0\s+2\s+5\s+3\s/);
    const deleted = await tool(KafkaTool.consumerGroups, ["--delete", ...group]);
    assert.match(deleted.stdout, /Deletion of requested consumer groups \('k4-group'\) was successful\./);
    const listed = await tool(KafkaTool.consumerGroups, ["--list"]);
    assert.ok(!lines(listed).includes("k4-group"), listed.stdout);

    // Move k4-data-0 to the other broker; the plan 4.x prints for a rollback names the log dirs
    // (DescribeLogDirs), so running it sends AlterReplicaLogDirs as well.
    const [from] = await partitionLeaders(cluster, "k4-data");
    const to = cluster.brokers.map((b) => b.brokerId).find((id) => id !== from)!;
    const executed = await reassign("--execute", {
      version: 1,
      partitions: [{ topic: "k4-data", partition: 0, replicas: [to], log_dirs: ["any"] }],
    });
    assert.equal(executed.code, 0, outputOf(executed));
    assert.match(executed.stdout, /Successfully started partition reassignment for k4-data-0/);
    const rollback = JSON.parse(executed.stdout.split("\n").find((l) => l.startsWith('{"version":1'))!) as {
      partitions: { replicas: number[]; log_dirs: string[] }[];
    };
    assert.deepEqual(rollback.partitions[0]?.replicas, [from]);
    assert.match(rollback.partitions[0]?.log_dirs[0] ?? "", /^\//, "the old leader's log dir, a path");

    const verified = async (plan: object, expected: RegExp[]) => {
      let last = "";
      await waitFor(
        "kafka-reassign-partitions --verify to report the move done",
        async () => {
          const v = await reassign("--verify", plan);
          last = outputOf(v);
          return v.code === 0 && expected.every((re) => re.test(v.stdout)) ? true : undefined;
        },
        60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the last --verify said:\n${last}`);
      });
    };
    await verified(
      { version: 1, partitions: [{ topic: "k4-data", partition: 0, replicas: [to], log_dirs: ["any"] }] },
      [/Reassignment of partition k4-data-0 is completed/],
    );
    assert.deepEqual(await partitionLeaders(cluster, "k4-data"), [to]);

    const back = await reassign("--execute", rollback);
    assert.equal(back.code, 0, outputOf(back));
    assert.match(
      back.stdout,
      /Successfully started moving log directory to \/\S+ for replica k4-data-0 with broker/,
    );
    await verified(rollback, [
      /Reassignment of partition k4-data-0 is completed/,
      new RegExp(`Reassignment of replica k4-data-0-${from} completed successfully`),
    ]);
    assert.deepEqual(await partitionLeaders(cluster, "k4-data"), [from]);
    assert.deepEqual(lines(await consume([])), values, "every record after two moves");
  });

  test("a 4.4 Java transactional producer: read_committed consumers see its committed records only, read_uncommitted ones the aborted too", async () => {
    await tool(KafkaTool.topics, ["--create", "--topic", "k4-txn", "--partitions", "1"]);
    // Two runs, so a committed record follows aborted ones: read_committed must skip them to reach it.
    for (const [prefix, count] of [
      ["a", 3],
      ["b", 1],
    ] as const) {
      const producer = await runKafkaTool(
        javaSource("TransactionalProducer"),
        [bootstrapOf(cluster), "k4-txn", "k4-tx", prefix, String(count)],
        { release: kafka4 },
      );
      assert.equal(producer.code, 0, outputOf(producer));
      assert.equal(producer.stdout, `committed ${count}\naborted ${count}\n`);
    }
    const consume = (count: number, extra: string[]) =>
      tool(KafkaTool.consoleConsumer, [
        "--topic",
        "k4-txn",
        "--from-beginning",
        "--max-messages",
        String(count),
        "--timeout-ms",
        "30000",
        ...extra,
      ]);
    const committed = ["a-committed-0", "a-committed-1", "a-committed-2"];
    const aborted = ["a-aborted-0", "a-aborted-1", "a-aborted-2"];
    assert.deepEqual(lines(await consume(4, ["--isolation-level", "read_committed"])), [
      ...committed,
      "b-committed-0",
    ]);
    assert.deepEqual(lines(await consume(8, [])), [...committed, ...aborted, "b-committed-0", "b-aborted-0"]);
  });
});
