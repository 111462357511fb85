import {
  type AddPartitionsRequest,
  type AlterTopicConfigsRequest,
  applyTopicConfigChanges,
  type CreateTopicRequest,
  checkNewTopic,
  checkPartitionGrowth,
  checkTopicDeletion,
  type PartitionMetadata,
  type TopicMetadata,
  TopicRule,
  type TopicRuleViolation,
} from "@cirrus/broker-api";
import { and, eq, inArray } from "drizzle-orm";
import { newId } from "../auth/token-secrets.ts";
import type { Db, DbOrTx, Tx } from "../db/database.ts";
import { brokers, partitions, streams, topics } from "../db/schema.ts";
import { inTransaction, isUniqueViolation } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";
import { removeStreams } from "../objects/stream-removal.ts";
import { assignLeaderlessPartitions, bumpVersions, lockCluster } from "./partition-assigner.ts";

/** The result of a topic change: what it looks like now, and whose assignments changed. */
export interface TopicChange<T> {
  result: T;
  changed: number[];
}

/**
 * Every topic change, from the REST API or a broker's internal call, passes Kafka's topic rules here
 * (@cirrus/broker-api's topic-rules, which the broker also uses to answer in Kafka's error codes).
 */
function enforce(violation: TopicRuleViolation | null): void {
  if (!violation) return;
  throw new ApiError(
    violation.rule === TopicRule.PARTITIONS ? "INVALID_PARTITIONS" : "INVALID_REQUEST",
    violation.message,
  );
}

/** Thrown inside a validate-only transaction to roll it back after every check ran. */
class ValidateOnlyRollback extends Error {
  readonly value: unknown;
  constructor(value: unknown) {
    super("validate only");
    this.value = value;
  }
}

async function lockRunningCluster(tx: Tx, clusterId: string): Promise<void> {
  const cluster = await lockCluster(tx, clusterId);
  if (!cluster) throw new ApiError("NOT_FOUND", `cluster ${clusterId} not found`);
  if (cluster.state === "DELETING") throw new ApiError("INVALID_STATE", "the cluster is being deleted");
}

/** Runs `fn` in a transaction; with `validateOnly` everything is checked and then rolled back. */
async function change<T>(db: Db, validateOnly: boolean | undefined, fn: (tx: Tx) => Promise<TopicChange<T>>) {
  try {
    return await inTransaction(db, async (tx) => {
      const out = await fn(tx);
      if (validateOnly) throw new ValidateOnlyRollback(out);
      return out;
    });
  } catch (error) {
    if (error instanceof ValidateOnlyRollback) return { ...(error.value as TopicChange<T>), changed: [] };
    throw error;
  }
}

async function insertPartitions(
  tx: Tx,
  clusterId: string,
  topic: { id: string; name: string },
  from: number,
  to: number,
) {
  const count = to - from;
  const created = await tx
    .insert(streams)
    .values(
      Array.from({ length: count }, (_, i) => ({
        clusterId,
        tags: { topic: topic.name, topicId: topic.id, partition: String(from + i) },
      })),
    )
    .returning({ id: streams.id });
  await tx
    .insert(partitions)
    .values(created.map((s, i) => ({ topicId: topic.id, partition: from + i, clusterId, streamId: s.id })));
}

/**
 * `byBroker`: a broker's internal call, which may create the internal topics it runs on
 * (__consumer_offsets); it refuses its clients' CreateTopics for them with the same rule.
 */
