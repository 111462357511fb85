// DescribeTopicPartitions (KIP-966, API 75) through the dispatcher and the real codec at v0, against cluster
// metadata in memory: every topic or named ones in name order, the partition limit (clamped as Kafka clamps
// it), the cursor in the middle of a topic, at a topic's end, on an unknown topic, and refused when it is not
// one of the named topics; replicas, ISR, ELR and offline replicas of live, fenced and unassigned leaders;
// unknown and invalid names; authorization (TOPIC_AUTHORIZATION_FAILED, topics left out of "every topic",
// KIP-430 bit fields) and the error answer of a handler that throws.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AclBinding } from "@cirrus/broker-api";
import { ApiKey, type EncodableRequestBodies, ErrorCode, type ResponseBodies } from "@cirrus/kafka-protocol";
import { loadBrokerConfig } from "../../src/config.ts";
import { describeTopicPartitionsError } from "../../src/handlers/describe-topic-partitions.ts";
import type { BrokerServices } from "../../src/handlers/handler.ts";
import { coreHandlers } from "../../src/handlers/registry.ts";
import { AclAuthorizer } from "../../src/security/acl-authorizer.ts";
import { authorizedHandlers } from "../../src/security/authorized-handlers.ts";
import type { ClusterSecurity } from "../../src/security/cluster-security.ts";
import { acl } from "../helpers/acl-binding.ts";
import { metadata, topicUuid } from "../helpers/cluster-metadata-fixture.ts";
import { dispatchCall } from "../helpers/dispatch-call.ts";
import { standaloneServices } from "../helpers/standalone-services.ts";

type Request = EncodableRequestBodies[75];
type Response = ResponseBodies[75];

const NOT_REQUESTED = -2147483648;
// READ 3 … ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11: every operation Kafka supports on a topic.
const ALL_TOPIC_OPS = 0b1101_1111_1000;
const DESCRIBE_AND_READ = (1 << 8) | (1 << 3);
const ZERO_ID = "00000000000000000000000000000000";

function broker(options: { acls?: AclBinding[]; maxRequestPartitionSizeLimit?: number } = {}) {
  const authorizing = options.acls !== undefined;
  const services: BrokerServices = standaloneServices({
    config: loadBrokerConfig(
      {
        authorizerEnabled: authorizing,
        maxRequestPartitionSizeLimit: options.maxRequestPartitionSizeLimit ?? 2000,
      },
      {},
    ),
    metadata: async () => metadata,
    ...(authorizing
      ? {
          security: {
            authorizer: new AclAuthorizer(options.acls!, {
              superUsers: [],
              allowEveryoneIfNoAclFound: false,
            }),
          } as unknown as ClusterSecurity,
        }
      : {}),
  });
  const call = dispatchCall(authorizedHandlers(coreHandlers), services);
  return (body: Partial<Request>): Promise<Response> =>
    call(ApiKey.DescribeTopicPartitions, 0, {
      topics: [],
      responsePartitionLimit: 2000,
      cursor: null,
      ...body,
    });
}

const named = (...names: string[]) => names.map((name) => ({ name }));
/** topic:first-last of each answered topic (topic:- when it has no partitions), then the cursor. */
const shape = (r: Response) => [
  ...r.topics.map((t) => {
    const ids = t.partitions.map((p) => p.partitionIndex);
    return `${t.name}:${ids.length === 0 ? "-" : `${ids[0]}-${ids.at(-1)}`}`;
  }),
  r.nextCursor === null ? "end" : `next ${r.nextCursor.topicName}:${r.nextCursor.partitionIndex}`,
];

