// The per-API authorization rules on requests that mix what the client may and may not do: the allowed part
// reaches the handler (a recording stand-in), the denied part is answered with Kafka's code by the API's own
// error responder, and the two answers are merged; answers the client may not see are filtered. Bindings:
// the client may WRITE/READ topics "orders-*", READ group "g", DESCRIBE_CONFIGS topic "orders-eu", CREATE "orders-ok".
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AclBinding } from "@cirrus/broker-api";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { loadBrokerConfig } from "../../src/config.ts";
import {
  createTopicsError,
  deleteTopicsError,
  describeConfigsError,
  listOffsetsError,
  offsetCommitError,
  produceError,
} from "../../src/handlers/error-responses.ts";
import type { BrokerServices, RequestContext } from "../../src/handlers/handler.ts";
import { alterReplicaLogDirsError, describeLogDirsError } from "../../src/handlers/log-dirs.ts";
import { authorizationRules } from "../../src/security/authorization-rules.ts";
import { ClusterSecurity } from "../../src/security/cluster-security.ts";
import { offsetCommitRule } from "../../src/security/group-rules.ts";
import {
  createTopicsRule,
  deleteTopicsRule,
  describeConfigsRule,
  listOffsetsRule,
  metadataRule,
  produceRule,
  withUnreadableDenied,
} from "../../src/security/topic-rules.ts";

// biome-ignore lint/suspicious/noExplicitAny: requests and answers are built and read field by field
type Any = any;

const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: "TOPIC",
  resourceName: "orders-",
  patternType: "PREFIXED",
  principal: "User:ANONYMOUS",
  host: "*",
  operation: "WRITE",
  permission: "ALLOW",
  ...over,
});
const ORDERS_ID = "0000000000000000000000000000000a";
const PAYMENTS_ID = "0000000000000000000000000000000b";

function contextFor(apiVersion = 9): RequestContext {
  const config = loadBrokerConfig({ authorizerEnabled: true }, {});
  const security = new ClusterSecurity(
    {
      security: async () => ({ version: 0, acls: [], scramCredentials: [] }),
      securityVersion: async () => ({ version: 0 }),
    },
    { refreshMs: 1000, superUsers: [], allowEveryoneIfNoAclFound: false },
  );
  security.apply({
    version: 1,
    acls: [
      acl({}),
      acl({ operation: "READ" }),
      acl({ resourceType: "GROUP", resourceName: "g", patternType: "LITERAL", operation: "READ" }),
      acl({ resourceName: "orders-eu", patternType: "LITERAL", operation: "DESCRIBE_CONFIGS" }),
      acl({ resourceName: "orders-ok", patternType: "LITERAL", operation: "CREATE" }),
    ],
    scramCredentials: [],
  });
  const metadata = async () => ({
    clusterId: "c",
    version: 1,
    controllerBrokerId: 1,
    brokers: [],
    topics: [
      { topicId: ORDERS_ID, name: "orders-eu", configs: {}, partitions: [] },
      { topicId: PAYMENTS_ID, name: "payments", configs: {}, partitions: [] },
    ],
  });
  const services = { config, security, metadata } as unknown as BrokerServices;
  return {
    apiKey: 0,
    apiVersion,
    correlationId: 1,
    clientId: null,
    services,
    receivedAt: 0,
    connection: { id: 1, remoteAddress: "127.0.0.1:1", closed: new AbortController().signal },
  } as RequestContext;
}

/** A handler stand-in that records what reached it and answers with `answer(request)`. */
function recorder(answer: (request: Any) => Any) {
  const seen: Any[] = [];
  const serve = async (request: Any) => {
    seen.push(request);
    return answer(request);
  };
  return { seen, serve };
}

