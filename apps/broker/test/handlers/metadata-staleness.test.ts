import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClusterMetadata } from "@cirrus/broker-api";
import { contradictsServedPartitions } from "../../src/handlers/metadata-staleness.ts";

const TOPIC_ID = "00000000-0000-4000-8000-000000000001";
const OTHER_ID = "00000000-0000-4000-8000-000000000002";

function metadata(leaderOfOrders: number, leaderOfOther = 2): ClusterMetadata {
  const topic = (topicId: string, name: string, leader: number) => ({
    topicId,
    name,
    configs: {},
    partitions: [{ partition: 0, leaderBrokerId: leader, leaderEpoch: 3, streamId: 5 }],
  });
  return {
    clusterId: "c",
    version: 1,
    controllerBrokerId: 1,
    brokers: [],
    topics: [topic(TOPIC_ID, "orders", leaderOfOrders), topic(OTHER_ID, "other", leaderOfOther)],
  };
}

const serving = (...keys: string[]) => ({
  byId: (topicId: string, partition: number) => (keys.includes(`${topicId}:${partition}`) ? {} : undefined),
});

test("a view that agrees with what this broker serves is not stale", () => {
  assert.equal(contradictsServedPartitions(metadata(1), ["orders"], 1, serving(`${TOPIC_ID}:0`)), false);
  assert.equal(contradictsServedPartitions(metadata(2), ["orders"], 1, serving()), false);
});

test("announced as led here but closed here (moved away): stale", () => {
  assert.equal(contradictsServedPartitions(metadata(1), ["orders"], 1, serving()), true);
});

test("open here but announced elsewhere (just moved here): stale", () => {
  assert.equal(contradictsServedPartitions(metadata(2), ["orders"], 1, serving(`${TOPIC_ID}:0`)), true);
});

test("only the topics asked about count (by name or id); null asks about all", () => {
  const view = metadata(2, 1); // 'other' is announced here but not open here
  assert.equal(contradictsServedPartitions(view, ["orders"], 1, serving()), false);
  assert.equal(contradictsServedPartitions(view, [OTHER_ID], 1, serving()), true);
  assert.equal(contradictsServedPartitions(view, null, 1, serving()), true);
});
