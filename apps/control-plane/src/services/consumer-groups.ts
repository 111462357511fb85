// Consumer groups as the brokers' group coordinators know them, asked over the Kafka protocol: ListGroups of
// every broker, then for one group FindCoordinator, DescribeGroups and OffsetFetch at its coordinator, and the
// end offsets of its partitions at their leaders (ListOffsets), so lag is what a Kafka admin tool would show.

import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import type { KafkaClientConnection } from "@cirrus/kafka-protocol/client";
import type { Static } from "@sinclair/typebox";
import { and, eq } from "drizzle-orm";
import type { GroupSummary, GroupView } from "../api-schemas/consumer-groups.ts";
import type { DbOrTx } from "../db/database.ts";
import { brokers } from "../db/schema.ts";
import { ApiError } from "../errors.ts";
import { decodeConsumerAssignment } from "./consumer-assignment.ts";
import {
  kafkaProblem,
  listOffsetsAt,
  REQUEST_TIMEOUT_MS,
  withBrokerConnection,
} from "./kafka-broker-call.ts";
import { readTopics } from "./topics.ts";

type Broker = { brokerId: number; host: string; port: number };

export async function activeBrokers(db: DbOrTx, clusterId: string): Promise<Broker[]> {
  const rows = await db
    .select({ brokerId: brokers.brokerId, host: brokers.host, port: brokers.port })
    .from(brokers)
    .where(and(eq(brokers.clusterId, clusterId), eq(brokers.state, "ACTIVE")));
  if (rows.length === 0)
    throw new ApiError("UNAVAILABLE", "no broker of this cluster is active: nothing to ask");
  return rows.sort((a, b) => a.brokerId - b.brokerId);
}

/** Every group any broker coordinates (each broker lists the groups it coordinates), by id. */
export async function listGroups(db: DbOrTx, clusterId: string): Promise<Static<typeof GroupSummary>[]> {
  const found = new Map<string, Static<typeof GroupSummary>>();
  for (const broker of await activeBrokers(db, clusterId)) {
    const answer = await withBrokerConnection(db, clusterId, broker, (c) =>
      c.request(ApiKey.ListGroups, 4, { statesFilter: [] }, REQUEST_TIMEOUT_MS),
    );
    if (answer.errorCode !== ErrorCode.NONE)
      throw kafkaProblem(answer.errorCode, `ListGroups at broker ${broker.brokerId}`);
    for (const g of answer.groups)
      found.set(g.groupId, { groupId: g.groupId, state: g.groupState, protocolType: g.protocolType });
  }
  return [...found.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
}

/** End offsets of partitions, asked of each leader once; a partition whose leader cannot answer gets none. */
async function endOffsets(db: DbOrTx, clusterId: string, wanted: { topic: string; partition: number }[]) {
  const topics = await readTopics(db, clusterId, [...new Set(wanted.map((w) => w.topic))]);
  const all = await activeBrokers(db, clusterId);
  const byLeader = new Map<number, { topic: string; partition: number }[]>();
  for (const w of wanted) {
    const leader = topics
      .find((t) => t.name === w.topic)
      ?.partitions.find((p) => p.partition === w.partition)?.leaderBrokerId;
    if (leader === undefined || leader < 0) continue;
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), w]);
  }
  const ends = new Map<string, number>();
  for (const [leaderId, parts] of byLeader) {
    const broker = all.find((b) => b.brokerId === leaderId);
    if (!broker) continue;
    // That leader's partitions show no end offset rather than failing the page.
    const answer = await withBrokerConnection(db, clusterId, broker, (c) =>
      listOffsetsAt(c, parts, -1n),
    ).catch(() => undefined);
    for (const t of answer?.topics ?? [])
      for (const p of t.partitions)
        if (p.errorCode === ErrorCode.NONE) ends.set(`${t.name}/${p.partitionIndex}`, Number(p.offset));
  }
  return ends;
}