describe("DescribeTopicPartitions", () => {
  it("answers every topic in name order when the list is empty, as Kafka fills one replica per partition", async () => {
    const call = broker();
    const answer = await call({});
    assert.deepEqual(shape(answer), ["__consumer_offsets:0-1", "alpha:0-2", "beta:0-4", "gamma:0-0", "end"]);
    const [offsets, alpha, beta] = answer.topics;
    assert.equal(offsets!.isInternal, true);
    assert.equal(alpha!.isInternal, false);
    assert.equal(alpha!.errorCode, ErrorCode.NONE);
    assert.equal(alpha!.topicId, topicUuid(1).replaceAll("-", ""));
    assert.equal(alpha!.topicAuthorizedOperations, ALL_TOPIC_OPS, "no authorizer: every operation");
    const led = { errorCode: 0, leaderEpoch: 4, eligibleLeaderReplicas: [], lastKnownElr: [] };
    assert.deepEqual(alpha!.partitions[0], {
      ...led,
      partitionIndex: 0,
      leaderId: 2,
      replicaNodes: [2],
      isrNodes: [2],
      offlineReplicas: [],
    });
    assert.deepEqual(beta!.partitions[3], {
      ...led,
      partitionIndex: 3,
      leaderId: -1,
      replicaNodes: [3],
      isrNodes: [3],
      offlineReplicas: [3],
    });
    assert.deepEqual(beta!.partitions[4], {
      ...led,
      partitionIndex: 4,
      leaderId: -1,
      replicaNodes: [],
      isrNodes: [],
      offlineReplicas: [],
    });
  });

  it("pages by the partition limit: a cursor in the middle of a topic, then at the next topic's start", async () => {
    const call = broker();
    const topics = named("gamma", "beta", "alpha");
    const first = await call({ topics, responsePartitionLimit: 4 });
    assert.deepEqual(shape(first), ["alpha:0-2", "beta:0-0", "next beta:1"]);
    const second = await call({ topics, responsePartitionLimit: 4, cursor: first.nextCursor });
    // beta 1–4 fill the page exactly at beta's end: the cursor names gamma from its first partition.
    assert.deepEqual(shape(second), ["beta:1-4", "next gamma:0"]);
    const third = await call({ topics, responsePartitionLimit: 4, cursor: second.nextCursor });
    assert.deepEqual(shape(third), ["gamma:0-0", "end"]);
    const lastLeft = await call({ topics: named("beta"), responsePartitionLimit: 4 });
    assert.deepEqual(shape(lastLeft), ["beta:0-3", "next beta:4"], "one partition left: the cursor is at it");
    const all = await call({ responsePartitionLimit: 3, cursor: { topicName: "alpha", partitionIndex: 2 } });
    assert.deepEqual(shape(all), ["alpha:2-2", "beta:0-1", "next beta:2"], "every topic, from the cursor on");
  });

  it("clamps the limit to 1 … maxRequestPartitionSizeLimit", async () => {
    for (const limit of [0, -7]) {
      assert.deepEqual(shape(await broker()({ topics: named("beta"), responsePartitionLimit: limit })), [
        "beta:0-0",
        "next beta:1",
      ]);
    }
    const capped = broker({ maxRequestPartitionSizeLimit: 2 });
    assert.deepEqual(shape(await capped({ topics: named("beta"), responsePartitionLimit: 2000 })), [
      "beta:0-1",
      "next beta:2",
    ]);
  });

  it("answers unknown and invalid names, a cursor on an unknown topic, and a cursor past a topic's end", async () => {
    const call = broker();
    const answer = await call({ topics: named("gamma", "nope", "bad/name") });
    assert.deepEqual(shape(answer), ["bad/name:-", "gamma:0-0", "nope:-", "end"]);
    assert.deepEqual(
      answer.topics.map((t) => [t.errorCode, t.topicId]),
      [
        [ErrorCode.INVALID_TOPIC_EXCEPTION, ZERO_ID],
        [ErrorCode.NONE, topicUuid(3).replaceAll("-", "")],
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ZERO_ID],
      ],
    );
    const fromUnknown = await call({
      topics: named("gamma", "nope"),
      cursor: { topicName: "nope", partitionIndex: 2 },
    });
    assert.deepEqual(shape(fromUnknown), ["nope:-", "end"], "topics before the cursor's are not answered");
    assert.equal(fromUnknown.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // A page that fills up at alpha's end points at the next named topic even when it does not exist.
    const full = await call({ topics: named("alpha", "nope"), responsePartitionLimit: 3 });
    assert.deepEqual(shape(full), ["alpha:0-2", "next nope:0"]);
    const past = await call({
      topics: named("alpha", "gamma"),
      cursor: { topicName: "alpha", partitionIndex: 9 },
    });
    assert.deepEqual(shape(past), ["alpha:-", "gamma:0-0", "end"]);
  });

  it("refuses a cursor outside the named topics or with a negative partition: INVALID_REQUEST for every topic", async () => {
    const call = broker();
    for (const cursor of [
      { topicName: "gamma", partitionIndex: 0 },
      { topicName: "alpha", partitionIndex: -1 },
    ]) {
      const answer = await call({ topics: named("alpha", "beta"), cursor });
      assert.deepEqual(
        answer.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
        [
          ["alpha", ErrorCode.INVALID_REQUEST, 0],
          ["beta", ErrorCode.INVALID_REQUEST, 0],
        ],
      );
      assert.equal(answer.nextCursor, null);
    }
  });

  it("with the authorizer: DESCRIBE per topic, denied ones after the page and left out of every topic", async () => {
    // ANONYMOUS (no SASL) may READ alpha and gamma (READ implies DESCRIBE), nothing on beta.
    const call = broker({
      acls: ["alpha", "gamma"].map((resourceName) =>
        acl({ principal: "User:ANONYMOUS", resourceName, patternType: "LITERAL" }),
      ),
    });
    const topics = named("gamma", "beta", "alpha", "nope");
    const answer = await call({ topics, responsePartitionLimit: 3 });
    // beta is neither described nor counted against the limit; whether nope exists is not disclosed.
    assert.deepEqual(shape(answer), ["alpha:0-2", "beta:-", "nope:-", "next gamma:0"]);
    assert.deepEqual(
      answer.topics.map((t) => [t.errorCode, t.topicId, t.topicAuthorizedOperations]),
      [
        [ErrorCode.NONE, topicUuid(1).replaceAll("-", ""), DESCRIBE_AND_READ],
        [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ZERO_ID, NOT_REQUESTED],
        [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ZERO_ID, NOT_REQUESTED],
      ],
    );
    const next = await call({ topics, responsePartitionLimit: 3, cursor: answer.nextCursor });
    assert.deepEqual(shape(next), ["gamma:0-0", "nope:-", "end"], "denied topics before the cursor are past");
    assert.deepEqual(shape(await call({})), ["alpha:0-2", "gamma:0-0", "end"]);
  });
});

describe("DescribeTopicPartitions error answer (a handler that throws)", () => {
  it("gives every named topic the code, and none for a request of every topic", () => {
    const request = { topics: named("a", "b"), responsePartitionLimit: 10, cursor: null };
    const answer = describeTopicPartitionsError(request, ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.deepEqual(
      answer?.topics.map((t) => [t.name, t.errorCode]),
      [
        ["a", ErrorCode.UNKNOWN_SERVER_ERROR],
        ["b", ErrorCode.UNKNOWN_SERVER_ERROR],
      ],
    );
    assert.equal(
      describeTopicPartitionsError({ ...request, topics: [] }, ErrorCode.UNKNOWN_SERVER_ERROR),
      null,
    );
  });
});
