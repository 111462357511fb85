// One-move write-unavailable window: an idempotent producer (acks=all) writes steadily to one partition while
// the partition is moved back and forth between two local brokers through POST /partitions/moves. Each move's
// window is the gap between the producer's last ack from the old leader and its first from the new one.
// Peer in the same run: the producer's ordinary gap between two acks when nothing moves.
// Where a move's time goes, from the operation's per-move timings (GET /v1/operations/{id}): release → the
// source closed (checkpoint + tail upload + close), closed → the target assigned, assigned → the target opened.

import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { startCluster, waitFor } from "../harness/cluster.ts";
import {
  CLIENT_METADATA_MAX_AGE_MS,
  CLIENT_RETRY_DELAY_MS,
  longestAckGap,
  operationSucceeded,
  requestMove,
  SteadyProducer,
} from "./partition-move-kit.ts";
import { percentile, printResult, quick, round } from "./s3stream-bench-kit.ts";

const MOVES = quick ? 6 : 30;

interface MoveTiming {
  requestedAt: number;
  closedAt: number | null;
  assignedAt: number | null;
  openedAt: number | null;
}
const TOPIC = "move-window";
/** Acks after a move before the next one, so the producer runs steadily on the new leader. */
const SETTLE_MS = 300;

const cluster = await startCluster({ brokers: 2 });
try {
  await createTopicViaApi(cluster, TOPIC, 1);
  const producer = new SteadyProducer(bootstrapOf(cluster), TOPIC, [0]);
  try {
    await waitFor("the first acks", async () => (producer.sends.length >= 50 ? true : undefined), 30_000);
    const steadyFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const steadyTo = performance.now();
    const brokerIds = cluster.brokers.map((b) => b.brokerId);
    const windows: number[] = [];
    const moveMs: number[] = [];
    const phases = { closeMs: [] as number[], assignMs: [] as number[], openMs: [] as number[] };
    for (let i = 0; i < MOVES; i++) {
      const [leader] = await partitionLeaders(cluster, TOPIC);
      const to = brokerIds.find((id) => id !== leader)!;
      const requestedAt = performance.now();
      const op = await requestMove(cluster, TOPIC, 0, to);
      await operationSucceeded(cluster, op);
      const doneAt = performance.now();
      moveMs.push(doneAt - requestedAt);
      const acked = producer.sends.length;
      await waitFor(
        "acks from the new leader",
        async () => (producer.sends.length > acked + 5 ? true : undefined),
        30_000,
      );
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      windows.push(longestAckGap(producer.sends, 0, requestedAt, performance.now()));
      const [timing] =
        (await cluster.api<{ moves?: MoveTiming[] }>("GET", `/v1/operations/${op}`)).body.moves ?? [];
      if (timing?.closedAt != null && timing.assignedAt != null && timing.openedAt != null) {
        phases.closeMs.push(timing.closedAt - timing.requestedAt);
        phases.assignMs.push(timing.assignedAt - timing.closedAt);
        phases.openMs.push(timing.openedAt - timing.assignedAt);
      }
    }
    const steadyGaps: number[] = [];
    const steady = producer.sends.filter((s) => s.ackedAt >= steadyFrom && s.ackedAt <= steadyTo);
    for (let i = 1; i < steady.length; i++) steadyGaps.push(steady[i]!.ackedAt - steady[i - 1]!.ackedAt);
    await producer.stop();
    printResult({
      bench: "partition-move",
      quick,
      moves: MOVES,
      clientRetryDelayMs: CLIENT_RETRY_DELAY_MS,
      clientMetadataMaxAgeMs: CLIENT_METADATA_MAX_AGE_MS,
      windowP50Ms: round(percentile(windows, 50), 1),
      windowP99Ms: round(percentile(windows, 99), 1),
      windowMaxMs: round(Math.max(...windows), 1),
      targetWindowP50Ms: 100,
      targetWindowP99Ms: 300,
      moveRequestToDoneP50Ms: round(percentile(moveMs, 50), 1),
      timedMoves: phases.closeMs.length,
      releaseToClosedP50Ms: round(percentile(phases.closeMs, 50), 1),
      closedToAssignedP50Ms: round(percentile(phases.assignMs, 50), 1),
      assignedToOpenedP50Ms: round(percentile(phases.openMs, 50), 1),
      steadyAckGapP50Ms: round(percentile(steadyGaps, 50), 2),
      steadyAckGapP99Ms: round(percentile(steadyGaps, 99), 2),
      failedSends: producer.failed,
      firstErrors: producer.errors,
      windows: windows.map((w) => round(w, 1)),
    });
  } finally {
    await producer.stop().catch(() => {});
  }
} finally {
  const { orphans } = await cluster.stop();
  if (orphans > 0) console.error(`partition-move: ${orphans} broker processes left behind`);
}
