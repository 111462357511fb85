// A consumer group's offset reset, as kafka-consumer-groups --reset-offsets does it, over the Kafka protocol:
// the group's state and committed offsets from its coordinator (DescribeGroups, OffsetFetch), each
// partition's earliest, latest and (for a timestamp) first-at-or-after offsets from its leader (ListOffsets,
// exact by timestamp in the broker), then, unless it is a dry run, one OffsetCommit at the coordinator as an
// admin outside group management (generation -1, no member), which Kafka allows only while the group is empty.

import { ApiKey, ErrorCode, errorName } from "@cirrus/kafka-protocol";
import type { KafkaClientConnection } from "@cirrus/kafka-protocol/client";
import type { Static } from "@sinclair/typebox";
import type { OffsetResetRequest, OffsetResetResult } from "../api-schemas/consumer-groups.ts";
import type { DbOrTx } from "../db/database.ts";
import { ApiError } from "../errors.ts";
import { activeBrokers, findCoordinator, readGroup } from "./consumer-groups.ts";
import {
  kafkaProblem,
  listOffsetsAt,
  REQUEST_TIMEOUT_MS,
  withBrokerConnection,
} from "./kafka-broker-call.ts";
import { type PartitionBounds, planOffsetReset, type ResetTarget } from "./offset-reset-plan.ts";
import { readTopics } from "./topics.ts";

/** Kafka's rule: offsets are reset only while no member is in the group. */
const RESETTABLE_STATES = new Set(["Empty", "Dead"]);
/** What the coordinator answers an admin commit when a member joined meanwhile. */
const GROUP_ACTIVE_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.REBALANCE_IN_PROGRESS,
]);
const EARLIEST = -2n;
const LATEST = -1n;

type Part = { topic: string; partition: number };
const keyOf = (p: Part) => `${p.topic}/${p.partition}`;

/** The group's state and its committed offsets, stable ones (no pending transactional commit). */
async function readGroupOffsets(c: KafkaClientConnection, groupId: string) {
  const { group, offsets } = await readGroup(c, groupId, true);
  const committed = new Map<string, number>();
  for (const t of offsets.topics)
    for (const p of t.partitions)
      if (p.errorCode === ErrorCode.NONE && p.committedOffset >= 0n)
        committed.set(keyOf({ topic: t.name, partition: p.partitionIndex }), Number(p.committedOffset));
  return { state: group.groupState, committed };
}

/** One ListOffsets at a leader for its partitions at one timestamp; any partition's error fails the reset. */
async function offsetsAt(
  c: KafkaClientConnection,
  parts: Part[],
  timestamp: bigint,
): Promise<Map<string, number>> {
  const answer = await listOffsetsAt(c, parts, timestamp);
  const found = new Map<string, number>();
  for (const t of answer.topics)
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE)
        throw kafkaProblem(p.errorCode, `offsets of ${t.name}-${p.partitionIndex}`);
      found.set(keyOf({ topic: t.name, partition: p.partitionIndex }), Number(p.offset));
    }
  for (const p of parts)
    if (!found.has(keyOf(p)))
      throw new ApiError(
        "UNAVAILABLE",
        `the leader's ListOffsets answer leaves out ${p.topic}-${p.partition}`,
      );
  return found;
}

/** The partitions the reset covers: every partition of `topics`, or every one the group committed. */
async function scope(
  db: DbOrTx,
  clusterId: string,
  topics: string[] | undefined,
  committed: Map<string, number>,
) {
  const names = topics ?? [...new Set([...committed.keys()].map((k) => k.slice(0, k.lastIndexOf("/"))))];
  const metadata = names.length === 0 ? [] : await readTopics(db, clusterId, names);
  const missing = names.filter((n) => !metadata.some((t) => t.name === n));
  if (topics && missing.length > 0) throw new ApiError("UNKNOWN_TOPIC", `no topic ${missing.join(", ")}`);
  const parts: (Part & { leader: number })[] = [];
  for (const t of metadata)
    for (const p of t.partitions)
      if (topics || committed.has(keyOf({ topic: t.name, partition: p.partition })))
        parts.push({ topic: t.name, partition: p.partition, leader: p.leaderBrokerId });
  return parts;
}

