// Failover on the whole system (control plane + 3 local-provider brokers, real processes): a broker is killed
// with SIGKILL while an idempotent producer (acks=all) writes. The lease expires, the broker is fenced, its WAL
// volume is attached to a healthy broker in its zone (the fleet's replacement), replayed into object storage,
// and its partitions get a new leader. Every acknowledged record must then be read back exactly once, in order.
// Prints the time from the kill to every partition being led by a live broker again, and to the first ack after.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { produceCountingAcks, readWholeTopic } from "../harness/clients/acked-producer.ts";
import {
  bootstrapOf,
  createTopicViaApi,
  partitionLeaders,
  waitForLeaders,
} from "../harness/clients/cluster-topics.ts";
import { verifyConsumed } from "../harness/clients/workload.ts";
import { type StartedCluster, startCluster } from "../harness/cluster.ts";

const PARTITIONS = 6;
const BATCH = 200;
const KILL_AFTER = 4_000;
const AFTER_RECOVERY = 4_000;
/** Lease 3 s: the broker heartbeats every second; a dead one is fenced 3 s after its last heartbeat. */
const LEASE_MS = 3_000;
const FAILOVER_BOUND_MS = 45_000;
/** SIGTERM: WAL tail uploaded, streams closed, deregistered; the partitions move without waiting for the lease. */
const HAND_BACK_BOUND_MS = 10_000;

let cluster: StartedCluster;

interface FailoverOperation {
  type: string;
  status: string;
  steps: { name: string; startedAt: number | null; finishedAt: number | null }[];
}

