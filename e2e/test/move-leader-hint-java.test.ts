// KIP-951 with Kafka's own Java producer (3.9.1) across a partition move: the source's refusal
// (NOT_LEADER_OR_FOLLOWER) names the target and its endpoint, and the producer moves to the target on that alone —
// its Sender logs "leader was updated" for the partition (only logged when the refusal's currentLeader and
// nodeEndpoints updated its metadata), and its next Produce goes to the target. Java 3.9 still asks for Metadata
// in the background after the refusal; the point is that the retry does not wait for it.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";
import { compileKafkaJava, kafkaToolsSkipReason, spawnKafkaJava } from "../harness/java-tools.ts";

const skip = kafkaToolsSkipReason();
const source = fileURLToPath(new URL("../harness/java/MovingProducer.java", import.meta.url));
const TOPIC = "move-leader-hint-java";

let cluster: StartedCluster;
let classDir: string;
let producer: ChildProcess | undefined;

describe("a Java producer across a partition move (KIP-951)", { skip, timeout: 180_000 }, () => {
  before(async () => {
    classDir = await mkdtemp(join(tmpdir(), "cirrus-kip951-java-"));
    await compileKafkaJava([source], classDir);
    cluster = await startCluster({ brokers: 2, env: { AUTO_REBALANCE_SETTLE_MS: "3600000" } });
    await createTopicViaApi(cluster, TOPIC, 1);
  });
  after(async () => {
    producer?.kill("SIGKILL");
    await rm(classDir, { recursive: true, force: true });
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0);
  });

  test("moves to the target named by the refusal, its next Produce going there", async () => {
    const [sourceId] = await partitionLeaders(cluster, TOPIC);
    const targetId = cluster.brokers.find((b) => b.brokerId !== sourceId)!.brokerId;
    const child = spawnKafkaJava("MovingProducer", [bootstrapOf(cluster), TOPIC], classDir);
    producer = child;
    let acks = 0;
    let log = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      acks += chunk
        .toString()
        .split("\n")
        .filter((l) => l.startsWith("acked")).length;
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    await waitFor("the producer's first acks", async () => acks >= 5 || undefined, 60_000);
    const moved = await cluster.api("POST", `/v1/clusters/${cluster.clusterId}/partitions/moves`, {
      moves: [{ topic: TOPIC, partition: 0, to: targetId }],
    });
    assert.equal(moved.status, 202, JSON.stringify(moved.body));
    const updated = `For ${TOPIC}-0 leader was updated.`;
    await waitFor(
      "the producer taking the refusal's leader",
      async () => log.includes(updated) || undefined,
      60_000,
    );
    const ackedBefore = acks;
    await waitFor("acks after the move", async () => acks >= ackedBefore + 5 || undefined, 60_000);
    const lines = log.split("\n");
    const at = lines.findIndex((l) => l.includes(updated));
    const refusal = lines.slice(0, at).findLast((l) => l.includes("received error NOT_LEADER_OR_FOLLOWER"));
    assert.match(
      refusal ?? "",
      new RegExp(`leaderId=${targetId}, leaderEpoch=\\d+`),
      "the refusal named the target",
    );
    // NetworkClient: "Sending PRODUCE request with header ... to node <id>: ..."
    const nextProduce = lines.slice(at).find((l) => /Sending PRODUCE request/.test(l));
    assert.match(nextProduce ?? "", new RegExp(`to node ${targetId}\\b`), "the retry went to the target");
  });
});
