// A handler that throws is answered, not fatal: the dispatcher sends the API's error response built from the
// request (every partition, topic or group it names gets the error code, and the top-level errorCode where the
// version has one) through the real codec, and closes the connection only where no answer can be built.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ApiKey,
  decodeResponse,
  type EncodableRequestBodies,
  ErrorCode,
  encodeRequest,
  type ResponseBodies,
} from "@cirrus/kafka-protocol";
import { BrokerError, BrokerErrorCode } from "../../src/errors.ts";
import { groupHandlers } from "../../src/handlers/group-handlers.ts";
import type { HandlerMap, KafkaApiKey } from "../../src/handlers/handler.ts";
import { coreHandlers, mergeHandlers } from "../../src/handlers/registry.ts";
import { createDispatcher } from "../../src/server/dispatcher.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

/** Every API of the broker, each handler replaced by one that throws `error`; the error responses are the real ones. */
function throwingHandlers(error: unknown): HandlerMap {
  const all = mergeHandlers(coreHandlers, groupHandlers);
  return new Map(
    [...all].map(([key, handler]) => [
      key,
      {
        handle: async () => {
          throw error;
        },
        errorResponse: handler.errorResponse,
      },
    ]),
  );
}

const services = () => standaloneServices();

const connection = { id: 1, remoteAddress: "test", closed: new AbortController().signal };

/** Sends one request through a dispatcher whose handlers all throw `error`; the decoded answer, or the rejection. */
async function ask<K extends KafkaApiKey>(
  apiKey: K,
  apiVersion: number,
  body: EncodableRequestBodies[K],
  error: unknown = new Error("bug in a handler"),
): Promise<{ body: ResponseBodies[K]; metrics: string }> {
  const s = services();
  const logged: string[] = [];
  const dispatch = createDispatcher({
    handlers: throwingHandlers(error),
    services: s,
    log: (message) => logged.push(message),
  });
  const frame = encodeRequest(
    { apiKey, apiVersion, correlationId: 5, clientId: "t" } as never,
    body as never,
  );
  const chunks = await dispatch(frame.subarray(4), connection);
  assert.ok(chunks, "an answer, not silence");
  const decoded = decodeResponse(apiKey, apiVersion, Buffer.concat(chunks).subarray(4));
  assert.equal(decoded.correlationId, 5);
  assert.match(logged.join("\n"), /failed; answered (UNKNOWN_SERVER_ERROR|NOT_LEADER_OR_FOLLOWER)/);
  return { body: decoded.body, metrics: await s.metrics.scrape() };
}

const records = Buffer.alloc(0);

test("Produce: every partition of the request gets UNKNOWN_SERVER_ERROR, the error is counted", async () => {
  const { body, metrics } = await ask(ApiKey.Produce, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [
      {
        name: "a",
        partitionData: [
          { index: 0, records },
          { index: 3, records },
        ],
      },
      { name: "b", partitionData: [{ index: 1, records }] },
    ],
  });
  assert.deepEqual(
    body.responses.map((t) => [
      t.name,
      t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset]),
    ]),
    [
      [
        "a",
        [
          [0, ErrorCode.UNKNOWN_SERVER_ERROR, -1n],
          [3, ErrorCode.UNKNOWN_SERVER_ERROR, -1n],
        ],
      ],
      ["b", [[1, ErrorCode.UNKNOWN_SERVER_ERROR, -1n]]],
    ],
  );
  assert.match(metrics, /cirrus_broker_request_errors_total\{api="Produce",error="HANDLER"\} 1/);
  assert.match(metrics, /cirrus_broker_requests_total\{api="Produce"\} 1/);
});

test("Produce: a known broker error is answered with its mapped code (lease expired → NOT_LEADER_OR_FOLLOWER)", async () => {
  const { body, metrics } = await ask(
    ApiKey.Produce,
    7,
    {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: "a", partitionData: [{ index: 0, records }] }],
    },
    new BrokerError(BrokerErrorCode.LEASE_EXPIRED, "lease ran out"),
  );
  assert.equal(body.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.match(metrics, /cirrus_broker_request_errors_total\{api="Produce",error="LEASE_EXPIRED"\} 1/);
});

test("Produce with acks=0 cannot be answered: the connection closes (Kafka's behaviour)", async () => {
  const dispatch = createDispatcher({
    handlers: throwingHandlers(new Error("boom")),
    services: services(),
    log: () => {},
  });
  const frame = encodeRequest(
    { apiKey: 0, apiVersion: 9, correlationId: 1, clientId: "t" },
    {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: "a", partitionData: [{ index: 0, records }] }],
    },
  );
  await assert.rejects(dispatch(frame.subarray(4), connection), /boom/);
});