describe("failover of a SIGKILLed broker", { timeout: 170_000 }, () => {
  before(async () => {
    cluster = await startCluster({
      brokers: 3,
      env: { BROKER_LEASE_MS: String(LEASE_MS), RECONCILE_INTERVAL_MS: "200" },
    });
  });

  after(async () => {
    if (!cluster) return;
    const { orphans } = await cluster.stop();
    assert.equal(orphans, 0, "no broker process left behind");
  });

  test("every acknowledged record is consumed once, in order; the dead broker's partitions get a new leader", {
    timeout: 90_000,
  }, async (t) => {
    const topic = "failover";
    await createTopicViaApi(cluster, topic, PARTITIONS);
    const victim = cluster.brokers[0]!;
    const victimPartitions = (await partitionLeaders(cluster, topic)).filter((l) => l === victim.brokerId);
    assert.ok(victimPartitions.length > 0, "the victim leads partitions");

    let killedAt = 0;
    let recoveredAt = 0;
    let ackedAtRecovery = -1;
    let failure: unknown;
    let disruption: Promise<void> | undefined;
    const production = await produceCountingAcks({
      bootstrap: bootstrapOf(cluster),
      topic,
      batch: BATCH,
      timeoutMs: 80_000,
      keepGoing: (acked) => {
        if (!disruption && acked >= KILL_AFTER) {
          disruption = (async () => {
            killedAt = performance.now();
            await cluster.killBroker(0, "SIGKILL");
            await waitForLeaders(cluster, topic, FAILOVER_BOUND_MS);
            recoveredAt = performance.now();
          })().catch((error: unknown) => {
            failure = error;
          });
        }
        if (failure) return false;
        if (recoveredAt > 0 && ackedAtRecovery < 0) ackedAtRecovery = acked;
        return ackedAtRecovery < 0 || acked < ackedAtRecovery + AFTER_RECOVERY;
      },
    });
    await disruption;
    if (failure) throw failure;

    const failoverMs = Math.round(recoveredAt - killedAt);
    const leaders = await partitionLeaders(cluster, topic);
    const live = new Set((await cluster.refreshBrokers()).map((b) => b.brokerId));
    assert.ok(
      leaders.every((l) => l !== victim.brokerId && live.has(l)),
      `leaders ${leaders}`,
    );
    const ops = await cluster.api<{ items: FailoverOperation[] }>(
      "GET",
      `/v1/operations?clusterId=${cluster.clusterId}`,
    );
    const failover = ops.body.items.find((o) => o.type === "broker.failover");
    assert.equal(
      failover?.status,
      "SUCCEEDED",
      JSON.stringify(ops.body.items.map((o) => [o.type, o.status])),
    );
    const summary = {
      failover: "sigkill",
      killToLeadersMs: failoverMs,
      leaseMs: LEASE_MS,
      victimPartitions: victimPartitions.length,
      acked: production.acked.size,
      unacked: production.unacked.size,
      steps: failover!.steps.map((step) => [step.name, (step.finishedAt ?? 0) - (step.startedAt ?? 0)]),
    };
    t.diagnostic(JSON.stringify(summary));
    console.log(JSON.stringify(summary));
    assert.ok(failoverMs < FAILOVER_BOUND_MS, `partitions led again after ${failoverMs} ms`);

    const consumed = await readWholeTopic(bootstrapOf(cluster), topic);
    const sent = production.acked.size + production.unacked.size;
    const verdict = verifyConsumed(consumed, 0, sent);
    const present = new Set(consumed.map((r) => Number(r.value)));
    const lost = [...production.acked].filter((n) => !present.has(n));
    assert.ok(production.acked.size >= KILL_AFTER + AFTER_RECOVERY, `acked ${production.acked.size}`);
    assert.deepEqual(
      { lostAcked: lost.length, firstLost: lost.slice(0, 5), duplicates: verdict.duplicates },
      { lostAcked: 0, firstLost: [], duplicates: 0 },
    );
    assert.deepEqual(verdict.outOfOrder, []);
  });

  test("SIGTERM: the broker hands its partitions back at once, before its lease could expire", {
    timeout: 60_000,
  }, async (t) => {
    const topic = "hand-back";
    await createTopicViaApi(cluster, topic, PARTITIONS);
    await cluster.refreshBrokers();
    const leaders = await partitionLeaders(cluster, topic);
    const index = cluster.brokers.findIndex((b) => leaders.includes(b.brokerId) && b.pid !== undefined);
    const victim = cluster.brokers[index]!;
    const started = performance.now();
    await cluster.killBroker(index, "SIGTERM");
    await waitForLeaders(cluster, topic, HAND_BACK_BOUND_MS);
    const handBackMs = Math.round(performance.now() - started);
    const after = await partitionLeaders(cluster, topic);
    assert.ok(!after.includes(victim.brokerId), `leaders ${after}`);
    const summary = { failover: "sigterm-hand-back", signalToLeadersMs: handBackMs, leaseMs: LEASE_MS };
    t.diagnostic(JSON.stringify(summary));
    console.log(JSON.stringify(summary));
  });
});

describe("npm start stopped and started again on its data folder", { timeout: 170_000 }, () => {
  test("every partition has a live leader after the restart", { timeout: 150_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-failover-restart-"));
    try {
      const first = await startCluster({ brokers: 3, dataDir: dir });
      const port = Number(new URL(first.apiUrl).port);
      try {
        await createTopicViaApi(first, "survives-restart", PARTITIONS);
      } finally {
        assert.equal((await first.stop()).orphans, 0);
      }
      const started = performance.now();
      const second = await startCluster({ brokers: 3, dataDir: dir, port });
      try {
        await waitForLeaders(second, "survives-restart", 30_000);
        const leaders = await partitionLeaders(second, "survives-restart");
        const live = new Set((await second.refreshBrokers()).map((b) => b.brokerId));
        assert.equal(leaders.length, PARTITIONS);
        assert.ok(
          leaders.every((l) => live.has(l)),
          `leaders ${leaders}, live ${[...live]}`,
        );
        t.diagnostic(`restart to every partition led: ${Math.round(performance.now() - started)} ms`);
      } finally {
        assert.equal((await second.stop()).orphans, 0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