describe("topic rules", () => {
  it("Produce: serves the topics it may write, answers the others TOPIC_AUTHORIZATION_FAILED, merges both", async () => {
    const h = recorder((r) => ({
      throttleTimeMs: 0,
      responses: r.topicData.map((t: Any) => ({
        name: t.name,
        partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 5n }],
      })),
    }));
    const request = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: "orders-eu", partitionData: [{ index: 0, records: null }] },
        {
          name: "payments",
          partitionData: [
            { index: 0, records: null },
            { index: 1, records: null },
          ],
        },
      ],
    };
    const answer: Any = await produceRule(request as Any, contextFor(), h.serve, produceError);
    assert.deepEqual(
      h.seen[0].topicData.map((t: Any) => t.name),
      ["orders-eu"],
    );
    assert.deepEqual(
      answer.responses.map((t: Any) => [t.name, t.partitionResponses.map((p: Any) => p.errorCode)]),
      [
        ["orders-eu", [0]],
        ["payments", [ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED]],
      ],
    );
    const txn: Any = await produceRule(
      { ...request, transactionalId: "t1" } as Any,
      contextFor(),
      h.serve,
      produceError,
    );
    assert.equal(
      txn.responses[0].partitionResponses[0].errorCode,
      ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    );
    assert.equal(h.seen.length, 1, "a denied transactional id reaches no handler");
    const acks0 = await produceRule(
      { ...request, acks: 0, topicData: [request.topicData[1]] } as Any,
      contextFor(),
      h.serve,
      produceError,
    );
    assert.equal(acks0, null, "acks=0: nothing is answered, nothing written");
    assert.equal(h.seen.length, 1);
  });

  it("Fetch: a denied topic's partitions are answered TOPIC_AUTHORIZATION_FAILED before any read, named or by id", async () => {
    const partition = { topic: "orders-eu" } as Any;
    const read = (topic: string, topicId: string, served: boolean): Any => ({
      target: { partition: 0 },
      topic,
      topicId,
      partition: served ? partition : undefined,
      errorCode: served ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER,
    });
    const allowed = [read("orders-eu", ORDERS_ID, true), read("orders-eu", ORDERS_ID, true)];
    assert.equal(
      await withUnreadableDenied(allowed, contextFor(13)),
      allowed,
      "nothing denied: the same reads",
    );
    const reads = [
      read("orders-eu", ORDERS_ID, true),
      read("payments", PAYMENTS_ID, true),
      read("", PAYMENTS_ID, false),
    ];
    const checked: Any[] = await withUnreadableDenied(reads, contextFor(13));
    assert.equal(checked[0], reads[0]);
    for (const denied of checked.slice(1)) {
      assert.deepEqual(
        [denied.errorCode, denied.partition],
        [ErrorCode.TOPIC_AUTHORIZATION_FAILED, undefined],
      );
    }
    assert.equal(reads[1].errorCode, ErrorCode.NONE, "the resolved reads are not modified");
  });

  it("ListOffsets, CreateTopics and DeleteTopics (by name and by id) split the same way", async () => {
    const lo = recorder((r) => ({
      throttleTimeMs: 0,
      topics: r.topics.map((t: Any) => ({ name: t.name, partitions: [{ partitionIndex: 0, errorCode: 0 }] })),
    }));
    const listed: Any = await listOffsetsRule(
      {
        topics: [
          { name: "payments", partitions: [{ partitionIndex: 0 }] },
          { name: "orders-x", partitions: [{ partitionIndex: 0 }] },
        ],
      } as Any,
      contextFor(),
      lo.serve,
      listOffsetsError,
    );
    assert.deepEqual(
      listed.topics.map((t: Any) => [t.name, t.partitions[0].errorCode]),
      [
        ["orders-x", 0],
        ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
    const ct = recorder((r) => ({
      throttleTimeMs: 0,
      topics: r.topics.map((t: Any) => ({ name: t.name, errorCode: 0 })),
    }));
    const created: Any = await createTopicsRule(
      { topics: [{ name: "orders-new" }], timeoutMs: 1, validateOnly: false } as Any,
      contextFor(),
      ct.serve,
      createTopicsError,
    );
    assert.equal(
      created.topics[0].errorCode,
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      "WRITE does not grant CREATE",
    );
    assert.equal(ct.seen.length, 0);
    const dt = recorder((r) => ({
      throttleTimeMs: 0,
      responses: r.topics.map((t: Any) => ({ name: t.name, topicId: t.topicId, errorCode: 0 })),
    }));
    const deleted: Any = await deleteTopicsRule(
      { topicNames: [], topics: [{ name: null, topicId: PAYMENTS_ID }], timeoutMs: 1 } as Any,
      contextFor(6),
      dt.serve,
      deleteTopicsError,
    );
    assert.equal(
      deleted.responses[0].errorCode,
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      "resolved by id, then refused",
    );
    assert.equal(dt.seen.length, 0);
  });

  it("Metadata: hides topics from 'all', refuses named ones, and creates nothing for a client without CREATE", async () => {
    const h = recorder((r) => ({
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: "h", port: 1 }],
      clusterId: "c",
      controllerId: 1,
      topics: (r.topics ?? [{ name: "orders-eu" }, { name: "payments" }]).map((t: Any) => ({
        errorCode: t.name === "orders-new" ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0,
        name: t.name,
        topicId: ORDERS_ID,
        partitions: [],
      })),
    }));
    const all: Any = await metadataRule(
      { topics: null, allowAutoTopicCreation: true } as Any,
      contextFor(),
      h.serve,
      () => null,
    );
    assert.deepEqual(
      all.topics.map((t: Any) => t.name),
      ["orders-eu"],
    );
    const named: Any = await metadataRule(
      {
        topics: [
          { name: "payments", topicId: PAYMENTS_ID },
          { name: "orders-new", topicId: ORDERS_ID },
        ],
        allowAutoTopicCreation: true,
      } as Any,
      contextFor(),
      h.serve,
      () => null,
    );
    assert.equal(h.seen[1].allowAutoTopicCreation, false, "no CREATE: no auto-creation");
    assert.deepEqual(
      h.seen[1].topics.map((t: Any) => t.name),
      ["orders-new"],
      "a hidden topic is not even looked up",
    );
    assert.deepEqual(
      named.topics.map((t: Any) => [t.name, t.errorCode]),
      [
        ["orders-new", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
    assert.equal(named.brokers.length, 1);
    const mixed: Any = await metadataRule(
      {
        topics: [
          { name: "orders-new", topicId: ORDERS_ID },
          { name: "orders-ok", topicId: ORDERS_ID },
        ],
        allowAutoTopicCreation: true,
      } as Any,
      contextFor(),
      h.serve,
      () => null,
    );
    assert.deepEqual(
      h.seen.slice(2).map((r: Any) => [r.topics.map((t: Any) => t.name), r.allowAutoTopicCreation]),
      [
        [["orders-ok"], true],
        [["orders-new"], false],
      ],
      "only the creatable topic may be auto-created",
    );
    assert.deepEqual(
      mixed.topics.map((t: Any) => [t.name, t.errorCode]),
      [
        ["orders-ok", 0],
        ["orders-new", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
  });

  it("DescribeConfigs: a denied topic and the broker (CLUSTER) get their own codes, the rest is described", async () => {
    const h = recorder((r) => ({
      throttleTimeMs: 0,
      results: r.resources.map((x: Any) => ({
        errorCode: 0,
        errorMessage: null,
        resourceType: x.resourceType,
        resourceName: x.resourceName,
        configs: [],
      })),
    }));
    const answer: Any = await describeConfigsRule(
      {
        resources: [
          { resourceType: 2, resourceName: "orders-eu", configurationKeys: null },
          { resourceType: 2, resourceName: "payments", configurationKeys: null },
          { resourceType: 4, resourceName: "1", configurationKeys: null },
        ],
      } as Any,
      contextFor(),
      h.serve,
      describeConfigsError,
    );
    assert.deepEqual(
      answer.results.map((r: Any) => [r.resourceName, r.errorCode]),
      [
        ["orders-eu", 0],
        ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ["1", ErrorCode.CLUSTER_AUTHORIZATION_FAILED],
      ],
    );
  });
});

describe("group rules", () => {
  it("OffsetCommit: GROUP_AUTHORIZATION_FAILED for another group; per topic READ inside its own", async () => {
    const h = recorder((r) => ({
      throttleTimeMs: 0,
      topics: r.topics.map((t: Any) => ({ name: t.name, partitions: [{ partitionIndex: 0, errorCode: 0 }] })),
    }));
    const topics = [
      { name: "orders-eu", partitions: [{ partitionIndex: 0 }] },
      { name: "payments", partitions: [{ partitionIndex: 0 }] },
    ];
    const other: Any = await offsetCommitRule(
      { groupId: "h", topics } as Any,
      contextFor(),
      h.serve,
      offsetCommitError,
    );
    assert.deepEqual(
      other.topics.map((t: Any) => t.partitions[0].errorCode),
      [ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED],
    );
    const own: Any = await offsetCommitRule(
      { groupId: "g", topics } as Any,
      contextFor(),
      h.serve,
      offsetCommitError,
    );
    assert.deepEqual(
      own.topics.map((t: Any) => [t.name, t.partitions[0].errorCode]),
      [
        ["orders-eu", 0],
        ["payments", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ],
    );
    assert.deepEqual(
      h.seen.map((r) => r.topics.map((t: Any) => t.name)),
      [["orders-eu"]],
    );
  });
});

/** The rule the table holds for `apiKey` (a function, not "handler" or "open"). */
function ruleOf(apiKey: number): (...args: Any[]) => Promise<Any> {
  const rule = (authorizationRules as Any)[apiKey];
  assert.equal(typeof rule, "function", `api ${apiKey} has a rule`);
  return rule;
}

describe("cluster rules", () => {
  it("DescribeLogDirs and AlterReplicaLogDirs need DESCRIBE / ALTER on the cluster: without, nothing is served", async () => {
    const h = recorder(() => {
      throw new Error("a denied request reached the handler");
    });
    const described: Any = await ruleOf(ApiKey.DescribeLogDirs)(
      { topics: null },
      contextFor(4),
      h.serve,
      describeLogDirsError,
    );
    assert.equal(described.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    assert.deepEqual(
      described.results.map((r: Any) => [r.logDir, r.errorCode, r.topics]),
      [["", ErrorCode.CLUSTER_AUTHORIZATION_FAILED, []]],
      "no dir or partition is shown; v1–2 read the code from the one nameless dir",
    );
    const altered: Any = await ruleOf(ApiKey.AlterReplicaLogDirs)(
      { dirs: [{ path: "/data", topics: [{ name: "orders-eu", partitions: [0, 1] }] }] },
      contextFor(2),
      h.serve,
      alterReplicaLogDirsError,
    );
    assert.deepEqual(
      altered.results.map((t: Any) => [t.topicName, t.partitions.map((p: Any) => p.errorCode)]),
      [["orders-eu", [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]]],
    );
    assert.equal(h.seen.length, 0);
  });
});