export async function createTopic(
  db: Db,
  clusterId: string,
  request: CreateTopicRequest,
  options: { byBroker?: boolean } = {},
): Promise<TopicChange<TopicMetadata>> {
  enforce(checkNewTopic(request, options));
  try {
    return await change(db, request.validateOnly, async (tx) => {
      await lockRunningCluster(tx, clusterId);
      const topic = { id: newId(), name: request.name };
      await tx
        .insert(topics)
        .values({ ...topic, clusterId, configs: request.configs ?? {}, createdAt: Date.now() });
      await insertPartitions(tx, clusterId, topic, 0, request.partitions);
      const changed = await assignLeaderlessPartitions(tx, clusterId);
      await bumpVersions(tx, clusterId, []);
      return { result: await readTopic(tx, clusterId, request.name), changed };
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ApiError("TOPIC_ALREADY_EXISTS", `topic ${request.name} already exists`);
    throw error;
  }
}

export async function addPartitions(
  db: Db,
  clusterId: string,
  name: string,
  request: AddPartitionsRequest,
): Promise<TopicChange<TopicMetadata>> {
  enforce(checkPartitionGrowth(name, request.totalCount));
  return change(db, request.validateOnly, async (tx) => {
    await lockRunningCluster(tx, clusterId);
    const current = await readTopic(tx, clusterId, name);
    if (request.totalCount <= current.partitions.length) {
      throw new ApiError(
        "INVALID_PARTITIONS",
        `topic ${name} has ${current.partitions.length} partitions; the new count must be larger`,
      );
    }
    await insertPartitions(
      tx,
      clusterId,
      { id: current.topicId, name },
      current.partitions.length,
      request.totalCount,
    );
    const changed = await assignLeaderlessPartitions(tx, clusterId);
    await bumpVersions(tx, clusterId, []);
    return { result: await readTopic(tx, clusterId, name), changed };
  });
}

/** Deletes the topic and its streams (their objects become unreferenced). */
export async function deleteTopic(
  db: Db,
  clusterId: string,
  name: string,
): Promise<TopicChange<{ topicId: string; name: string }>> {
  enforce(checkTopicDeletion(name));
  return inTransaction(db, async (tx) => {
    await lockRunningCluster(tx, clusterId);
    const topic = await readTopic(tx, clusterId, name);
    await removeStreams(
      tx,
      topic.partitions.map((p) => p.streamId),
      Date.now(),
    );
    await tx.delete(topics).where(eq(topics.id, topic.topicId));
    const leaders = [...new Set(topic.partitions.map((p) => p.leaderBrokerId).filter((id) => id >= 0))];
    await bumpVersions(tx, clusterId, leaders);
    return { result: { topicId: topic.topicId, name }, changed: leaders };
  });
}

/**
 * Changes a topic's configs (Kafka's AlterConfigs with `replace`, IncrementalAlterConfigs without), applied
 * to the stored set under the cluster lock so that concurrent changes never lose one another; the result
 * passes the same topic-rules as every other topic change. `validateOnly` checks and writes nothing.
 */
export async function alterTopicConfigs(
  db: Db,
  clusterId: string,
  name: string,
  request: AlterTopicConfigsRequest,
): Promise<TopicChange<TopicMetadata>> {
  return change(db, request.validateOnly, async (tx) => {
    await lockRunningCluster(tx, clusterId);
    const [row] = await tx
      .select({ configs: topics.configs })
      .from(topics)
      .where(and(eq(topics.clusterId, clusterId), eq(topics.name, name)));
    if (!row) throw new ApiError("UNKNOWN_TOPIC", `topic ${name} does not exist`);
    const next = applyTopicConfigChanges(
      row.configs as Record<string, string>,
      request.changes,
      request.replace,
    );
    if ("rule" in next) enforce(next);
    else {
      await tx
        .update(topics)
        .set({ configs: next.configs })
        .where(and(eq(topics.clusterId, clusterId), eq(topics.name, name)));
    }
    await bumpVersions(tx, clusterId, []);
    return { result: await readTopic(tx, clusterId, name), changed: [] };
  });
}

/** The REST API's replace: AlterConfigs with every key set. */
export async function updateTopicConfigs(
  db: Db,
  clusterId: string,
  name: string,
  configs: Record<string, string>,
): Promise<TopicMetadata> {
  const changes = Object.entries(configs).map(([key, value]) => ({ name: key, op: "set" as const, value }));
  const { result } = await alterTopicConfigs(db, clusterId, name, { changes, replace: true });
  return result;
}

/** A leader that cannot serve (fenced, stopped) is reported as -1: Kafka's LEADER_NOT_AVAILABLE. */
async function servingBrokers(db: DbOrTx, clusterId: string): Promise<Set<number>> {
  const rows = await db
    .select({ brokerId: brokers.brokerId })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), inArray(brokers.state, ["ACTIVE", "DRAINING"])));
  return new Set(rows.map((r) => r.brokerId));
}

