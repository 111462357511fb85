// A partition move whose target stays alive but never opens the partition, on real brokers: the target broker is
// frozen (SIGSTOP, no code path of its own) before a named move to it, so its lease is still valid when the
// source has closed and the control plane assigned it the partition. After MOVE_OPEN_TIMEOUT_MS the control plane
// fences it (a new leader epoch) and gives the partition back to its source; the operation fails with
// MOVES_ROLLED_BACK naming the move; the source serves again while the target is still frozen; once the target
// goes on, it does not take the partition back. An idempotent producer (acks=all) runs throughout: every record
// it got an ack for is read back exactly once, in order.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { produceCountingAcks, readWholeTopic } from "../harness/clients/acked-producer.ts";
import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

const TOPIC = "rolled-back";
const OPEN_TIMEOUT_MS = 2_000;

interface OperationView {
  status: string;
  error: { code: string; message: string } | null;
  moves: {
    from: number;
    to: number;
    state: string;
    requestedAt: number;
    assignedAt: number | null;
    rolledBackAt: number | null;
    rolledBackTo: number | null;
    failure: string | null;
  }[];
}

describe("a move whose target never opens is rolled back", { timeout: 180_000 }, () => {
  let cluster: StartedCluster;

  before(async () => {
    cluster = await startCluster({
      brokers: 2,
      // Only this test's move; the lease (10 s by default) outlasts the frozen target's rollback.
      env: { AUTO_REBALANCE_SETTLE_MS: "3600000", MOVE_OPEN_TIMEOUT_MS: String(OPEN_TIMEOUT_MS) },
    });
    await createTopicViaApi(cluster, TOPIC, 1);
  });
  after(() => cluster?.stop());

  test("fenced, given back to the source, reported, and no acknowledged record lost", async () => {
    const [source] = await partitionLeaders(cluster, TOPIC);
    const sourceBroker = cluster.brokers.find((b) => b.brokerId === source)!;
    const targetBroker = cluster.brokers.find((b) => b.brokerId !== source)!;
    assert.ok(sourceBroker && targetBroker?.pid, "two live brokers");

    let stop = false;
    let acked = 0;
    const production = produceCountingAcks({
      // The source only: a frozen broker must not be the one asked for metadata.
      bootstrap: `${sourceBroker.host}:${sourceBroker.port}`,
      topic: TOPIC,
      batch: 10,
      pauseMs: 20,
      keepGoing: (n) => {
        acked = n;
        return !stop;
      },
      timeoutMs: 120_000,
    });
    const ackedAtLeast = (n: number, what: string) =>
      waitFor(what, async () => (acked >= n ? true : undefined), 60_000);

    let frozen = false;
    try {
      await ackedAtLeast(100, "the producer to get going");
      process.kill(targetBroker.pid!, "SIGSTOP");
      frozen = true;
      const started = await cluster.api<{ id: string }>(
        "POST",
        `/v1/clusters/${cluster.clusterId}/partitions/moves`,
        { moves: [{ topic: TOPIC, partition: 0, to: targetBroker.brokerId }] },
      );
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const op = await waitFor(
        "the move's operation to finish",
        async () => {
          const view = (await cluster.api<OperationView>("GET", `/v1/operations/${started.body.id}`)).body;
          return view.status === "SUCCEEDED" || view.status === "FAILED" ? view : undefined;
        },
        30_000,
      );
      assert.equal(op.status, "FAILED", "not a silent success");
      assert.equal(op.error?.code, "MOVES_ROLLED_BACK");
      assert.match(op.error?.message ?? "", new RegExp(`1 of 1 moves rolled back: ${TOPIC}-0: broker`));
      assert.equal(op.moves.length, 1);
      assert.deepEqual([op.moves[0]!.state, op.moves[0]!.rolledBackTo], ["ROLLED_BACK", source]);
      assert.match(
        op.moves[0]!.failure ?? "",
        new RegExp(`did not open the partition within ${OPEN_TIMEOUT_MS} ms.*given back to its source`),
      );
      assert.deepEqual(await partitionLeaders(cluster, TOPIC), [source]);
      const move = op.moves[0]!;
      console.log(
        JSON.stringify({
          moveRollback: "target frozen",
          openTimeoutMs: OPEN_TIMEOUT_MS,
          requestedToAssignedMs: move.assignedAt! - move.requestedAt,
          assignedToRolledBackMs: move.rolledBackAt! - move.assignedAt!,
        }),
      );

      // Served again by the source while the target is still frozen.
      const rolledBackAt = acked;
      await ackedAtLeast(rolledBackAt + 200, "acks from the source while the target is frozen");
      process.kill(targetBroker.pid!, "SIGCONT");
      frozen = false;
      // The target goes on (its lease still valid): it does not take the partition back.
      const afterThaw = acked;
      await ackedAtLeast(afterThaw + 200, "acks after the target went on");
      assert.deepEqual(await partitionLeaders(cluster, TOPIC), [source]);
      const states = await cluster.api<{ items: { brokerId: number; state: string }[] }>(
        "GET",
        `/v1/clusters/${cluster.clusterId}/brokers`,
      );
      assert.equal(
        states.body.items.find((b) => b.brokerId === targetBroker.brokerId)?.state,
        "ACTIVE",
        "the target was alive all along (leased), not fenced as a broker",
      );
    } finally {
      if (frozen) process.kill(targetBroker.pid!, "SIGCONT");
      stop = true;
    }
    const { acked: ackedSet } = await production;
    const records = await readWholeTopic(bootstrapOf(cluster), TOPIC);
    const values = records.map((r) => Number(r.value));
    const seen = new Set<number>();
    const duplicates: number[] = [];
    for (const v of values) {
      if (seen.has(v)) duplicates.push(v);
      seen.add(v);
    }
    assert.deepEqual(duplicates, [], "no record twice");
    const missing = [...ackedSet].filter((v) => !seen.has(v));
    assert.deepEqual(missing, [], "every acknowledged record is there");
    assert.deepEqual(
      records.map((r) => r.offset),
      records.map((_, i) => BigInt(i)),
      "offsets 0..n-1",
    );
    const ackedInOrder = values.filter((v) => ackedSet.has(v));
    assert.deepEqual(
      ackedInOrder,
      [...ackedInOrder].sort((a, b) => a - b),
      "in the order they were sent",
    );
  });
});
