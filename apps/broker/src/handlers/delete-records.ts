// DeleteRecords v0–2 (21): moves a partition's log start offset forward, as `kafka-delete-records` asks. Offset
// -1 means the high watermark (delete everything written so far); an offset above the high watermark is
// OFFSET_OUT_OF_RANGE; one at or below the log start changes nothing. The stream's trim makes the records
// below it unreadable at once (fetches below the new start get OFFSET_OUT_OF_RANGE, ListOffsets earliest
// answers it), and object storage reclaims their objects once no stream references them (s3stream).
// Partitions this broker does not serve get the same answers as ListOffsets (topic-lookup.ts servedPartition).
import { type ApiKey, type DeleteRecordsRequest, ErrorCode } from "@cirrus/kafka-protocol";
import type { ErrorResponder, RequestContext, ResponseOf } from "./handler.ts";
import { kafkaErrorCodeOf } from "./kafka-error-codes.ts";
import { servedPartition } from "./topic-lookup.ts";

const HIGH_WATERMARK = -1n;

export async function handleDeleteRecords(
  request: DeleteRecordsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.DeleteRecords>> {
  const { services } = context;
  const topics = await Promise.all(
    request.topics.map(async (topic) => ({
      name: topic.name,
      partitions: await Promise.all(
        topic.partitions.map(async (p) => {
          const answer = (errorCode: number, lowWatermark = -1) => ({
            partitionIndex: p.partitionIndex,
            lowWatermark: BigInt(lowWatermark),
            errorCode,
          });
          const partition = await servedPartition(services, topic.name, p.partitionIndex);
          if ("errorCode" in partition) return answer(partition.errorCode);
          if (services.shuttingDown() || !services.canAck()) return answer(ErrorCode.NOT_LEADER_OR_FOLLOWER);
          const highWatermark = partition.highWatermark;
          if (p.offset < HIGH_WATERMARK || p.offset > BigInt(highWatermark)) {
            return answer(ErrorCode.OFFSET_OUT_OF_RANGE, partition.logStartOffset);
          }
          const target = p.offset === HIGH_WATERMARK ? highWatermark : Number(p.offset);
          try {
            if (target > partition.logStartOffset) await partition.trim(target);
            return answer(ErrorCode.NONE, partition.logStartOffset);
          } catch (error) {
            return answer(kafkaErrorCodeOf(error));
          }
        }),
      ),
    })),
  );
  return { throttleTimeMs: 0, topics };
}

export const deleteRecordsError: ErrorResponder<21> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      lowWatermark: -1n,
      errorCode,
    })),
  })),
});
