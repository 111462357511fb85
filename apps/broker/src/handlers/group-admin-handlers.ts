// DeleteGroups v0–2 and OffsetDelete v0: routed to the coordinator of each group like DescribeGroups (a
// group led elsewhere answers NOT_COORDINATOR); the rules and the tombstones live in groups/group-deletion.ts.
// As in Kafka, OffsetDelete answers UNKNOWN_TOPIC_OR_PARTITION for a partition the cluster does not have.
import {
  type ApiKey,
  type DeleteGroupsRequest,
  ErrorCode,
  type OffsetDeleteRequest,
} from "@cirrus/kafka-protocol";
import { routeGroup } from "./group-membership-handlers.ts";
import type { ErrorResponder, RequestContext, ResponseOf } from "./handler.ts";

export async function handleDeleteGroups(
  request: DeleteGroupsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DeleteGroups>> {
  const results = await Promise.all(
    request.groupsNames.map(async (groupId) => {
      const shard = await routeGroup(groupId, context);
      const errorCode = typeof shard === "number" ? shard : await shard.deleteGroup(groupId);
      return { groupId, errorCode };
    }),
  );
  return { throttleTimeMs: 0, results };
}

export const deleteGroupsError: ErrorResponder<typeof ApiKey.DeleteGroups> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: request.groupsNames.map((groupId) => ({ groupId, errorCode })),
});

/** topic → partition count, or null when metadata is unavailable (then no partition is refused on that ground). */
async function partitionCounts(context: RequestContext, fresh: boolean): Promise<Map<string, number> | null> {
  try {
    const metadata = await context.services.metadata(fresh);
    return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  } catch {
    return null;
  }
}

export async function handleOffsetDelete(
  request: OffsetDeleteRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.OffsetDelete>> {
  const shard = await routeGroup(request.groupId, context);
  if (typeof shard === "number") return { errorCode: shard, throttleTimeMs: 0, topics: [] };
  const exists = (counts: Map<string, number> | null, topic: string, partition: number) => {
    if (counts === null) return true;
    const n = counts.get(topic);
    return n !== undefined && partition >= 0 && partition < n;
  };
  let counts = await partitionCounts(context, false);
  const allKnown = (c: Map<string, number> | null) =>
    request.topics.every((t) => t.partitions.every((p) => exists(c, t.name, p.partitionIndex)));
  if (!allKnown(counts)) counts = await partitionCounts(context, true);
  const known = request.topics
    .map((t) => ({
      name: t.name,
      partitionIndexes: t.partitions.map((p) => p.partitionIndex).filter((p) => exists(counts, t.name, p)),
    }))
    .filter((t) => t.partitionIndexes.length > 0);
  const deleted = await shard.deleteOffsets(request.groupId, known);
  if (deleted.errorCode !== ErrorCode.NONE)
    return { errorCode: deleted.errorCode, throttleTimeMs: 0, topics: [] };
  const codes = new Map<string, number>();
  for (const t of deleted.topics)
    for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
  return {
    errorCode: ErrorCode.NONE,
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

export const offsetDeleteError: ErrorResponder<typeof ApiKey.OffsetDelete> = (_request, errorCode) => ({
  errorCode,
  throttleTimeMs: 0,
  topics: [],
});
