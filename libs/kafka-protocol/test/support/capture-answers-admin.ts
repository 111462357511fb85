import type { DecodedRequest } from "../../src/index.ts";
import type { CaptureServer } from "./capture-server.ts";

// The capture server's answers to admin, transaction and SASL requests (see capture-answers.ts).

export const clusterId = "cirrus-golden-cluster";

export function answerAdmin(server: CaptureServer, req: DecodedRequest): object {
  switch (req.apiKey) {
    case 19:
      return {
        topics: req.body.topics.map((t) => ({
          name: t.name,
          topicId: server.topicId(t.name),
          errorCode: 0,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor,
          configs: [],
        })),
      };
    case 20: {
      const names =
        req.header.apiVersion >= 6 ? req.body.topics.map((t) => t.name ?? "") : req.body.topicNames;
      return { responses: names.map((name) => ({ name, topicId: server.topicId(name), errorCode: 0 })) };
    }
    case 37:
      return { results: req.body.topics.map((t) => ({ name: t.name, errorCode: 0 })) };
    case 32:
      return {
        results: req.body.resources.map((r) => ({
          errorCode: 0,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          configs: [
            { name: "retention.ms", value: "604800000", readOnly: false, isSensitive: false, synonyms: [] },
          ],
        })),
      };
    case 15:
      return {
        groups: req.body.groups.map((groupId) => ({
          errorCode: 0,
          groupId,
          groupState: "Empty",
          protocolType: "consumer",
          protocolData: "",
          members: [],
        })),
      };
    case 16:
      return { errorCode: 0, groups: [] };
    case 17:
      return { errorCode: 0, mechanisms: ["PLAIN"] };
    case 36:
      return { errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0) };
    case 21:
      return {
        topics: req.body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            lowWatermark: p.offset,
            errorCode: 0,
          })),
        })),
      };
    case 23:
      return { topics: [] };
    case 24:
      return {
        resultsByTopicV3AndBelow: req.body.v3AndBelowTopics.map((t) => ({
          name: t.name,
          resultsByPartition: t.partitions.map((partitionIndex) => ({
            partitionIndex,
            partitionErrorCode: 0,
          })),
        })),
        resultsByTransaction: req.body.transactions.map((tx) => ({
          transactionalId: tx.transactionalId,
          topicResults: tx.topics.map((t) => ({
            name: t.name,
            resultsByPartition: t.partitions.map((partitionIndex) => ({
              partitionIndex,
              partitionErrorCode: 0,
            })),
          })),
        })),
      };
    case 25:
      return { errorCode: 0 };
    case 26:
      return { errorCode: 0, producerId: req.body.producerId, producerEpoch: req.body.producerEpoch };
    case 28:
      return {
        topics: req.body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
        })),
      };
    case 33:
    case 44:
      return {
        responses: req.body.resources.map((r) => ({
          errorCode: 0,
          errorMessage: null,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
        })),
      };
    case 42:
      return { results: req.body.groupsNames.map((groupId) => ({ groupId, errorCode: 0 })) };
    case 47:
      return {
        errorCode: 0,
        topics: req.body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
        })),
      };
    case 29:
      return {
        errorCode: 0,
        errorMessage: null,
        resources: [
          {
            resourceType: 2,
            resourceName: "golden",
            patternType: 3,
            acls: [{ principal: "User:alice", host: "*", operation: 3, permissionType: 3 }],
          },
        ],
      };
    case 30:
      return { results: req.body.creations.map(() => ({ errorCode: 0, errorMessage: null })) };
    case 31:
      return {
        filterResults: req.body.filters.map((f) => ({
          errorCode: 0,
          errorMessage: null,
          matchingAcls: [
            {
              errorCode: 0,
              errorMessage: null,
              resourceType: f.resourceTypeFilter,
              resourceName: f.resourceNameFilter ?? "golden",
              patternType: 3,
              principal: f.principalFilter ?? "User:alice",
              host: f.hostFilter ?? "*",
              operation: f.operation,
              permissionType: f.permissionType,
            },
          ],
        })),
      };
    case 48:
      return {
        errorCode: 0,
        errorMessage: null,
        entries: [
          {
            entity: [{ entityType: "user", entityName: "alice" }],
            values: [{ key: "producer_byte_rate", value: 1024 }],
          },
        ],
      };
    case 60:
      return {
        errorCode: 0,
        clusterId,
        controllerId: 0,
        brokers: [{ brokerId: 0, host: server.host, port: server.port }],
      };
    default:
      throw new Error(`capture server has no answer for api key ${req.apiKey}`);
  }
}
