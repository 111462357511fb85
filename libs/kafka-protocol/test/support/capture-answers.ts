import { setTimeout as sleep } from "node:timers/promises";
import { type DecodedRequest, readRecordBatchHeader, supportedApiVersions } from "../../src/index.ts";
import { answerAdmin, clusterId } from "./capture-answers-admin.ts";
import type { CaptureServer } from "./capture-server.ts";

// The capture server's answers, one per API: plausible single-broker responses (node 0 is
// the server itself, every topic exists with 1 partition, one consumer group that every
// member leads) so that real clients go on to their next request.

const memberId = "member-1";

function broker(server: CaptureServer) {
  return { nodeId: 0, host: server.host, port: server.port, rack: null };
}

function fetchPartition(server: CaptureServer, topic: string, partition: number, fetchOffset: bigint) {
  const log = server.log(topic, partition);
  const batches = log.batches.filter((b) => {
    const h = readRecordBatchHeader(b);
    return h.baseOffset + BigInt(h.lastOffsetDelta) >= fetchOffset;
  });
  return {
    partitionIndex: partition,
    errorCode: 0,
    highWatermark: log.nextOffset,
    lastStableOffset: log.nextOffset,
    logStartOffset: 0n,
    abortedTransactions: null,
    records: Buffer.concat(batches),
  };
}

export async function answer(server: CaptureServer, req: DecodedRequest): Promise<object> {
  switch (req.apiKey) {
    case 18:
      return { errorCode: 0, apiKeys: supportedApiVersions(), throttleTimeMs: 0 };
    case 3: {
      const names =
        req.body.topics === null || req.body.topics.length === 0
          ? [...server.topicIds.keys()]
          : req.body.topics.map((t) => t.name ?? server.topicById(t.topicId) ?? "unknown");
      return {
        brokers: [broker(server)],
        clusterId,
        controllerId: 0,
        topics: names.map((name) => ({
          errorCode: 0,
          name,
          topicId: server.topicId(name),
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 0,
              leaderEpoch: 0,
              replicaNodes: [0],
              isrNodes: [0],
            },
          ],
        })),
      };
    }
    case 0:
      return {
        responses: req.body.topicData.map((t) => ({
          name: t.name,
          partitionResponses: t.partitionData.map((p) => ({
            index: p.index,
            errorCode: 0,
            baseOffset: p.records === null ? -1n : server.append(t.name, p.index, p.records),
            logStartOffset: 0n,
          })),
        })),
      };
    case 1: {
      const responses = req.body.topics.map((t) => {
        const topic = t.topic !== "" ? t.topic : (server.topicById(t.topicId) ?? "unknown");
        return {
          topic,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => fetchPartition(server, topic, p.partition, p.fetchOffset)),
        };
      });
      const empty = responses.every((t) => t.partitions.every((p) => p.records.length === 0));
      if (empty) await sleep(Math.min(req.body.maxWaitMs, 50));
      return { errorCode: 0, sessionId: 0, responses };
    }
    case 2:
      return {
        topics: req.body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: 0,
            timestamp: -1n,
            offset: p.timestamp === -1n ? server.log(t.name, p.partitionIndex).nextOffset : 0n,
            leaderEpoch: 0,
          })),
        })),
      };
    case 10: {
      const keys = req.header.apiVersion >= 4 ? req.body.coordinatorKeys : [req.body.key];
      return {
        errorCode: 0,
        nodeId: 0,
        host: server.host,
        port: server.port,
        coordinators: keys.map((key) => ({
          key,
          nodeId: 0,
          host: server.host,
          port: server.port,
          errorCode: 0,
        })),
      };
    }
    case 11:
      return {
        errorCode: 0,
        generationId: 1,
        protocolType: req.body.protocolType,
        protocolName: req.body.protocols[0]?.name ?? null,
        leader: memberId,
        memberId,
        members: req.body.protocols.slice(0, 1).map((p) => ({ memberId, metadata: p.metadata })),
      };
    case 14:
      return {
        errorCode: 0,
        protocolType: req.body.protocolType,
        protocolName: req.body.protocolName,
        assignment: req.body.assignments.find((a) => a.memberId === memberId)?.assignment ?? Buffer.alloc(0),
      };
    case 12:
      return { errorCode: 0 };
    case 13:
      return { errorCode: 0, members: req.body.members.map((m) => ({ ...m, errorCode: 0 })) };
    case 8:
      return {
        topics: req.body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            server.committed.set(`${t.name}/${p.partitionIndex}`, p.committedOffset);
            return { partitionIndex: p.partitionIndex, errorCode: 0 };
          }),
        })),
      };
    case 9: {
      const committed = (name: string, partitionIndex: number) => ({
        partitionIndex,
        committedOffset: server.committed.get(`${name}/${partitionIndex}`) ?? -1n,
        metadata: "",
        errorCode: 0,
      });
      return {
        topics: (req.body.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((i) => committed(t.name, i)),
        })),
        groups: req.body.groups.map((g) => ({
          groupId: g.groupId,
          topics: (g.topics ?? []).map((t) => ({
            name: t.name,
            partitions: t.partitionIndexes.map((i) => committed(t.name, i)),
          })),
        })),
      };
    }
    case 22:
      return { errorCode: 0, producerId: 1000n, producerEpoch: 0 };
    default:
      return answerAdmin(server, req);
  }
}
