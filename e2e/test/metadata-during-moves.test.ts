// What Kafka Metadata says about partitions while they move (issue 14). DESIGN: a new leader is announced only
// once it has opened the stream at the partition's epoch; until then the source stays announced (it answers
// NOT_LEADER_OR_FOLLOWER), so clients never see leader -1 mid-move. Real Metadata requests sample every live
// broker in a tight loop while partitions move (and the control plane's own view alongside), for each kind of
// move: a named move, a drain, a SIGTERM hand-back and a SIGKILL failover. Named moves and drains keep a serving
// source, and a hand-back assigns its partitions in the deregistration itself (the assigned broker is announced
// from then on), so no answer may name leader -1. A failover has nobody to announce until the dead broker's WAL
// is replayed: its -1 answers are measured and printed (a JSON line per kind of move).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createTopicViaApi, partitionLeaders, waitForLeaders } from "../harness/clients/cluster-topics.ts";
import { MetadataSampler } from "../harness/clients/metadata-sampler.ts";
import { type ClusterBroker, type StartedCluster, startCluster, waitFor } from "../harness/cluster.ts";

const TOPIC = "metadata-during-moves";
const PARTITIONS = 6;
const ALL = [...Array(PARTITIONS).keys()];
/** Lease 3 s, as failover.test.ts: a SIGKILLed broker is fenced 3 s after its last heartbeat. */
const LEASE_MS = 3_000;
/** Sampling goes on this long after a move is done, so a late -1 (a broker's cached view) is seen too. */
const SETTLE_MS = 1_500;

let cluster: StartedCluster;
/** Every broker ever sampled, by id (a drained broker is no longer in cluster.brokers but still answers). */
const known = new Map<number, ClusterBroker>();

interface OperationAnswer {
  id: string;
  status: string;
  error: unknown;
}

before(async () => {
  cluster = await startCluster({
    brokers: 3,
    // Only the test's own moves: the automatic balancer would move partitions of the topic meanwhile.
    env: {
      BROKER_LEASE_MS: String(LEASE_MS),
      RECONCILE_INTERVAL_MS: "200",
      AUTO_REBALANCE_SETTLE_MS: "3600000",
    },
  });
  await createTopicViaApi(cluster, TOPIC, PARTITIONS);
});

after(async () => {
  if (!cluster) return;
  const { orphans } = await cluster.stop();
  assert.equal(orphans, 0, "no broker process left behind");
});

async function operationDone(id: string): Promise<void> {
  await waitFor(
    `operation ${id}`,
    async () => {
      const op = await cluster.api<OperationAnswer>("GET", `/v1/operations/${id}`);
      assert.notEqual(op.body.status, "FAILED", JSON.stringify(op.body.error));
      return op.body.status === "SUCCEEDED" ? true : undefined;
    },
    60_000,
  );
}

/**
 * Samples Metadata on every running broker (and `extra` ones) while `move` runs and SETTLE_MS after; prints and
 * returns the counts of answers naming leader -1.
 */
async function sampleDuring(
  kind: string,
  moved: number,
  move: () => Promise<void>,
  extra: ClusterBroker[] = [],
): Promise<{
  answers: number;
  answersWithLeaderless: number;
  leaderlessEntries: number;
  controlPlaneLeaderless: number;
}> {
  for (const b of await cluster.refreshBrokers()) known.set(b.brokerId, b);
  const sampled = [...new Map([...cluster.brokers, ...extra].map((b) => [b.brokerId, b])).values()];
  const sampler = new MetadataSampler(sampled, TOPIC);
  try {
    // Brokers cache metadata for up to a second: start once every sampled broker names every leader.
    await waitFor(
      `every sampled broker naming a leader of each partition before the ${kind}`,
      async () => {
        const now = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 200));
        const recent = sampler.count(ALL, now);
        const answering = new Set(sampler.samples.filter((s) => s.at >= now).map((s) => s.brokerId));
        return (answering.size === sampled.length && recent.answersWithLeaderless === 0) || undefined;
      },
      15_000,
    );
    const started = performance.now();
    // The control plane's own announcement (GET …/topics/:name reads the same view brokers answer from),
    // sampled alongside: a broker's cached view can miss a short window that this one shows.
    let sampling = true;
    const controlPlane = { answers: 0, answersWithLeaderless: 0 };
    const restLoop = (async () => {
      while (sampling) {
        const leaders = await partitionLeaders(cluster, TOPIC).catch(() => undefined);
        if (!leaders) continue;
        controlPlane.answers++;
        if (leaders.some((l) => l === -1)) controlPlane.answersWithLeaderless++;
      }
    })();
    try {
      await move();
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    } finally {
      sampling = false;
      await restLoop;
    }
    const counts = sampler.count(ALL, started);
    const leaderless = sampler.samples.filter(
      (x) => x.at >= started && ALL.some((p) => (x.leaders[p] ?? -1) === -1),
    );
    const line = {
      metadataDuringMoves: kind,
      partitionsMoved: moved,
      sampledBrokers: sampled.map((b) => b.brokerId),
      ...counts,
      leaderlessSpanMs:
        leaderless.length > 0 ? Math.round(leaderless[leaderless.length - 1]!.at - leaderless[0]!.at) : 0,
      controlPlane,
      leaderlessEntriesPerMove: moved > 0 ? Math.round((counts.leaderlessEntries / moved) * 10) / 10 : 0,
      durationMs: Math.round(performance.now() - started),
    };
    console.log(JSON.stringify(line));
    assert.ok(counts.answers > 10, `${kind}: Metadata was sampled (${counts.answers} answers)`);
    return { ...counts, controlPlaneLeaderless: controlPlane.answersWithLeaderless };
  } finally {
    await sampler.stop();
  }
}