test("Fetch: top-level errorCode (v7+) and every partition, by name (v12) and by topic id (v13)", async () => {
  const partitions = [
    {
      partition: 0,
      currentLeaderEpoch: -1,
      fetchOffset: 0n,
      lastFetchedEpoch: -1,
      logStartOffset: -1n,
      partitionMaxBytes: 1,
    },
    {
      partition: 2,
      currentLeaderEpoch: -1,
      fetchOffset: 5n,
      lastFetchedEpoch: -1,
      logStartOffset: -1n,
      partitionMaxBytes: 1,
    },
  ];
  const common = { replicaId: -1, maxWaitMs: 0, minBytes: 1, forgottenTopicsData: [] };
  const byName = await ask(ApiKey.Fetch, 12, { ...common, topics: [{ topic: "t", partitions }] });
  assert.equal(byName.body.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.deepEqual(
    byName.body.responses.map((t) => [t.topic, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]),
    [
      [
        "t",
        [
          [0, ErrorCode.UNKNOWN_SERVER_ERROR],
          [2, ErrorCode.UNKNOWN_SERVER_ERROR],
        ],
      ],
    ],
  );
  const topicId = "00000000000040008000000000000001";
  const byId = await ask(ApiKey.Fetch, 13, { ...common, topics: [{ topicId, partitions }] });
  assert.equal(byId.body.responses[0]?.topicId, topicId);
  assert.equal(byId.body.responses[0]?.partitions[1]?.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  const old = await ask(ApiKey.Fetch, 4, { ...common, topics: [{ topic: "t", partitions }] });
  assert.equal(
    old.body.responses[0]?.partitions[0]?.errorCode,
    ErrorCode.UNKNOWN_SERVER_ERROR,
    "v4 has no top-level code",
  );
});

test("Metadata: every requested topic carries the error; Metadata for all topics closes the connection", async () => {
  const { body } = await ask(ApiKey.Metadata, 9, {
    topics: [{ name: "a" }, { name: "b" }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.deepEqual(
    body.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
    [
      ["a", ErrorCode.UNKNOWN_SERVER_ERROR, 0],
      ["b", ErrorCode.UNKNOWN_SERVER_ERROR, 0],
    ],
  );
  const dispatch = createDispatcher({
    handlers: throwingHandlers(new Error("boom")),
    services: services(),
    log: () => {},
  });
  const all = encodeRequest(
    { apiKey: 3, apiVersion: 9, correlationId: 1, clientId: "t" },
    { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false },
  );
  await assert.rejects(dispatch(all.subarray(4), connection), /boom/);
});

test("ListOffsets: every partition of the request gets the error", async () => {
  const { body } = await ask(ApiKey.ListOffsets, 5, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: "t", partitions: [{ partitionIndex: 4, timestamp: -1n }] }],
  });
  assert.deepEqual(
    body.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode, p.offset])]),
    [["t", [[4, ErrorCode.UNKNOWN_SERVER_ERROR, -1n]]]],
  );
});

test("group APIs: JoinGroup, OffsetCommit and FindCoordinator (v3 top-level, v4 per key) answer the error", async () => {
  const join = await ask(ApiKey.JoinGroup, 5, {
    groupId: "g",
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId: "m-1",
    groupInstanceId: null,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: Buffer.alloc(0) }],
  });
  assert.equal(join.body.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.equal(join.body.memberId, "m-1");

  const commit = await ask(ApiKey.OffsetCommit, 8, {
    groupId: "g",
    generationIdOrMemberEpoch: 1,
    memberId: "m-1",
    groupInstanceId: null,
    topics: [
      { name: "t", partitions: [{ partitionIndex: 0, committedOffset: 9n, committedMetadata: null }] },
    ],
  });
  assert.deepEqual(
    commit.body.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode])),
    [[[0, ErrorCode.UNKNOWN_SERVER_ERROR]]],
  );

  const v3 = await ask(ApiKey.FindCoordinator, 3, { key: "g", keyType: 0 });
  assert.equal(v3.body.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
  const v4 = await ask(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ["g", "h"] });
  assert.deepEqual(
    v4.body.coordinators.map((c) => [c.key, c.errorCode]),
    [
      ["g", ErrorCode.UNKNOWN_SERVER_ERROR],
      ["h", ErrorCode.UNKNOWN_SERVER_ERROR],
    ],
  );
});