/** The broker that coordinates `groupId` (FindCoordinator asked of any active broker). */
export async function findCoordinator(db: DbOrTx, clusterId: string, groupId: string): Promise<Broker> {
  const [any] = await activeBrokers(db, clusterId);
  const found = await withBrokerConnection(db, clusterId, any!, (c) =>
    c.request(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0 }, REQUEST_TIMEOUT_MS),
  );
  if (found.errorCode !== ErrorCode.NONE)
    throw kafkaProblem(found.errorCode, `FindCoordinator for ${groupId}`);
  return { brokerId: found.nodeId, host: found.host, port: found.port };
}

/**
 * A group's description (DescribeGroups) and committed offsets (OffsetFetch) from its coordinator; an error code
 * in either answer is a problem. `requireStable` waits out pending transactional commits (what a reset needs).
 */
export async function readGroup(c: KafkaClientConnection, groupId: string, requireStable: boolean) {
  const described = await c.request(
    ApiKey.DescribeGroups,
    5,
    { groups: [groupId], includeAuthorizedOperations: false },
    REQUEST_TIMEOUT_MS,
  );
  const offsets = await c.request(
    ApiKey.OffsetFetch,
    7,
    { groupId, topics: null, requireStable },
    REQUEST_TIMEOUT_MS,
  );
  const group = described.groups[0];
  if (!group) throw new ApiError("UNAVAILABLE", "the coordinator's DescribeGroups answer names no group");
  if (group.errorCode !== ErrorCode.NONE) throw kafkaProblem(group.errorCode, `DescribeGroups ${groupId}`);
  if (offsets.errorCode !== ErrorCode.NONE) throw kafkaProblem(offsets.errorCode, `OffsetFetch ${groupId}`);
  return { group, offsets };
}

export async function describeGroup(
  db: DbOrTx,
  clusterId: string,
  groupId: string,
): Promise<Static<typeof GroupView>> {
  const coordinator = await findCoordinator(db, clusterId, groupId);
  const { group, offsets } = await withBrokerConnection(db, clusterId, coordinator, (c) =>
    readGroup(c, groupId, false),
  );
  // Kafka describes an unknown group as Dead with no member: it is not there.
  if (group.groupState === "Dead" && offsets.topics.length === 0)
    throw new ApiError("NOT_FOUND", `no consumer group ${groupId}`);

  const members = group.members.map((m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    clientHost: m.clientHost,
    assignment: group.protocolType === "consumer" ? (decodeConsumerAssignment(m.memberAssignment) ?? []) : [],
  }));
  const owner = new Map<string, string>();
  for (const m of members)
    for (const a of m.assignment) for (const p of a.partitions) owner.set(`${a.topic}/${p}`, m.memberId);
  const committed = new Map<string, number>();
  for (const t of offsets.topics)
    for (const p of t.partitions)
      if (p.errorCode === ErrorCode.NONE)
        committed.set(`${t.name}/${p.partitionIndex}`, Number(p.committedOffset));
  const keys = new Set([...committed.keys(), ...owner.keys()]);
  const wanted = [...keys].map((k) => {
    const cut = k.lastIndexOf("/");
    return { topic: k.slice(0, cut), partition: Number(k.slice(cut + 1)) };
  });
  const ends = await endOffsets(db, clusterId, wanted);
  const partitions = wanted
    .map(({ topic, partition }) => {
      const key = `${topic}/${partition}`;
      const committedOffset = committed.get(key) ?? -1;
      const endOffset = ends.get(key) ?? null;
      const lag = endOffset === null ? null : Math.max(0, endOffset - Math.max(0, committedOffset));
      return { topic, partition, committedOffset, endOffset, lag, memberId: owner.get(key) ?? null };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return {
    groupId,
    state: group.groupState,
    protocolType: group.protocolType,
    protocol: group.protocolData,
    coordinator: coordinator.brokerId,
    members,
    partitions,
    totalLag: partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0),
  };
}
