import type {
  Assignments,
  BrokerState,
  HeartbeatRequest,
  HeartbeatResponse,
  PartitionAssignment,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
} from "@cirrus/broker-api";
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/database.ts";
import { brokers, metricSamples, partitions, streams, topics, volumes } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { assignLeaderlessPartitions, bumpVersions, lockCluster } from "./partition-assigner.ts";
import { recordPartitionLoad } from "./partition-load.ts";

export const BrokerStates = {
  ACTIVE: "ACTIVE",
  DRAINING: "DRAINING",
  FENCED: "FENCED",
  STOPPED: "STOPPED",
} as const;

/** States that hold a lease. */
const LEASED: BrokerState[] = [BrokerStates.ACTIVE, BrokerStates.DRAINING];

export interface RegisterResult {
  response: RegisterBrokerResponse;
  /** Brokers whose assignments changed (to notify after commit). */
  changed: number[];
}

/**
 * Registers a broker: the same instanceId keeps its broker id and gets the next epoch (fencing the
 * previous incarnation); a new one gets the next free id at epoch 1. Leaderless partitions are
 * assigned, possibly to it.
 */
export async function registerBroker(
  db: Db,
  clusterId: string,
  request: RegisterBrokerRequest,
  leaseMs: number,
): Promise<RegisterResult> {
  return inTransaction(db, async (tx) => {
    const cluster = await lockCluster(tx, clusterId);
    if (!cluster) throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
    if (cluster.state === "DELETING") throw new ApiError("INVALID_STATE", "the cluster is being deleted");
    const now = Date.now();
    const fields = {
      zone: request.zone,
      host: request.host,
      port: request.port,
      volumeId: request.volumeId ?? null,
      adminPort: request.adminPort ?? null,
      // `spot` is not taken from the broker (DESIGN invariant 4): the provisioner records it from the
      // provider's instance list (controllers/provisioner/broker-lifecycles.ts); a new row starts false.
      state: BrokerStates.ACTIVE,
      leaseUntil: now + leaseMs,
      registeredAt: now,
    };
    const [existing] = await tx
      .select({ brokerId: brokers.brokerId, epoch: brokers.epoch })
      .from(brokers)
      .where(and(eq(brokers.clusterId, clusterId), eq(brokers.instanceId, request.instanceId)));
    let brokerId: number;
    let epoch: number;
    if (existing) {
      brokerId = existing.brokerId;
      epoch = existing.epoch + 1;
      await tx
        .update(brokers)
        .set({ ...fields, epoch })
        .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
    } else {
      const [max] = await tx
        .select({ max: sql<number | null>`max(${brokers.brokerId})` })
        .from(brokers)
        .where(eq(brokers.clusterId, clusterId));
      brokerId = max?.max === null || max?.max === undefined ? 0 : Number(max.max) + 1;
      epoch = 1;
      await tx
        .insert(brokers)
        .values({ clusterId, brokerId, instanceId: request.instanceId, epoch, ...fields });
    }
    const changed = await assignLeaderlessPartitions(tx, clusterId);
    await bumpVersions(tx, clusterId, [brokerId]);
    return { response: { clusterId, brokerId, epoch, leaseMs }, changed: [...changed, brokerId] };
  });
}

/**
 * Renews the lease of (brokerId, epoch). Refused with BROKER_FENCED when the epoch is not the current
 * one or the broker was fenced (then it must re-register). A lease that ran out without the broker being
 * fenced yet is renewed: nothing can have started recovering it (failover starts only once FENCED, and
 * fencing and this update exclude each other on the row), and the broker stopped acking on its own clock
 * when the lease ran out, so renewing loses nothing and spares a control-plane hiccup a fencing.
 */
