// OffsetCommit v0–9: answered once the offsets are durable in the group's offsets log. As in Kafka,
// partitions of topics the cluster does not have get UNKNOWN_TOPIC_OR_PARTITION and are not stored
// (when metadata cannot be read, nothing is refused on that ground).
import { type ApiKey, ErrorCode, type OffsetCommitRequest } from "@cirrus/kafka-protocol";
import { routeGroup } from "./group-membership-handlers.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

type CommitTopic = OffsetCommitRequest["topics"][number];

/** topic → partition count, or null when metadata is unavailable. */
async function partitionCounts(context: RequestContext, fresh: boolean): Promise<Map<string, number> | null> {
  try {
    const metadata = await context.services.metadata(fresh);
    return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  } catch {
    return null;
  }
}

function allExist(counts: Map<string, number> | null, topics: readonly CommitTopic[]): boolean {
  return topics.every((t) => t.partitions.every((p) => exists(counts, t.name, p.partitionIndex)));
}

function exists(counts: Map<string, number> | null, topic: string, partition: number): boolean {
  if (counts === null) return true;
  const n = counts.get(topic);
  return n !== undefined && partition >= 0 && partition < n;
}

export async function handleOffsetCommit(
  request: OffsetCommitRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.OffsetCommit>> {
  const allWith = (errorCode: number) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  });
  const shard = await routeGroup(request.groupId, context);
  if (typeof shard === "number") return allWith(shard);
  let counts = await partitionCounts(context, false);
  // The cache may predate a topic created moments ago (through another broker): look again before refusing.
  if (!allExist(counts, request.topics)) counts = await partitionCounts(context, true);
  const known: CommitTopic[] = [];
  for (const t of request.topics) {
    const partitions = t.partitions.filter((p) => exists(counts, t.name, p.partitionIndex));
    if (partitions.length > 0) known.push({ ...t, partitions });
  }
  const committed = await shard.offsets.commit({
    groupId: request.groupId,
    // v0 carries no generation or member: a commit from outside group management.
    generationId: context.apiVersion === 0 ? -1 : request.generationIdOrMemberEpoch,
    memberId: request.memberId ?? "",
    groupInstanceId: request.groupInstanceId ?? null,
    topics: known.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: p.committedLeaderEpoch ?? -1,
        committedMetadata: p.committedMetadata,
      })),
    })),
  });
  const codes = new Map<string, number>();
  for (const t of committed)
    for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
  // The answer lists every requested partition, in request order.
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: codes.get(`${t.name}\u0000${p.partitionIndex}`) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    })),
  };
}
