// One-move write-unavailable window: an idempotent producer (acks=all) writes steadily to one partition while
// the partition is moved back and forth between two local brokers through POST /partitions/moves. Each move's
// window is the gap between the producer's last ack from the old leader and its first from the new one.
// Peer in the same run: the producer's ordinary gap between two acks when nothing moves.
// Where a move's time goes (`phasesP50Ms`, the median of each phase over the moves), on one clock (the
// machine's): the control plane's per-move stamps (GET /v1/operations/{id}: released, source closed, target
// assigned, target opened), the producer's last ack from the old leader and first from the new one, and the
// brokers' own timing of each hand-off step (cirrus_broker_partition_handoff_seconds, scraped around each
// move): the source's producer-state checkpoint, appends settling, WAL tail upload + commit, stream close
// commit; the target's stream open and producer-state load. `controlPlaneRequestsPerMoveP50`: the control
// plane's requests per move by route (its request counter, read before the move and after it settled), and
// `controlPlaneAnswerMsPerMoveP50` the time it spent answering them (long polls count their wait).

import { bootstrapOf, createTopicViaApi, partitionLeaders } from "../harness/clients/cluster-topics.ts";
import { startCluster, waitFor } from "../harness/cluster.ts";
import {
  CLIENT_METADATA_MAX_AGE_MS,
  CLIENT_RETRY_DELAY_MS,
  controlPlaneRequests,
  handoffStepsBetween,
  handoffTotals,
  longestAckGapSpan,
  operationSucceeded,
  requestMove,
  requestsBetween,
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
/** No request of the benchmark's own to the control plane for this long after asking for a move. */
const QUIET_MS = 500;

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
    /** Per timed move, its release → source closed (the control plane's stamps); the other phases: `breakdown`. */
    const releaseToClosedMs: number[] = [];
    /** Per phase, one figure per move (ms), in the order the window passes through them. */
    const breakdown = new Map<string, number[]>();
    const note = (phase: string, ms: number | undefined) => {
      if (ms === undefined || !Number.isFinite(ms)) return;
      const list = breakdown.get(phase) ?? [];
      list.push(ms);
      breakdown.set(phase, list);
    };
    /** performance.now() of this process → the machine's clock (the control plane stamps with Date.now()). */
    const wall = (at: number) => performance.timeOrigin + at;
    /** Per control-plane route, how many requests it answered during each move (request → settled). */
    const requestsPerMove = new Map<string, number[]>();
    /** Per route, the ms the control plane spent answering it during each move (from receipt to reply). */
    const answerMsPerMove = new Map<string, number[]>();
    for (let i = 0; i < MOVES; i++) {
      const [leader] = await partitionLeaders(cluster, TOPIC);
      const to = brokerIds.find((id) => id !== leader)!;
      const stepsBefore = await handoffTotals(cluster);
      const requestsBefore = await controlPlaneRequests(cluster);
      const requestedAt = performance.now();
      const op = await requestMove(cluster, TOPIC, 0, to);
      // The window is over within this in every run so far; polling the operation meanwhile would put the
      // measurement's own requests in the control plane's queue, ahead of the move's.
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
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
      const span = longestAckGapSpan(producer.sends, 0, requestedAt, performance.now());
      windows.push(span.gapMs);
      const requestsAfter = await controlPlaneRequests(cluster);
      const perRoute = (into: Map<string, number[]>, added: Map<string, number>) => {
        for (const route of new Set([...into.keys(), ...added.keys()])) {
          const list = into.get(route) ?? Array.from({ length: i }, () => 0);
          list.push(added.get(route) ?? 0);
          into.set(route, list);
        }
      };
      perRoute(requestsPerMove, requestsBetween(requestsBefore.count, requestsAfter.count));
      perRoute(answerMsPerMove, requestsBetween(requestsBefore.ms, requestsAfter.ms));
      const steps = handoffStepsBetween(stepsBefore, await handoffTotals(cluster));
      const [timing] =
        (await cluster.api<{ moves?: MoveTiming[] }>("GET", `/v1/operations/${op}`)).body.moves ?? [];
      if (timing?.closedAt != null && timing.assignedAt != null && timing.openedAt != null) {
        releaseToClosedMs.push(timing.closedAt - timing.requestedAt);
        const close = steps.get("close") ?? 0;
        // The source stopped acking when it took the partition out of service, right before its close.
        note("releasedToSourceStopped", wall(span.lastBefore) - timing.requestedAt);
        note("sourceCheckpoint", steps.get("close_checkpoint"));
        note("sourceSettle", steps.get("close_settle"));
        note("sourceTailUpload", steps.get("close_upload"));
        note("sourceCloseCommit", steps.get("close_commit"));
        note("sourceClose", close);
        // From the source's close committed to the control plane's completion pass stamping it.
        note("sourceClosedToClosedStamp", timing.closedAt - (wall(span.lastBefore) + close));
        note("closedToAssigned", timing.assignedAt - timing.closedAt);
        note("targetOpenStream", steps.get("open_stream"));
        note("assignedToOpened", timing.openedAt - timing.assignedAt);
        note("targetProducerStateLoad", steps.get("open_state"));
        note("openedToFirstAck", wall(span.firstAfter) - timing.openedAt);
      }
    }
    const steadyGaps: number[] = [];
    const steady = producer.sends.filter((s) => s.ackedAt >= steadyFrom && s.ackedAt <= steadyTo);
    for (let i = 1; i < steady.length; i++) steadyGaps.push(steady[i]!.ackedAt - steady[i - 1]!.ackedAt);
    await producer.stop();
    const p50 = (ms: readonly number[]) => round(percentile([...ms], 50), 1);
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
      timedMoves: releaseToClosedMs.length,
      releaseToClosedP50Ms: p50(releaseToClosedMs),
      closedToAssignedP50Ms: p50(breakdown.get("closedToAssigned") ?? []),
      assignedToOpenedP50Ms: p50(breakdown.get("assignedToOpened") ?? []),
      phasesP50Ms: Object.fromEntries([...breakdown].map(([phase, ms]) => [phase, p50(ms)])),
      // Includes the benchmark's own calls (the move request, its operation polls, the metrics scrape).
      controlPlaneRequestsPerMoveP50: Object.fromEntries(
        [...requestsPerMove].map(([route, counts]) => [route, p50(counts)]),
      ),
      controlPlaneAnswerMsPerMoveP50: Object.fromEntries(
        [...answerMsPerMove].map(([route, ms]) => [route, p50(ms)]),
      ),
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
