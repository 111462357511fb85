// The answer to a request whose handler threw: the same request answered with one error code, built from
// the request itself (every topic, partition, group or resource it names gets the code, as does the
// top-level errorCode where the version has one). The dispatcher sends it instead of closing the connection.
// `null` where no error answer can be built: Produce with acks=0 (no answer is ever sent; Kafka closes the
// connection so the producer notices) and Metadata for all topics (an answer without topics would read as
// "no topics", not as an error).
import type { ErrorResponder } from "./handler.ts";

const noBytes = Buffer.alloc(0);

export const produceError: ErrorResponder<0> = (request, errorCode) =>
  request.acks === 0
    ? null
    : {
        responses: request.topicData.map((topic) => ({
          name: topic.name,
          partitionResponses: topic.partitionData.map((p) => ({
            index: p.index,
            errorCode,
            baseOffset: -1n,
          })),
        })),
        throttleTimeMs: 0,
      };

export const fetchError: ErrorResponder<1> = (request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  sessionId: 0,
  responses: request.topics.map((topic) => ({
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: topic.partitions.map((p) => ({
      partitionIndex: p.partition,
      errorCode,
      highWatermark: -1n,
      abortedTransactions: null,
      records: null,
    })),
  })),
});

export const listOffsetsError: ErrorResponder<2> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  })),
});

export const metadataError: ErrorResponder<3> = (request, errorCode) =>
  request.topics === null
    ? null
    : {
        throttleTimeMs: 0,
        brokers: [],
        clusterId: null,
        topics: request.topics.map((topic) => ({
          errorCode,
          name: topic.name ?? "", // a topic asked for by id (v10+) has no name; null only from v12
          topicId: topic.topicId,
          partitions: [],
        })),
      };

export const offsetCommitError: ErrorResponder<8> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
  })),
});

export const offsetFetchError: ErrorResponder<9> = (request, errorCode) => {
  const partitionsOf = (topics: { name: string; partitionIndexes: number[] }[] | null) =>
    (topics ?? []).map((topic) => ({
      name: topic.name,
      partitions: topic.partitionIndexes.map((partitionIndex) => ({
        partitionIndex,
        committedOffset: -1n,
        metadata: null,
        errorCode,
      })),
    }));
  return {
    throttleTimeMs: 0,
    topics: partitionsOf(request.topics),
    errorCode,
    groups: request.groups.map((group) => ({
      groupId: group.groupId,
      topics: partitionsOf(group.topics),
      errorCode,
    })),
  };
};

export const findCoordinatorError: ErrorResponder<10> = (request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  nodeId: -1,
  host: "",
  port: -1,
  coordinators: request.coordinatorKeys.map((key) => ({
    key,
    nodeId: -1,
    host: "",
    port: -1,
    errorCode,
    errorMessage: null,
  })),
});

export const joinGroupError: ErrorResponder<11> = (request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  protocolName: "", // null only from v7: "" is what Kafka answers below, and valid at every version
  leader: "",
  memberId: request.memberId,
  members: [],
});

export const heartbeatError: ErrorResponder<12> = (_request, errorCode) => ({ throttleTimeMs: 0, errorCode });

export const leaveGroupError: ErrorResponder<13> = (request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  members: request.members.map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    errorCode,
  })),
});

export const syncGroupError: ErrorResponder<14> = (_request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  assignment: noBytes,
});

export const describeGroupsError: ErrorResponder<15> = (request, errorCode) => ({
  throttleTimeMs: 0,
  groups: request.groups.map((groupId) => ({
    errorCode,
    groupId,
    groupState: "",
    protocolType: "",
    protocolData: "",
    members: [],
  })),
});

export const listGroupsError: ErrorResponder<16> = (_request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  groups: [],
});

export const saslHandshakeError: ErrorResponder<17> = (_request, errorCode) => ({
  errorCode,
  mechanisms: [],
});

export const apiVersionsError: ErrorResponder<18> = (_request, errorCode) => ({
  errorCode,
  apiKeys: [],
  throttleTimeMs: 0,
});

export const createTopicsError: ErrorResponder<19> = (request, errorCode) => ({
  throttleTimeMs: 0,
  topics: request.topics.map((topic) => ({ name: topic.name, errorCode, errorMessage: null })),
});

export const deleteTopicsError: ErrorResponder<20> = (request, errorCode) => ({
  throttleTimeMs: 0,
  responses: [
    ...request.topicNames.map((name) => ({ name, errorCode })),
    ...request.topics.map((topic) => ({ name: topic.name, topicId: topic.topicId, errorCode })),
  ],
});

export const initProducerIdError: ErrorResponder<22> = (_request, errorCode) => ({
  throttleTimeMs: 0,
  errorCode,
  producerId: -1n,
  producerEpoch: -1,
});

export const describeConfigsError: ErrorResponder<32> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: request.resources.map((resource) => ({
    errorCode,
    errorMessage: null,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    configs: [],
  })),
});

export const saslAuthenticateError: ErrorResponder<36> = (_request, errorCode) => ({
  errorCode,
  errorMessage: null,
  authBytes: noBytes,
});

export const createPartitionsError: ErrorResponder<37> = (request, errorCode) => ({
  throttleTimeMs: 0,
  results: request.topics.map((topic) => ({ name: topic.name, errorCode, errorMessage: null })),
});
