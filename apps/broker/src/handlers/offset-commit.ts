// OffsetCommit v0–9: answered once the offsets are durable in the group's offsets log.
import type { OffsetCommitRequest } from "@cirrus/kafka-protocol";
import { routeGroup } from "./group-membership-handlers.ts";
import type { RequestContext } from "./handler.ts";

export async function handleOffsetCommit(
  request: OffsetCommitRequest,
  context: RequestContext,
): Promise<object> {
  const allWith = (errorCode: number) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  });
  const shard = await routeGroup(request.groupId, context);
  if (typeof shard === "number") return allWith(shard);
  const topics = await shard.offsets.commit({
    groupId: request.groupId,
    // v0 carries no generation or member: a commit from outside group management.
    generationId: context.apiVersion === 0 ? -1 : request.generationIdOrMemberEpoch,
    memberId: request.memberId ?? "",
    groupInstanceId: request.groupInstanceId ?? null,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: p.committedLeaderEpoch ?? -1,
        committedMetadata: p.committedMetadata,
      })),
    })),
  });
  return { throttleTimeMs: 0, topics };
}
