// Kafka's partition reassignment APIs (AlterPartitionReassignments / ListPartitionReassignments, served by
// the brokers) on the control plane's one move path: a reassignment is a move that names its target,
// checked by checkMoves and carried out as a `cluster.rebalance` operation by the shared executor, with its
// move limits; the moves "in progress" are those of that executor (and of drains) not finished yet.
import type {
  CancelOutcome,
  CancelReassignmentsResponse,
  ReassignmentInFlight,
  ReassignmentsInFlight,
  ReassignPartitionsResponse,
} from "@cirrus/broker-api";
import { and, eq, inArray, ne, or, sql } from "drizzle-orm";
import { type Db, rowsOf, type Tx } from "../db/database.ts";
import { operations, partitions, topics } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { queuedMoves } from "./move-limits.ts";
import { createOperation, OperationStatus } from "./operations.ts";
import { lockCluster } from "./partition-assigner.ts";
import { checkMoves, type RequestedMove } from "./partition-moves.ts";
import { type PartitionMove, REBALANCE_OPERATION } from "./rebalance.ts";

/**
 * The cluster's moves not finished: released ones (the source is closing the stream, or has closed it and
 * the target is being assigned, or is assigned and has not opened it yet) and those still queued in an unfinished `cluster.rebalance` operation
 * (waiting for the move limits; their source still leads). A drain's moves name no target (-1).
 */
export async function movesInFlight(tx: Tx, clusterId: string): Promise<ReassignmentInFlight[]> {
  const released = await tx
    .select({
      topic: topics.name,
      partition: partitions.partition,
      closing: partitions.closingBrokerId,
      target: partitions.targetBrokerId,
    })
    .from(partitions)
    .innerJoin(topics, eq(topics.id, partitions.topicId))
    .where(
      and(
        eq(partitions.clusterId, clusterId),
        or(
          ne(partitions.closingBrokerId, -1),
          and(eq(partitions.leaderBrokerId, -1), ne(partitions.targetBrokerId, -1)),
        ),
      ),
    );
  const found: ReassignmentInFlight[] = released.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    from: r.closing,
    to: r.target,
    released: true,
  }));
  const seen = new Set(found.map((m) => `${m.topic}\u0000${m.partition}`));
  // Assigned to its target, which has not opened it yet: not done (it may still be rolled back), so a tool's
  // --verify does not call it completed too early.
  const opening = rowsOf<{ topic: string; partition: number; to_broker: number }>(
    await tx.execute(sql`select t.name as topic, m.partition, m.to_broker
      from partition_moves m
      join partitions p on p.topic_id = m.topic_id and p.partition = m.partition
      join topics t on t.id = m.topic_id
      where m.cluster_id = ${clusterId} and m.assigned_at is not null and m.opened_at is null
        and m.rolled_back_at is null and p.leader_broker_id = m.to_broker`),
  );
  for (const m of opening) {
    const key = keyOf(m);
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ topic: m.topic, partition: m.partition, from: -1, to: m.to_broker, released: true });
  }
  const running = await unfinishedRebalances(tx, clusterId);
  const queued: PartitionMove[] = [];
  for (const op of running)
    queued.push(
      ...(await queuedMoves(
        tx,
        op.id,
        ((op.input as { moves?: PartitionMove[] }).moves ?? []) as PartitionMove[],
      )),
    );
  for (const m of queued) {
    const key = keyOf(m);
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ topic: m.topic, partition: m.partition, from: m.from, to: m.to, released: false });
  }
  return found.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/** movesInFlight in its own transaction. */
export async function listReassignments(db: Db, clusterId: string): Promise<ReassignmentsInFlight> {
  return { reassignments: await inTransaction(db, (tx) => movesInFlight(tx, clusterId)) };
}

/**
 * Starts the possible moves as one `cluster.rebalance` operation and answers every asked move with its
 * outcome (Kafka answers each partition of a reassignment on its own; a refused one does not stop the
 * others). No operation when none starts.
 */
export async function startReassignments(
  db: Db,
  clusterId: string,
  requested: readonly RequestedMove[],
  createdBy: string,
  deadline?: { receivedAt: number; timeoutMs: number },
): Promise<ReassignPartitionsResponse> {
  return inTransaction(db, async (tx) => {
    if (!(await lockCluster(tx, clusterId)))
      throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    const verdicts = await checkMoves(tx, clusterId, requested, await movesInFlight(tx, clusterId));
    // Kafka's timeoutMs: past it the client has given up (REQUEST_TIMED_OUT), so nothing may start behind its
    // back. Checked last, under the cluster lock, right before the operation is written.
    if (deadline && Date.now() - deadline.receivedAt > deadline.timeoutMs) {
      throw new ApiError(
        "UNAVAILABLE",
        `the reassignment was not accepted within its timeoutMs (${deadline.timeoutMs} ms); nothing was started`,
      );
    }
    const moves = verdicts.flatMap((v) => ("move" in v ? [v.move] : []));
    const operation =
      moves.length > 0
        ? await createOperation(tx, { type: REBALANCE_OPERATION, clusterId, input: { moves }, createdBy })
        : null;
    return {
      operationId: operation?.id ?? null,
      results: requested.map((m, i) => {
        const v = verdicts[i]!;
        return "move" in v
          ? {
              topic: m.topic,
              partition: m.partition,
              outcome: "STARTED" as const,
              message: `moving from broker ${v.move.from} to broker ${m.to}`,
            }
          : { topic: m.topic, partition: m.partition, outcome: v.outcome, message: v.message };
      }),
    };
  });
}