interface LeaderRow {
  leaderBrokerId: number;
  leaderEpoch: number;
  /** The planned target of a move in flight (-1: none). */
  targetBrokerId: number;
  streamNodeId: number | null;
  streamEpoch: number | null;
}

/**
 * The leader clients are told about. A new leader is announced only once it has opened the partition's
 * stream at the partition's leader epoch, so clients never storm a broker that is not ready. Until then
 * (a move: the source closing, the target opening) the broker that last held the stream stays announced
 * while it serves: it answers NOT_LEADER_OR_FOLLOWER at once and clients retry after their backoff (some
 * clients wait a whole request timeout on a leader of -1). A stream no broker ever opened (a new
 * partition) is announced at once. When the holder can no longer serve (stopped after its SIGTERM
 * hand-back, fenced), the broker that is to open the partition next is announced rather than no leader:
 * the one assigned, or the planned target of a move whose source died (it holds a request until it has
 * opened, or answers NOT_LEADER_OR_FOLLOWER; a fenced epoch is still never served). Only when there is
 * none (a failover still replaying the dead broker's WAL, a drain's move of a dead source) is the leader -1
 * (LEADER_NOT_AVAILABLE). Announced epochs never go back: the source's, then the assigned leader's.
 */
function announcedLeader(p: LeaderRow, serving: ReadonlySet<number>): { leader: number; epoch: number } {
  const holder = p.streamNodeId ?? -1;
  const opened = holder < 0 || (holder === p.leaderBrokerId && p.streamEpoch === p.leaderEpoch);
  if (opened && serving.has(p.leaderBrokerId)) return { leader: p.leaderBrokerId, epoch: p.leaderEpoch };
  if (!opened && serving.has(holder)) return { leader: holder, epoch: p.streamEpoch ?? p.leaderEpoch };
  const next = p.leaderBrokerId >= 0 ? p.leaderBrokerId : p.targetBrokerId;
  if (serving.has(next)) return { leader: next, epoch: p.leaderEpoch };
  return { leader: -1, epoch: p.leaderEpoch };
}

/** Topics with partitions; `names` limits the list (unknown names are simply absent). */
export async function readTopics(db: DbOrTx, clusterId: string, names?: string[]): Promise<TopicMetadata[]> {
  const topicRows = await db
    .select()
    .from(topics)
    .where(and(eq(topics.clusterId, clusterId), names ? inArray(topics.name, names) : undefined))
    .orderBy(topics.name);
  if (topicRows.length === 0) return [];
  const serving = await servingBrokers(db, clusterId);
  const partitionRows = await db
    .select({
      topicId: partitions.topicId,
      partition: partitions.partition,
      leaderBrokerId: partitions.leaderBrokerId,
      leaderEpoch: partitions.leaderEpoch,
      targetBrokerId: partitions.targetBrokerId,
      streamId: partitions.streamId,
      streamNodeId: streams.nodeId,
      streamEpoch: streams.epoch,
    })
    .from(partitions)
    .leftJoin(streams, eq(streams.id, partitions.streamId))
    .where(
      inArray(
        partitions.topicId,
        topicRows.map((t) => t.id),
      ),
    )
    .orderBy(partitions.topicId, partitions.partition);
  const byTopic = new Map<string, PartitionMetadata[]>();
  for (const p of partitionRows) {
    const { leader, epoch } = announcedLeader(p, serving);
    const entry: PartitionMetadata = {
      partition: p.partition,
      leaderBrokerId: leader,
      leaderEpoch: epoch,
      streamId: p.streamId,
    };
    const list = byTopic.get(p.topicId);
    if (list) list.push(entry);
    else byTopic.set(p.topicId, [entry]);
  }
  return topicRows.map((t) => ({
    topicId: t.id,
    name: t.name,
    configs: t.configs as Record<string, string>,
    partitions: byTopic.get(t.id) ?? [],
  }));
}

export async function readTopic(db: DbOrTx, clusterId: string, name: string): Promise<TopicMetadata> {
  const [topic] = await readTopics(db, clusterId, [name]);
  if (!topic) throw new ApiError("UNKNOWN_TOPIC", `topic ${name} does not exist`);
  return topic;
}