describe("Metadata while partitions move", { timeout: 240_000 }, () => {
  test("a named move: the source stays announced until the target opened (no leader -1)", async () => {
    const leaders = await partitionLeaders(cluster, TOPIC);
    const ids = cluster.brokers.map((b) => b.brokerId);
    const moves = ALL.map((partition) => ({
      topic: TOPIC,
      partition,
      to: ids[(ids.indexOf(leaders[partition]!) + 1) % ids.length]!,
    }));
    const counts = await sampleDuring("named-move", moves.length, async () => {
      const started = await cluster.api<OperationAnswer>(
        "POST",
        `/v1/clusters/${cluster.clusterId}/partitions/moves`,
        { moves },
      );
      assert.equal(started.status, 202, JSON.stringify(started.body));
      await operationDone(started.body.id);
    });
    assert.deepEqual(
      await partitionLeaders(cluster, TOPIC),
      moves.map((m) => m.to),
    );
    assert.deepEqual([counts.answersWithLeaderless, counts.controlPlaneLeaderless], [0, 0]);
  });

  test("a drain: each partition's source stays announced until its new leader opened (no leader -1)", async () => {
    await cluster.refreshBrokers();
    const leaders = await partitionLeaders(cluster, TOPIC);
    const drained = cluster.brokers.find((b) => leaders.includes(b.brokerId))!;
    const moved = leaders.filter((l) => l === drained.brokerId).length;
    const counts = await sampleDuring("drain", moved, async () => {
      const started = await cluster.api<OperationAnswer>(
        "POST",
        `/v1/clusters/${cluster.clusterId}/brokers/${drained.brokerId}/drain`,
      );
      assert.equal(started.status, 202, JSON.stringify(started.body));
      await operationDone(started.body.id);
    });
    assert.ok(!(await partitionLeaders(cluster, TOPIC)).includes(drained.brokerId));
    assert.deepEqual([counts.answersWithLeaderless, counts.controlPlaneLeaderless], [0, 0]);
  });

  test("a SIGTERM hand-back announces the assigned broker (no leader -1); a SIGKILL failover is measured", async () => {
    // The drained broker still runs and answers Metadata: sample it too.
    const drained = [...known.values()];
    for (const kind of ["sigterm-hand-back", "sigkill-failover"] as const) {
      await waitFor(
        "two ACTIVE brokers (the fleet replaces a stopped one)",
        async () => (await cluster.refreshBrokers()).length >= 2 || undefined,
        60_000,
      );
      const leaders = await partitionLeaders(cluster, TOPIC);
      const index = cluster.brokers.findIndex((b) => leaders.includes(b.brokerId));
      assert.ok(index >= 0, `a live broker leads partitions (${leaders})`);
      const victim = cluster.brokers[index]!;
      const moved = leaders.filter((l) => l === victim.brokerId).length;
      const running = drained.filter((b) => b.brokerId !== victim.brokerId);
      const counts = await sampleDuring(
        kind,
        moved,
        async () => {
          await cluster.killBroker(index, kind === "sigterm-hand-back" ? "SIGTERM" : "SIGKILL");
          await waitForLeaders(cluster, TOPIC, 45_000);
        },
        running.filter((b) => b.pid !== undefined),
      );
      assert.ok(!(await partitionLeaders(cluster, TOPIC)).includes(victim.brokerId));
      // A hand-back's streams are closed and its partitions assigned in the deregistration itself: the
      // assigned broker is announced from then on. A failover has no one to announce until the dead broker's
      // WAL is replayed (-1 meanwhile, measured above).
      if (kind === "sigterm-hand-back")
        assert.deepEqual([counts.answersWithLeaderless, counts.controlPlaneLeaderless], [0, 0]);
    }
  });
});
