// Apache Kafka 3.9.1's own kafka-reassign-partitions (ReassignPartitionsCommand: Admin.alterPartitionReassignments,
// listPartitionReassignments, describeTopics) against a two-broker Cirrus cluster: --execute moves a partition to
// the one broker its replica list names (through the control plane's move executor), --verify reports it done,
// the partition's leader is that broker, and every record written before and after the move is read back once,
// in order. A replica list of two brokers is refused with the reason.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import { readWholeTopic } from "../harness/clients/acked-producer.ts";
import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";
import { KafkaTool, kafkaToolsSkipReason, runKafkaTool, type ToolResult } from "../harness/java-tools.ts";

const skip = kafkaToolsSkipReason();
const TOPIC = "reassigned";
const PER_PARTITION = 300;

let cluster: StartedCluster;
let workDir: string;

async function reassign(mode: "--execute" | "--verify", plan: object): Promise<ToolResult> {
  const file = join(workDir, `plan-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(plan));
  return runKafkaTool(KafkaTool.reassignPartitions, [
    "--bootstrap-server",
    bootstrapOf(cluster),
    mode,
    "--reassignment-json-file",
    file,
  ]);
}

/** Writes `count` records to each partition, values `${label}-${partition}-${i}`, acks=all. */
async function produce(label: string, count: number): Promise<void> {
  const kafka = new Kafka({
    clientId: "reassign-test",
    brokers: bootstrapOf(cluster).split(","),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ idempotent: true, retry: { retries: 10 } });
  await producer.connect();
  try {
    for (const partition of [0, 1]) {
      await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: Array.from({ length: count }, (_, i) => ({
          partition,
          value: `${label}-${partition}-${i}`,
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

describe("kafka-reassign-partitions against Cirrus", { skip, timeout: 240_000 }, () => {
  before(async () => {
    // Only this test's move: the automatic balancer would otherwise even out the partition counts it skews.
    cluster = await startCluster({ brokers: 2, env: { AUTO_REBALANCE_SETTLE_MS: "3600000" } });
    workDir = await mkdtemp(join(tmpdir(), "cirrus-reassign-"));
    await createTopicViaApi(cluster, TOPIC, 2);
  });
  after(async () => {
    await cluster?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test("--execute moves a partition to the broker named, --verify sees it done, no record is lost", async () => {
    await produce("before", PER_PARTITION);
    const [leader0, leader1] = await partitionLeaders(cluster, TOPIC);
    const target = cluster.brokers.map((b) => b.brokerId).find((id) => id !== leader0)!;
    assert.ok(target !== undefined && leader1 !== undefined);
    const plan = {
      version: 1,
      partitions: [
        { topic: TOPIC, partition: 0, replicas: [target], log_dirs: ["any"] },
        // Where it is already: nothing to do, as Kafka answers a reassignment to the current replicas.
        { topic: TOPIC, partition: 1, replicas: [leader1], log_dirs: ["any"] },
      ],
    };

    const executed = await reassign("--execute", plan);
    const output = `${executed.stdout}\n${executed.stderr}`;
    assert.equal(executed.code, 0, output);
    assert.match(executed.stdout, /Current partition replica assignment/, output);
    assert.match(
      executed.stdout,
      new RegExp(`"replicas":\\[${leader0}\\]`),
      "the rollback plan names the old leader",
    );
    assert.match(
      executed.stdout,
      new RegExp(`Successfully started partition reassignments? for ${TOPIC}-0`),
      output,
    );

    let lastVerify = "";
    await waitFor(
      "kafka-reassign-partitions --verify to report the move done",
      async () => {
        const verified = await reassign("--verify", plan);
        lastVerify = `exit ${verified.code}\n${verified.stdout}\n${verified.stderr}`;
        assert.equal(verified.code, 0, lastVerify);
        const done = [0, 1].every((p) =>
          new RegExp(`Reassignment of partition ${TOPIC}-${p} is completed`).test(verified.stdout),
        );
        return done ? true : undefined;
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the last --verify said:\n${lastVerify}`);
    });
    assert.deepEqual(await partitionLeaders(cluster, TOPIC), [target, leader1]);

    await produce("after", PER_PARTITION);
    const records = await readWholeTopic(bootstrapOf(cluster), TOPIC);
    for (const partition of [0, 1]) {
      const values = records.filter((r) => r.partition === partition).map((r) => r.value);
      const expected = ["before", "after"].flatMap((label) =>
        Array.from({ length: PER_PARTITION }, (_, i) => `${label}-${partition}-${i}`),
      );
      assert.deepEqual(values, expected, `partition ${partition}: every record once, in order`);
      const offsets = records.filter((r) => r.partition === partition).map((r) => r.offset);
      assert.deepEqual(
        offsets,
        expected.map((_, i) => BigInt(i)),
        `partition ${partition}: offsets 0..n-1`,
      );
    }
  });

  test("--execute refuses a replica list of two brokers, saying Cirrus keeps one replica", async () => {
    const ids = cluster.brokers.map((b) => b.brokerId);
    const refused = await reassign("--execute", {
      version: 1,
      partitions: [{ topic: TOPIC, partition: 1, replicas: ids, log_dirs: ids.map(() => "any") }],
    });
    const output = `${refused.stdout}\n${refused.stderr}`;
    assert.notEqual(refused.code, 0, output);
    assert.match(output, /Error reassigning partition\(s\):\s+reassigned-1: /, output);
    assert.match(output, /one replica per partition/, output);
  });
});
