// OffsetFetch v0–9: one group per request before v8, a batch of groups from v8 (KIP-709). A group whose
// coordinator is elsewhere or loading gets that error (top level before v8, per group from v8); v0–1 have
// no top-level error code, so there it goes on every requested partition. requireStable (v7+): a partition
// with an offset staged by an open transaction answers UNSTABLE_OFFSET_COMMIT (groups/group-offsets.ts).
import { type ApiKey, ErrorCode, type OffsetFetchRequest } from "@cirrus/kafka-protocol";
import type { FetchedOffsets } from "../groups/group-offsets.ts";
import { routeGroup } from "./group-membership-handlers.ts";
import type { RequestContext, ResponseOf } from "./handler.ts";

type WantedTopics = readonly { name: string; partitionIndexes: readonly number[] }[] | null;

async function fetchGroup(
  groupId: string,
  topics: WantedTopics,
  requireStable: boolean,
  context: RequestContext,
): Promise<{ errorCode: number; topics: FetchedOffsets[] }> {
  const shard = await routeGroup(groupId, context);
  if (typeof shard === "number") {
    const perPartition = (topics ?? []).map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => ({
        partitionIndex,
        committedOffset: -1n,
        committedLeaderEpoch: -1,
        metadata: "",
        errorCode: shard,
      })),
    }));
    return { errorCode: shard, topics: perPartition };
  }
  return { errorCode: ErrorCode.NONE, topics: shard.offsets.fetch(groupId, topics, requireStable) };
}

export async function handleOffsetFetch(
  request: OffsetFetchRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.OffsetFetch>> {
  const v = context.apiVersion;
  if (v >= 8) {
    const groups = await Promise.all(
      request.groups.map(async (g) => {
        const result = await fetchGroup(g.groupId, g.topics ?? null, request.requireStable, context);
        return {
          groupId: g.groupId,
          errorCode: result.errorCode,
          topics: result.errorCode === ErrorCode.NONE ? result.topics : [],
        };
      }),
    );
    return { throttleTimeMs: 0, groups };
  }
  const result = await fetchGroup(request.groupId, request.topics ?? null, request.requireStable, context);
  if (v < 2) return { throttleTimeMs: 0, topics: result.topics };
  return {
    throttleTimeMs: 0,
    errorCode: result.errorCode,
    topics: result.errorCode === ErrorCode.NONE ? result.topics : [],
  };
}