export async function heartbeat(
  db: Db,
  clusterId: string,
  brokerId: number,
  request: HeartbeatRequest,
  leaseMs: number,
): Promise<HeartbeatResponse> {
  const now = Date.now();
  const load = request.load;
  const [row] = await db
    .update(brokers)
    .set({
      leaseUntil: now + leaseMs,
      ...(load ? { bytesInPerSec: load.bytesInPerSec, bytesOutPerSec: load.bytesOutPerSec } : {}),
    })
    .where(
      and(
        eq(brokers.clusterId, clusterId),
        eq(brokers.brokerId, brokerId),
        eq(brokers.epoch, request.epoch),
        inArray(brokers.state, LEASED),
      ),
    )
    .returning({ leaseUntil: brokers.leaseUntil, assignmentVersion: brokers.assignmentVersion });
  if (!row) throw await whyRefused(db, clusterId, brokerId, request.epoch);
  if (load?.partitions?.length) await recordPartitionLoad(db, clusterId, brokerId, now, load.partitions);
  if (load) {
    await db
      .insert(metricSamples)
      .values({
        clusterId,
        brokerId,
        at: now,
        bytesInPerSec: load.bytesInPerSec,
        bytesOutPerSec: load.bytesOutPerSec,
      })
      .onConflictDoNothing();
  }
  return { leaseUntil: row.leaseUntil, assignmentVersion: row.assignmentVersion };
}

async function whyRefused(db: DbOrTx, clusterId: string, brokerId: number, epoch: number): Promise<ApiError> {
  const [broker] = await db
    .select({ epoch: brokers.epoch, state: brokers.state, leaseUntil: brokers.leaseUntil })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
  if (!broker) return new ApiError("BROKER_NOT_FOUND", `broker ${brokerId} is not registered`);
  if (epoch !== broker.epoch) {
    return new ApiError(
      "BROKER_FENCED",
      `broker ${brokerId} epoch ${epoch} is fenced by epoch ${broker.epoch}`,
    );
  }
  return new ApiError(
    "BROKER_FENCED",
    `broker ${brokerId} is ${broker.state}, lease until ${broker.leaseUntil}`,
  );
}

/** Throws BROKER_FENCED / BROKER_NOT_FOUND unless (brokerId, epoch) is the current, leased incarnation. */
export async function assertCurrentEpoch(
  db: DbOrTx,
  clusterId: string,
  brokerId: number,
  epoch: number,
): Promise<number> {
  const [broker] = await db
    .select({ epoch: brokers.epoch, state: brokers.state, version: brokers.assignmentVersion })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
  if (!broker || broker.epoch !== epoch || !LEASED.includes(broker.state as BrokerState)) {
    throw await whyRefused(db, clusterId, brokerId, epoch);
  }
  return broker.version;
}

/** The broker's assignments now (level-triggered: the complete set). */
export async function readAssignments(db: DbOrTx, clusterId: string, brokerId: number): Promise<Assignments> {
  const [broker] = await db
    .select({ version: brokers.assignmentVersion })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.brokerId, brokerId)));
  if (!broker) throw new ApiError("BROKER_NOT_FOUND", `broker ${brokerId} is not registered`);
  const columns = {
    topicId: topics.id,
    topic: topics.name,
    partition: partitions.partition,
    streamId: partitions.streamId,
    leaderEpoch: partitions.leaderEpoch,
  };
  const open: PartitionAssignment[] = await db
    .select(columns)
    .from(partitions)
    .innerJoin(topics, eq(topics.id, partitions.topicId))
    .where(and(eq(partitions.clusterId, clusterId), eq(partitions.leaderBrokerId, brokerId)))
    .orderBy(topics.name, partitions.partition);
  // Streams this broker still holds open but no longer leads: it must upload their tail and close them.
  const close: PartitionAssignment[] = await db
    .select(columns)
    .from(partitions)
    .innerJoin(topics, eq(topics.id, partitions.topicId))
    .innerJoin(streams, eq(streams.id, partitions.streamId))
    .where(
      and(
        eq(partitions.clusterId, clusterId),
        ne(partitions.leaderBrokerId, brokerId),
        eq(streams.nodeId, brokerId),
        eq(streams.state, "OPENED"),
      ),
    )
    .orderBy(topics.name, partitions.partition);
  const recover = await db
    .select({ volumeId: volumes.id, ownerBrokerId: volumes.ownerBrokerId, ownerEpoch: volumes.ownerEpoch })
    .from(volumes)
    .where(and(eq(volumes.clusterId, clusterId), eq(volumes.recoveringBrokerId, brokerId)));
  return { version: broker.version, open, close, recover };
}
