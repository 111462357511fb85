import type { ReassignmentInFlight, ReassignmentOutcome } from "@cirrus/broker-api";
import { and, eq } from "drizzle-orm";
import type { Db, Tx } from "../db/database.ts";
import { brokers, partitions, topics } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError, type ApiErrorCode } from "../errors.ts";
import { createOperation, type Operation } from "./operations.ts";
import { lockCluster } from "./partition-assigner.ts";
import { type PartitionMove, REBALANCE_OPERATION } from "./rebalance.ts";

/** A move asked for by name: this partition of this topic, to this broker. */
export interface RequestedMove {
  topic: string;
  partition: number;
  to: number;
}

/** One asked move, checked: a move to start, or why not (outcomes of @cirrus/broker-api's reassignments). */
export type MoveVerdict =
  | { readonly move: PartitionMove }
  | { readonly outcome: Exclude<ReassignmentOutcome, "STARTED">; readonly message: string };

/**
 * The one check of moves that name their target, shared by the REST API and Kafka's
 * AlterPartitionReassignments: each partition must exist, be led by a broker now (its source) and not be
 * moving already; each target must be an ACTIVE broker other than the source; a partition at most once.
 * `inFlight` (moves-in-flight.ts) also counts moves still queued in an operation as moving. Call with the
 * cluster locked.
 */
export async function checkMoves(
  tx: Tx,
  clusterId: string,
  requested: readonly RequestedMove[],
  inFlight: readonly ReassignmentInFlight[] = [],
): Promise<MoveVerdict[]> {
  const stateOf = new Map(
    (
      await tx
        .select({ brokerId: brokers.brokerId, state: brokers.state })
        .from(brokers)
        .where(eq(brokers.clusterId, clusterId))
    ).map((b) => [b.brokerId, b.state]),
  );
  const moving = new Map(inFlight.map((m) => [`${m.topic}\u0000${m.partition}`, m]));
  const seen = new Set<string>();
  const verdicts: MoveVerdict[] = [];
  for (const m of requested) {
    const key = `${m.topic}\u0000${m.partition}`;
    const name = `${m.topic}-${m.partition}`;
    const refuse = (outcome: Exclude<ReassignmentOutcome, "STARTED">, message: string) =>
      verdicts.push({ outcome, message });
    if (seen.has(key)) {
      refuse("DUPLICATE", `${name} is moved twice`);
      continue;
    }
    seen.add(key);
    const [row] = await tx
      .select({
        topicId: partitions.topicId,
        leader: partitions.leaderBrokerId,
        closing: partitions.closingBrokerId,
      })
      .from(partitions)
      .innerJoin(topics, eq(topics.id, partitions.topicId))
      .where(
        and(
          eq(partitions.clusterId, clusterId),
          eq(topics.name, m.topic),
          eq(partitions.partition, m.partition),
        ),
      );
    if (!row) {
      refuse("UNKNOWN_PARTITION", `partition ${name} not found`);
      continue;
    }
    const inFlightMove = moving.get(key);
    if (inFlightMove) {
      if (inFlightMove.to === m.to) refuse("ALREADY_THERE", `${name} is moving to broker ${m.to} already`);
      else refuse("MOVING_ELSEWHERE", `${name} is moving to broker ${inFlightMove.to} already`);
      continue;
    }
    if (row.leader === -1 || row.closing !== -1) {
      refuse("MOVING_ELSEWHERE", `partition ${name} is moving already (no leader now)`);
      continue;
    }
    const state = stateOf.get(m.to);
    if (state === undefined) {
      refuse("UNKNOWN_BROKER", `broker ${m.to} is not a broker of this cluster`);
      continue;
    }
    if (state !== "ACTIVE") {
      refuse("BROKER_NOT_ACTIVE", `broker ${m.to} is not an ACTIVE broker (it is ${state})`);
      continue;
    }
    if (row.leader === m.to) {
      refuse("ALREADY_THERE", `broker ${m.to} leads ${name} already`);
      continue;
    }
    verdicts.push({
      move: { topicId: row.topicId, topic: m.topic, partition: m.partition, from: row.leader, to: m.to },
    });
  }
  return verdicts;
}

/** The REST API's error code of a refused move. */
const restCode: Record<Exclude<ReassignmentOutcome, "STARTED">, ApiErrorCode> = {
  UNKNOWN_PARTITION: "NOT_FOUND",
  DUPLICATE: "INVALID_REQUEST",
  UNKNOWN_BROKER: "INVALID_STATE",
  BROKER_NOT_ACTIVE: "INVALID_STATE",
  ALREADY_THERE: "INVALID_STATE",
  MOVING_ELSEWHERE: "INVALID_STATE",
};

/**
 * Starts moves that name their target as one `cluster.rebalance` operation (the executor shared with
 * rebalance, drain and the balancer), after checkMoves. Refused as a whole (nothing written) if any move is
 * not possible.
 */
export async function startPartitionMoves(
  db: Db,
  clusterId: string,
  requested: readonly RequestedMove[],
  createdBy: string,
): Promise<Operation> {
  if (requested.length === 0) throw new ApiError("INVALID_REQUEST", "no moves given");
  return inTransaction(db, async (tx) => {
    if (!(await lockCluster(tx, clusterId)))
      throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    const moves: PartitionMove[] = [];
    for (const verdict of await checkMoves(tx, clusterId, requested)) {
      if ("outcome" in verdict) throw new ApiError(restCode[verdict.outcome], verdict.message);
      moves.push(verdict.move);
    }
    return createOperation(tx, { type: REBALANCE_OPERATION, clusterId, input: { moves }, createdBy });
  });
}