async function bounds(
  db: DbOrTx,
  clusterId: string,
  parts: (Part & { leader: number })[],
  target: ResetTarget,
  committed: Map<string, number>,
): Promise<PartitionBounds[]> {
  const brokers = await activeBrokers(db, clusterId);
  const byLeader = new Map<number, Part[]>();
  for (const p of parts) {
    if (p.leader < 0) throw new ApiError("UNAVAILABLE", `${p.topic}-${p.partition} has no leader now: retry`);
    byLeader.set(p.leader, [...(byLeader.get(p.leader) ?? []), p]);
  }
  const result: PartitionBounds[] = [];
  for (const [leaderId, own] of byLeader) {
    const broker = brokers.find((b) => b.brokerId === leaderId);
    if (!broker) throw new ApiError("UNAVAILABLE", `broker ${leaderId}, a leader, is not active: retry`);
    const { earliest, latest, at } = await withBrokerConnection(db, clusterId, broker, async (c) => ({
      earliest: await offsetsAt(c, own, EARLIEST),
      latest: await offsetsAt(c, own, LATEST),
      at: target.type === "timestamp" ? await offsetsAt(c, own, BigInt(target.timestamp)) : undefined,
    }));
    for (const p of own) {
      const k = keyOf(p);
      result.push({
        ...p,
        before: committed.get(k) ?? -1,
        earliest: earliest.get(k)!,
        latest: latest.get(k)!,
        ...(at ? { atTimestamp: at.get(k)! } : {}),
      });
    }
  }
  return result;
}

async function commit(c: KafkaClientConnection, groupId: string, plan: ReturnType<typeof planOffsetReset>) {
  const names = [...new Set(plan.map((p) => p.topic))];
  const answer = await c.request(
    ApiKey.OffsetCommit,
    8,
    {
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      topics: names.map((name) => ({
        name,
        partitions: plan
          .filter((p) => p.topic === name)
          .map((p) => ({
            partitionIndex: p.partition,
            committedOffset: BigInt(p.after),
            committedLeaderEpoch: -1,
            committedMetadata: "",
          })),
      })),
    },
    REQUEST_TIMEOUT_MS,
  );
  for (const t of answer.topics)
    for (const p of t.partitions) {
      if (p.errorCode === ErrorCode.NONE) continue;
      if (GROUP_ACTIVE_ERRORS.has(p.errorCode))
        throw new ApiError(
          "INVALID_STATE",
          `group ${groupId} got a member while resetting (${errorName(p.errorCode)}): stop its consumers and retry`,
        );
      throw kafkaProblem(p.errorCode, `OffsetCommit of ${t.name}-${p.partitionIndex}`);
    }
}

export async function resetGroupOffsets(
  db: DbOrTx,
  clusterId: string,
  groupId: string,
  request: Static<typeof OffsetResetRequest>,
): Promise<Static<typeof OffsetResetResult>> {
  const dryRun = request.dryRun ?? true;
  const coordinator = await findCoordinator(db, clusterId, groupId);
  const { state, committed } = await withBrokerConnection(db, clusterId, coordinator, (c) =>
    readGroupOffsets(c, groupId),
  );
  if (!request.topics && committed.size === 0)
    throw new ApiError(
      "NOT_FOUND",
      `group ${groupId} has no committed offset: name the topics to reset (it then starts from the new offsets)`,
    );
  if (!dryRun && !RESETTABLE_STATES.has(state))
    throw new ApiError(
      "INVALID_STATE",
      `group ${groupId} is ${state}: offsets can be reset only while it has no member (Empty); stop its consumers first`,
    );
  const parts = await scope(db, clusterId, request.topics, committed);
  const plan = planOffsetReset(request.target, await bounds(db, clusterId, parts, request.target, committed));
  if (!dryRun && plan.length > 0)
    await withBrokerConnection(db, clusterId, coordinator, (c) => commit(c, groupId, plan));
  return { groupId, state, dryRun, executed: !dryRun && plan.length > 0, partitions: plan };
}
