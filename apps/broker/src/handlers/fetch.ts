// Fetch: whole record batches from each partition's stream, up to the high watermark (everything durable on
// the WAL), within maxBytes overall and partitionMaxBytes per partition — except that the first non-empty
// partition always returns at least one whole batch, as Kafka does, so a large batch can never stall a
// consumer. With fewer than minBytes available the request long-polls: appends to its partitions wake it,
// maxWaitMs (capped by config.maxFetchWaitMs) ends it, and a closing connection or partition aborts it.
//
// Zero copy: a partition's stored batches go into the response as a list of chunks (the codec's
// RecordsChunks), which the encoder references rather than copies, so a multi-megabyte answer costs no
// memcpy on the event loop; the chunks are written to the socket with writev.
//
// Fetch sessions (KIP-227, v7+): the broker's FetchSessionCache (services.fetchSessions, src/fetch), keyed
// by session id, not by connection. sessionEpoch -1 is a full fetch without a session; 0 opens a session
// (its id is in the answer, or 0 when the cache has no slot); later requests are incremental and list only
// changed partitions, answers only partitions with new records, a new high watermark / log start offset,
// or an error. See fetch/fetch-plan.ts for the session errors. isolation_level READ_COMMITTED (1) reads
// only below the last stable offset (the first offset of the oldest open transaction) and lists the aborted
// transactions in what it returns, so the client drops their records (fetch/partition-reads.ts).
// With an authorizer, READ on each topic is checked once the partitions are resolved and before anything is
// read or waited on (security/topic-rules.ts, withUnreadableDenied).
import { type ApiKey, ErrorCode, type FetchRequest } from "@cirrus/kafka-protocol";
import { answerFetch, planFetch } from "../fetch/fetch-plan.ts";
import { type PartitionRead, readPartitions, resolvePartitions } from "../fetch/partition-reads.ts";
import type { Partition } from "../partitions/partition.ts";
import { withUnreadableDenied } from "../security/topic-rules.ts";
import type { BrokerServices, RequestContext, ResponseOf } from "./handler.ts";
import { FETCH_LEADER_HINT_VERSION, LeaderHints } from "./leader-hints.ts";
import { fromWireTopicId } from "./topic-ids.ts";

async function waitForMinBytes(
  request: FetchRequest,
  context: RequestContext,
  reads: PartitionRead[],
  total: number,
): Promise<boolean> {
  const { services } = context;
  const waitMs = Math.min(Math.max(0, request.maxWaitMs), services.config.maxFetchWaitMs);
  const anyError = reads.some((r) => r.errorCode !== ErrorCode.NONE);
  if (total >= request.minBytes || waitMs <= 0 || anyError || reads.length === 0) return false;
  let arrived = total;
  const keys = reads.flatMap((r) => (r.partition ? [r.partition.key] : []));
  services.metrics.fetchWaiters.inc();
  const outcome = await services.partitions.notifier.wait({
    keys,
    timeoutMs: Math.max(0, waitMs - (performance.now() - context.receivedAt)),
    signal: context.connection.closed,
    onAppend: (_key, bytes) => {
      arrived += bytes;
      return arrived >= request.minBytes;
    },
  });
  services.metrics.fetchWaiters.dec();
  return outcome !== "aborted" || !context.connection.closed.aborted;
}

type FetchTopicAnswer = ResponseOf<typeof ApiKey.Fetch>["responses"][number];

/**
 * `hinted`: KIP-951 (v16+), a refused partition names its leader when another broker is known to lead it; the
 * hints (and the cached metadata they read) are made at the first refused partition, never for a fetch that
 * succeeded.
 */
function responseTopics(
  reads: readonly PartitionRead[],
  byId: boolean,
  services: BrokerServices,
  hinted: boolean,
): { topics: FetchTopicAnswer[]; hints: LeaderHints | undefined } {
  let hints: LeaderHints | undefined;
  const topics = new Map<
    string,
    { topic: string; topicId: string; partitions: FetchTopicAnswer["partitions"] }
  >();
  for (const read of reads) {
    const key = byId ? read.topicId : read.topic;
    let entry = topics.get(key);
    if (!entry) {
      entry = { topic: read.topic, topicId: read.topicId, partitions: [] };
      topics.set(key, entry);
    }
    const partition = read.partition;
    const ok = read.errorCode === ErrorCode.NONE && partition !== undefined;
    if (ok && read.bytes > 0) {
      services.metrics.partitionCounters(partition, partition.topic, partition.partition).bytesOut.value +=
        read.bytes;
      services.load.addPartition(partition, 0, read.bytes);
    }
    const hw = ok ? BigInt(read.highWatermark) : -1n;
    const aborted = ok ? read.abortedTransactions : null;
    const answer: FetchTopicAnswer["partitions"][number] = {
      partitionIndex: read.target.partition,
      errorCode: read.errorCode,
      highWatermark: hw,
      lastStableOffset: ok ? BigInt(read.lastStableOffset) : -1n,
      logStartOffset: ok ? BigInt(read.logStartOffset) : -1n,
      abortedTransactions:
        aborted?.map((a) => ({ producerId: a.producerId, firstOffset: BigInt(a.firstOffset) })) ?? null,
      preferredReadReplica: -1,
      records: read.chunks,
    };
    if (!ok && hinted) {
      hints ??= new LeaderHints(services.cachedMetadata?.(), services.brokerId());
      const topic = byId ? { id: fromWireTopicId(read.topicId) } : { name: read.topic };
      const leader = hints.leaderOf(topic, read.target.partition, read.errorCode);
      if (leader) answer.currentLeader = leader;
    }
    entry.partitions.push(answer);
  }
  return { topics: [...topics.values()], hints };
}

export async function handleFetch(
  request: FetchRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.Fetch>> {
  const { services } = context;
  const byId = context.apiVersion >= 13;
  const cache = services.fetchSessions;
  const plan = planFetch(request, byId, cache);
  if (plan.kind === "error") {
    return { throttleTimeMs: 0, errorCode: plan.errorCode, sessionId: 0, responses: [] };
  }
  const maxBytes = request.maxBytes > 0 ? request.maxBytes : 0x7fffffff;
  const reads = await withUnreadableDenied(await resolvePartitions(plan.targets, context, byId), context);
  const producers = services.producers;
  const isolation = {
    readCommitted: request.isolationLevel === 1,
    transactions: producers?.transactions ? (p: Partition) => producers.transactions?.(p) : undefined,
  };
  const total = await readPartitions(reads, maxBytes, isolation);
  if (await waitForMinBytes(request, context, reads, total)) await readPartitions(reads, maxBytes, isolation);
  const answer = answerFetch(plan, reads, cache);
  const hinted = context.apiVersion >= FETCH_LEADER_HINT_VERSION;
  const { topics, hints } = responseTopics(answer.partitions, byId, services, hinted);
  const nodeEndpoints = hints?.endpoints() ?? [];
  return {
    throttleTimeMs: 0,
    errorCode: answer.errorCode,
    sessionId: answer.sessionId,
    responses: topics,
    ...(nodeEndpoints.length > 0 ? { nodeEndpoints } : {}),
  };
}