/**
 * Cancels the asked partitions' moves still queued in an unfinished `cluster.rebalance` operation (their source
 * still leads: not released): each is taken out of its operation's `moves` and listed in its
 * `cancelledMoves`. A released move is IN_PROGRESS (it finishes or is rolled back on its own); a partition with
 * no move in flight is NOT_MOVING. One outcome per asked partition, in request order; asking twice is harmless.
 */
export async function cancelReassignments(
  db: Db,
  clusterId: string,
  asked: readonly { topic: string; partition: number }[],
): Promise<CancelReassignmentsResponse> {
  return inTransaction(db, async (tx) => {
    if (!(await lockCluster(tx, clusterId)))
      throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    const inFlight = new Map((await movesInFlight(tx, clusterId)).map((m) => [keyOf(m), m]));
    const names = [...new Set(asked.map((a) => a.topic))];
    const known = new Set(
      (
        await tx
          .select({ topic: topics.name, partition: partitions.partition })
          .from(partitions)
          .innerJoin(topics, eq(topics.id, partitions.topicId))
          .where(and(eq(topics.clusterId, clusterId), inArray(topics.name, names)))
      ).map(keyOf),
    );
    const cancelling = new Set(
      asked.filter((a) => inFlight.get(keyOf(a))?.released === false).map((a) => keyOf(a)),
    );
    if (cancelling.size > 0) await takeOutOfOperations(tx, clusterId, cancelling);
    return {
      results: asked.map((a) => {
        const key = keyOf(a);
        const move = inFlight.get(key);
        const answer = (outcome: CancelOutcome, message: string) => ({ ...a, outcome, message });
        if (!known.has(key))
          return answer("UNKNOWN_PARTITION", `partition ${a.topic}-${a.partition} not found`);
        if (!move) return answer("NOT_MOVING", `no reassignment of ${a.topic}-${a.partition} is in progress`);
        if (move.released)
          return answer(
            "IN_PROGRESS",
            `the move of ${a.topic}-${a.partition} is released (its source closes the stream, its target opens ` +
              "it): it finishes or is rolled back on its own within seconds",
          );
        return answer(
          "CANCELLED",
          `the queued move of ${a.topic}-${a.partition} to broker ${move.to} is cancelled`,
        );
      }),
    };
  });
}

const keyOf = (m: { topic: string; partition: number }) => `${m.topic}\u0000${m.partition}`;

/** The cluster's rebalance operations not finished yet (their inputs hold the queued moves). */
function unfinishedRebalances(tx: Tx, clusterId: string) {
  return tx
    .select({ id: operations.id, input: operations.input })
    .from(operations)
    .where(
      and(
        eq(operations.clusterId, clusterId),
        eq(operations.type, REBALANCE_OPERATION),
        inArray(operations.status, [OperationStatus.PENDING, OperationStatus.RUNNING]),
      ),
    );
}

/** Takes the queued moves of these partitions out of the cluster's unfinished rebalances. Cluster locked. */
async function takeOutOfOperations(tx: Tx, clusterId: string, keys: ReadonlySet<string>): Promise<void> {
  const running = await unfinishedRebalances(tx, clusterId);
  for (const op of running) {
    const moves = ((op.input as { moves?: PartitionMove[] }).moves ?? []) as PartitionMove[];
    // Only moves still queued: their source still leads (a released one stays, whatever was asked).
    const queued = new Set((await queuedMoves(tx, op.id, moves)).map(keyOf));
    const cancelled = moves.filter((m) => keys.has(keyOf(m)) && queued.has(keyOf(m)));
    if (cancelled.length === 0) continue;
    const kept = moves.filter((m) => !cancelled.includes(m));
    const at = Date.now();
    await tx
      .update(operations)
      .set({
        input: sql`jsonb_set(${operations.input}, '{moves}', ${JSON.stringify(kept)}::jsonb)
          || jsonb_build_object('cancelledMoves', coalesce(${operations.input}->'cancelledMoves', '[]'::jsonb)
            || ${JSON.stringify(cancelled.map((m) => ({ ...m, cancelledAt: at })))}::jsonb)`,
        updatedAt: at,
      })
      .where(eq(operations.id, op.id));
  }
}
