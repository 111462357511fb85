// The log-dir APIs. A broker has one "log dir": its data folder, where its WAL and caches live (the log itself
// is in object storage), so a partition it leads is always there and cannot move to another dir.
//
// DescribeLogDirs v1–5: that dir and the partitions this broker leads, as Kafka's
// ReplicaManager.describeLogDirs answers. Kafka 4's kafka-reassign-partitions reads it
// (Admin.describeReplicaLogDirs) before any --execute or --generate, with no fallback, and prints the dirs in
// its rollback plan. A partition's size is the bytes of its time-index granules that reach above
// its log start: like Kafka's segment sizes, the granule holding the log start counts whole. A partition
// that closes while it is measured (a move) is left out, as Kafka leaves out a replica it no longer hosts.
// Volume sizes are not reported (-1), as Kafka does when it cannot tell.
import { resolve } from "node:path";
import {
  type AlterReplicaLogDirsRequest,
  type ApiKey,
  type DescribeLogDirsRequest,
  ErrorCode,
} from "@cirrus/kafka-protocol";
import type { Partition } from "../partitions/partition.ts";
import type { ErrorResponder, RequestContext, ResponseOf } from "./handler.ts";

type DescribeLogDirsResponse = ResponseOf<typeof ApiKey.DescribeLogDirs>;
type AlterReplicaLogDirsResponse = ResponseOf<typeof ApiKey.AlterReplicaLogDirs>;
type LogDirTopic = DescribeLogDirsResponse["results"][number]["topics"][number];

/**
 * The whole request failed. v3+ says so at the top; v1–2 have no top-level code, so the code also goes on one
 * nameless dir, which the Admin client reports as that dir's error instead of an empty, silent answer.
 */
export const describeLogDirsError: ErrorResponder<35> = (_request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  results: [{ errorCode, logDir: "", topics: [], totalBytes: -1n, usableBytes: -1n, isCordoned: false }],
});

/** The absolute path of this broker's one log dir. */
function logDirOf(context: RequestContext): string {
  return resolve(context.services.config.dataDir);
}

/** Bytes of the partition's log from the granule holding its log start on; undefined if it closed meanwhile. */
async function sizeOf(partition: Partition): Promise<number | undefined> {
  try {
    const state = await partition.checkpoints.catchUp();
    const granules = state.index.granules;
    const start = partition.logStartOffset;
    let bytes = 0;
    for (let i = 0; i < granules.length; i++) {
      const end = granules[i + 1]?.offset ?? state.index.end;
      if (end > start) bytes += granules[i]!.bytes;
    }
    return bytes;
  } catch {
    return undefined;
  }
}

/** The partitions the request asks about among `led` (null topics: all of them). */
function asked(request: DescribeLogDirsRequest, led: Partition[]): Partition[] {
  if (request.topics === null) return led;
  const wanted = new Set(request.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}\u0000${p}`)));
  return led.filter((p) => wanted.has(`${p.topic}\u0000${p.partition}`));
}

export async function handleDescribeLogDirs(
  request: DescribeLogDirsRequest,
  context: RequestContext,
): Promise<DescribeLogDirsResponse> {
  const partitions = asked(request, context.services.partitions.all());
  const measured = await Promise.all(partitions.map(async (p) => ({ p, size: await sizeOf(p) })));
  const topics = new Map<string, LogDirTopic>();
  for (const { p, size } of measured) {
    if (size === undefined) continue;
    const topic = topics.get(p.topic) ?? { name: p.topic, partitions: [] };
    topics.set(p.topic, topic);
    topic.partitions.push({
      partitionIndex: p.partition,
      partitionSize: BigInt(size),
      // Kafka: the log end offset's lead over the high watermark (records not yet replicated); here, over
      // what is durable on the WAL.
      offsetLag: BigInt(Math.max(0, p.nextOffset - p.highWatermark)),
      isFutureKey: false,
    });
  }
  for (const topic of topics.values()) topic.partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    results: [
      {
        errorCode: ErrorCode.NONE,
        logDir: logDirOf(context),
        topics: [...topics.values()].sort((a, b) => a.name.localeCompare(b.name)),
        totalBytes: -1n,
        usableBytes: -1n,
        isCordoned: false,
      },
    ],
  };
}

/** Every partition of the request answered with `errorCode` (Kafka's AlterReplicaLogDirsResponse shape). */
function alterReplicaLogDirsAnswer(
  request: AlterReplicaLogDirsRequest,
  errorCodeOf: (path: string) => number,
): AlterReplicaLogDirsResponse {
  return {
    throttleTimeMs: 0,
    results: request.dirs.flatMap((dir) =>
      dir.topics.map((t) => ({
        topicName: t.name,
        partitions: t.partitions.map((partitionIndex) => ({
          partitionIndex,
          errorCode: errorCodeOf(dir.path),
        })),
      })),
    ),
  };
}

export const alterReplicaLogDirsError: ErrorResponder<34> = (request, errorCode) =>
  alterReplicaLogDirsAnswer(request, () => errorCode);

/**
 * AlterReplicaLogDirs v1–2: a replica asked into this broker's one dir is already there (or will be, once it
 * is led here: Kafka too answers NONE for a replica it does not host yet); any other path is
 * LOG_DIR_NOT_FOUND, as Kafka answers a dir it does not have.
 */
export async function handleAlterReplicaLogDirs(
  request: AlterReplicaLogDirsRequest,
  context: RequestContext,
): Promise<AlterReplicaLogDirsResponse> {
  const ours = logDirOf(context);
  return alterReplicaLogDirsAnswer(request, (path) =>
    path === ours ? ErrorCode.NONE : ErrorCode.LOG_DIR_NOT_FOUND,
  );
}
